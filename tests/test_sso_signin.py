"""Single sign-on through the API against a local OIDC provider and a local CAS server
(`sso_servers.py`): a person signs in as the existing account the configured claim names; an
unknown identity, a wrong nonce or a callback in another browser is refused with a clear message;
an ID token signed with a rotated key is accepted; password sign-in can be turned off per account.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest

from .sso_servers import CLIENT_ID, CLIENT_SECRET, CasServer, OidcProvider

pytestmark = pytest.mark.postgres
DEMO_PASSWORD = "demo-test-pw"  # the root conftest's demo accounts' password


@pytest.fixture
def db_url(pg_db_url: str) -> str:
    return pg_db_url


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    p = OidcProvider(claims={"zhang.wei": {"preferred_username": "abgq"}, "li.na": {"preferred_username": "xlhts"}})
    with p.serve():
        yield p


@pytest.fixture
def cas_server() -> Iterator[tuple[CasServer, str]]:
    s = CasServer(attributes={"wang.fang": {"employeeNumber": "E1024", "mobile": "+86 139-0479-0001"}})
    with s.serve() as url:
        yield s, url


@pytest.fixture
def settings(settings: Any, provider: OidcProvider, cas_server: tuple[CasServer, str]) -> Any:
    return settings.model_copy(
        update={
            "oidc_issuer": provider.issuer,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": CLIENT_SECRET,
            "cas_url": cas_server[1],
            "cas_attribute": "employeeNumber",
            "cas_match": "employee_no",
        }
    )


def _browser(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rectify.test")


async def _oidc_callback(
    app: Any, provider: OidcProvider, who: str, browser: httpx.AsyncClient | None = None
) -> httpx.Response:
    """Start at Rectify, sign in at the provider as `who`, come back: the callback's answer."""
    browser = browser or _browser(app)
    start = await browser.get("/api/v1/auth/oidc/login", params={"next": "/ledger"})
    assert start.status_code == 302, start.text
    to_provider = urlsplit(start.headers["location"])
    params = {k: v[0] for k, v in parse_qs(to_provider.query).items()}
    assert params["code_challenge_method"] == "S256" and params["nonce"] and params["state"]
    async with httpx.AsyncClient() as idp:
        back = await idp.post(provider.issuer + "/authorize", data={**params, "username": who})
    assert back.status_code == 302
    return await browser.get(back.headers["location"].removeprefix("http://rectify.test"))


async def _redeem(app: Any, callback: httpx.Response) -> str:
    """What the console does with the callback's redirect: the username it is now signed in as."""
    location = callback.headers["location"]
    assert location.startswith("/console/login#sso="), location
    fragment = parse_qs(urlsplit(location).fragment)
    assert unquote(fragment["next"][0]) == "/ledger"
    async with _browser(app) as c:
        tokens = await c.post(
            "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": fragment["sso"][0]}
        )
        assert tokens.status_code == 200, tokens.text
        auth = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        me = await c.get("/api/v1/me", headers=auth)
        assert (await c.get("/api/v1/rounds", headers=auth)).status_code == 200  # a session that works
        return str(me.json()["username"])


async def test_oidc_sign_in_refusals_and_key_rotation(
    app: Any, client: httpx.AsyncClient, provider: OidcProvider
) -> None:
    async with _browser(app) as anon:
        listed = (await anon.get("/api/v1/auth/sso")).json()["providers"]
    assert [p["id"] for p in listed] == ["oidc", "cas"]

    assert await _redeem(app, await _oidc_callback(app, provider, "zhang.wei")) == "abgq"

    # the provider rotates its signing key: the new key id is fetched once and accepted
    fetched = provider.jwks_requests
    provider.rotate()
    assert await _redeem(app, await _oidc_callback(app, provider, "li.na")) == "xlhts"
    assert provider.jwks_requests == fetched + 1

    # someone the provider knows but Rectify does not: refused, nothing created
    unknown = await _oidc_callback(app, provider, "stranger")
    assert unknown.status_code == 403
    body = unknown.json()["error"]
    assert body["code"] == "unknown_identity" and "未关联本平台用户" in body["message"]
    assert "not linked to any Rectify account" in body["message_en"]
    # a browser is sent back to the sign-in page, which shows the same message
    browser = _browser(app)
    browser.headers["accept"] = "text/html,application/xhtml+xml"
    seen = await _oidc_callback(app, provider, "stranger", browser)
    assert seen.status_code == 302 and seen.headers["location"] == "/console/login?sso_error=unknown_identity"

    # an ID token whose nonce is not this sign-in's
    provider.wrong_nonce = True
    replay = await _oidc_callback(app, provider, "zhang.wei")
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "nonce_mismatch", replay.text
    provider.wrong_nonce = False

    # the callback in another browser (no sign-in cookie): refused before the code is used
    used = provider.token_requests
    start = await _browser(app).get("/api/v1/auth/oidc/login")
    params = {k: v[0] for k, v in parse_qs(urlsplit(start.headers["location"]).query).items()}
    async with httpx.AsyncClient() as idp:
        back = await idp.post(provider.issuer + "/authorize", data={**params, "username": "zhang.wei"})
    other = await _browser(app).get(back.headers["location"].removeprefix("http://rectify.test"))
    assert other.status_code == 400 and other.json()["error"]["code"] == "sso_state_invalid"
    assert provider.token_requests == used

    # the refusals are in the audit trail (on the system chain: no account's subtree owns them)
    from sqlalchemy import select

    from rectify_shared.models.audit import AuditRecord

    async with app.state.rectify.read_sessions() as session:
        failed = (
            await session.execute(select(AuditRecord.after).where(AuditRecord.action == "auth.login_failed"))
        ).all()
    reasons = sorted(after["reason"] for (after,) in failed)
    assert reasons == ["nonce_mismatch", "unknown_identity", "unknown_identity"]


async def _cas_sign_in(app: Any, cas_url: str, who: str) -> httpx.Response:
    browser = _browser(app)
    start = await browser.get("/api/v1/auth/cas/login", params={"next": "/ledger"})
    assert start.status_code == 302 and start.headers["location"].startswith(cas_url + "/login?service=")
    service = parse_qs(urlsplit(start.headers["location"]).query)["service"][0]
    async with httpx.AsyncClient() as idp:
        back = await idp.post(cas_url + "/login", data={"service": service, "username": who})
    return await browser.get(back.headers["location"].removeprefix("http://rectify.test"))


async def test_cas_sign_in_by_employee_no_and_phone_and_password_switch(
    app: Any, client: httpx.AsyncClient, cas_server: tuple[CasServer, str]
) -> None:
    _, cas_url = cas_server
    users = (await client.get("/api/v1/users", params={"limit": 200})).json()["items"]
    leader = next(u for u in users if u["username"] == "leader")
    other = next(u for u in users if u["username"] == "abgq")

    # no account has 工号 E1024 yet: refused
    refused = await _cas_sign_in(app, cas_url, "wang.fang")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "unknown_identity"

    patched = await client.patch(
        f"/api/v1/users/{leader['id']}", json={"employee_no": "E1024", "phone": "13904790001", "password_login": False}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["employee_no"] == "E1024" and patched.json()["password_login"] is False
    assert await _redeem(app, await _cas_sign_in(app, cas_url, "wang.fang")) == "leader"
    taken = await client.patch(f"/api/v1/users/{other['id']}", json={"employee_no": "E1024"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "employee_no_taken"

    # the same person matched by phone (+86 139-0479-0001 from CAS; the phone is encrypted at rest
    # and found through its keyed index)
    app.state.rectify.settings.cas_attribute, app.state.rectify.settings.cas_match = "mobile", "phone"
    assert await _redeem(app, await _cas_sign_in(app, cas_url, "wang.fang")) == "leader"

    # an account made for SSO only: no password to change at first sign-in, it works at once
    made = await client.post(
        "/api/v1/users",
        json={"username": "sso_only", "password": "Unused-pass-2026!", "org_id": leader["org_id"], "role": "leader",
              "employee_no": "E2048", "password_login": False},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    app.state.rectify.settings.cas_attribute, app.state.rectify.settings.cas_match = "employeeNumber", "employee_no"
    cas_server[0].attributes["zhao.lei"] = {"employeeNumber": "E2048"}
    assert await _redeem(app, await _cas_sign_in(app, cas_url, "zhao.lei")) == "sso_only"

    # password sign-in is off for this account: the right password is refused with a reason
    async with _browser(app) as c:
        r = await c.post("/api/v1/auth/token", data={"username": "leader", "password": DEMO_PASSWORD})
        assert r.status_code == 403 and r.json()["error"]["code"] == "password_login_disabled"
        assert "统一身份认证" in r.json()["error"]["message"]
        wrong = await c.post("/api/v1/auth/token", data={"username": "leader", "password": "not-it-at-all"})
        assert wrong.status_code == 401  # a guesser learns nothing about the setting


async def test_id_token_checks_clock_skew_audience_and_signature(provider: OidcProvider) -> None:
    """The ID-token checks on their own: times within the skew pass, beyond it fail; another
    audience or a signature by a key not in the provider's set fails."""
    import time

    from joserfc import jwt
    from joserfc.jwk import RSAKey

    from issues_api.auth.oidc import OidcClient, OidcError

    client = OidcClient(provider.issuer, CLIENT_ID, CLIENT_SECRET, clock_skew=60)
    now = int(time.time())
    key = provider.keys[0]

    def token(signer: RSAKey = key, **claims: Any) -> str:
        body = {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "u", "iat": now, "exp": now + 300, "nonce": "n"}
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, body | claims, signer)

    assert (await client.validate_id_token(token(), "n", now=now + 330))["sub"] == "u"  # 30 s late: within skew
    assert await client.validate_id_token(token(iat=now + 40), "n", now=now)  # the provider's clock 40 s ahead
    for bad, when in ((token(), now + 400), (token(aud="another-client"), now), (token(iss="https://evil"), now)):
        with pytest.raises(OidcError) as refused:
            await client.validate_id_token(bad, "n", now=when)
        assert refused.value.code == "id_token_invalid"
    forged = RSAKey.generate_key(2048, parameters={"kid": key.kid})  # the right key id, another key
    with pytest.raises(OidcError, match="signature"):
        await client.validate_id_token(token(forged), "n", now=now)
    with pytest.raises(OidcError) as wrong:
        await client.validate_id_token(token(nonce="other"), "n", now=now)
    assert wrong.value.code == "nonce_mismatch"
    without = jwt.encode(
        {"alg": "RS256", "kid": key.kid},
        {"iss": provider.issuer, "aud": CLIENT_ID, "sub": "u", "iat": now, "exp": now + 60},
        key,
    )
    with pytest.raises(OidcError):  # no nonce at all
        await client.validate_id_token(without, "n", now=now)


def test_cas_answers_are_parsed_strictly() -> None:
    from issues_api.auth.cas import CasError, parse_answer

    ok = parse_answer(
        b'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>wang</cas:user>'
        b"<cas:attributes><cas:employeeNumber>E1</cas:employeeNumber><cas:memberOf>a</cas:memberOf>"
        b"<cas:memberOf>b</cas:memberOf></cas:attributes></cas:authenticationSuccess></cas:serviceResponse>"
    )
    assert ok.user == "wang" and ok.value("employeeNumber") == "E1" and ok.attributes["memberOf"] == ["a", "b"]
    assert ok.value("") == "wang" and ok.value("mobile") is None
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"/>'
    for body, code in (
        (bomb, "provider_misconfigured"),
        (b"not xml", "provider_misconfigured"),
        (b'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"/>', "provider_misconfigured"),
        (
            b'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
            b'<cas:authenticationFailure code="INVALID_TICKET">no</cas:authenticationFailure></cas:serviceResponse>',
            "ticket_rejected",
        ),
    ):
        with pytest.raises(CasError) as refused:
            parse_answer(body)
        assert refused.value.code == code


def test_a_real_deployment_refuses_sso_over_plain_http_or_without_a_client_secret() -> None:
    from issues_api.auth.startup import settings_problems
    from rectify_shared.settings import Settings

    base = {"database_url": "postgresql://rectify@db/rectify"}
    plain = Settings(**base, oidc_issuer="http://idp.gov.cn", oidc_client_id="c", cas_url="http://cas.gov.cn/cas")
    found = [p for p in settings_problems(plain) if "OIDC" in p or "CAS" in p]
    assert any("RECTIFY_OIDC_ISSUER must be an https://" in p for p in found)
    assert any("RECTIFY_CAS_URL must be an https://" in p for p in found)
    assert any("without RECTIFY_OIDC_CLIENT_SECRET" in p for p in found)
    assert any("RECTIFY_PUBLIC_URL" in p for p in settings_problems(plain))
    good = Settings(
        **base,
        oidc_issuer="https://idp.gov.cn",
        oidc_client_id="c",
        oidc_client_secret="s",
        sso_public_url="https://rectify.gov.cn",
    )
    assert not [p for p in settings_problems(good) if "OIDC" in p or "CAS" in p]
    demo = Settings(database_url="", env="", oidc_issuer="http://127.0.0.1:9")
    assert settings_problems(demo) == []  # the embedded demo: anything goes
