"""Single sign-on routes (public: they are how a person without a session gets one).

`GET /auth/sso` lists the configured providers for the sign-in page. `…/login` starts a sign-in
(a redirect to the provider, the sign-in's state in a cookie); `…/callback` finishes it and sends
the browser to the console's sign-in page holding the new session (see `sso_flow`). A refusal is
the JSON error envelope, or — for a browser (Accept: text/html) — a redirect to the console's
sign-in page with `?sso_error=<code>`, where the same message is shown.
"""

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from ..core.deps import get_state
from ..core.errors import ApiError, errors
from . import cas, sso_flow
from .deps import client_addr
from .oidc import OidcClient, OidcError, pkce_pair

router = APIRouter(prefix="/api/v1", tags=["auth"])

_CLIENTS: dict[tuple[str, str], OidcClient] = {}


class SsoProvider(BaseModel):
    id: str = Field(description="`oidc` or `cas`")
    name: str = Field(description="the button's text (RECTIFY_OIDC_NAME / RECTIFY_CAS_NAME)")
    login_url: str = Field(description="open in the browser (a redirect); `?next=/a/console/route` returns there")


class SsoProviders(BaseModel):
    providers: list[SsoProvider]
    password_login: bool = Field(True, description="the password form stays offered (per account it may be off)")


def _oidc(request: Request) -> OidcClient:
    s = get_state(request).settings
    if not (s.oidc_issuer and s.oidc_client_id):
        raise sso_flow.sso_error("sso_not_configured")
    secret = s.oidc_client_secret
    if not secret and s.oidc_client_secret_file is not None:
        secret = Path(s.oidc_client_secret_file).read_text(encoding="utf-8").strip()
    client = _CLIENTS.get((s.oidc_issuer, s.oidc_client_id))
    if client is None or client.client_secret != secret:
        client = OidcClient(
            s.oidc_issuer, s.oidc_client_id, secret, s.oidc_scopes, s.sso_clock_skew_seconds, s.sso_timeout
        )
        _CLIENTS[(s.oidc_issuer, s.oidc_client_id)] = client
    return client


def _cas_server(request: Request) -> str:
    server = get_state(request).settings.cas_url
    if not server:
        raise sso_flow.sso_error("sso_not_configured")
    return server


def _base(request: Request) -> str:
    public = get_state(request).settings.sso_public_url
    return (public or str(request.base_url)).rstrip("/")


def _start(request: Request, location: str, state: dict[str, str]) -> RedirectResponse:
    response = RedirectResponse(location, status_code=302)
    response.set_cookie(
        sso_flow.COOKIE,
        sso_flow.seal(get_state(request).jwt_secret, state),
        max_age=sso_flow.STATE_SECONDS,
        path=sso_flow.COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=_base(request).startswith("https://"),
    )
    return response


def _finish(location: str) -> RedirectResponse:
    response = RedirectResponse(location, status_code=302)
    response.delete_cookie(sso_flow.COOKIE, path=sso_flow.COOKIE_PATH)
    return response


def _refused(request: Request, exc: ApiError) -> RedirectResponse:
    """A browser goes back to the sign-in page, which shows the message; an API client gets the error."""
    if "text/html" in request.headers.get("accept", ""):
        return _finish(sso_flow.error_redirect(exc.code))
    raise exc


NextQuery = Annotated[str | None, Query(max_length=500, description="console route to return to, e.g. `/ledger`")]


@router.get("/auth/sso", response_model=SsoProviders)
async def sso_providers(request: Request) -> SsoProviders:
    """The single sign-on providers this deployment offers (the sign-in page shows a button each)."""
    s = get_state(request).settings
    found = []
    if s.oidc_issuer and s.oidc_client_id:
        found.append(SsoProvider(id="oidc", name=s.oidc_name, login_url="/api/v1/auth/oidc/login"))
    if s.cas_url:
        found.append(SsoProvider(id="cas", name=s.cas_name, login_url="/api/v1/auth/cas/login"))
    return SsoProviders(providers=found)


@router.get("/auth/oidc/login", status_code=302, response_class=RedirectResponse, responses=errors(404, 502))
async def oidc_login(request: Request, next: NextQuery = None) -> RedirectResponse:
    """Start an OIDC sign-in: a redirect to the provider (authorization code, PKCE S256, nonce)."""
    client = _oidc(request)
    verifier, challenge = pkce_pair()
    state = sso_flow.new_state("oidc", sso_flow.safe_next(next), verifier=verifier)
    state["nonce"] = secrets.token_urlsafe(24)
    try:
        url = await client.authorization_url(
            _base(request) + "/api/v1/auth/oidc/callback", state["state"], state["nonce"], challenge
        )
    except OidcError as exc:
        raise sso_flow.sso_error(exc.code) from exc
    return _start(request, url, state)


@router.get(
    "/auth/oidc/callback", status_code=302, response_class=RedirectResponse, responses=errors(400, 401, 403, 404, 502)
)
async def oidc_callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    """Finish an OIDC sign-in: the code is exchanged, the ID token checked (signature, issuer,
    audience, times with the configured skew, nonce), the person matched by the configured claim
    to an existing account; then to the console's sign-in page holding the session."""
    app_state = get_state(request)
    s = app_state.settings
    try:
        client = _oidc(request)
        flow = sso_flow.unseal(app_state.jwt_secret, request.cookies.get(sso_flow.COOKIE), "oidc", state)
        if error or not code:
            raise sso_flow.sso_error("provider_error")
        async with app_state.write_sessions() as session:  # a GET that writes (the session, the audit)
            try:
                answer = await client.exchange(code, _base(request) + "/api/v1/auth/oidc/callback", flow["verifier"])
                claims = await client.validate_id_token(answer["id_token"], flow["nonce"])
            except OidcError as exc:
                raise await sso_flow.refusal(session, "oidc", exc.code, client_addr(request)) from exc
            value = claims.get(s.oidc_claim)
            refresh = await sso_flow.sign_in(
                session,
                s,
                app_state.jwt_secret,
                provider="oidc",
                match=s.oidc_match,
                value=str(value) if isinstance(value, str | int) else None,
                client=client_addr(request),
            )
    except ApiError as exc:
        return _refused(request, exc)
    return _finish(sso_flow.console_redirect(refresh, flow["next"]))


@router.get("/auth/cas/login", status_code=302, response_class=RedirectResponse, responses=errors(404))
async def cas_login(request: Request, next: NextQuery = None) -> RedirectResponse:
    """Start a CAS sign-in: a redirect to the CAS server's login page."""
    server = _cas_server(request)
    state = sso_flow.new_state("cas", sso_flow.safe_next(next))
    service = f"{_base(request)}/api/v1/auth/cas/callback?state={state['state']}"
    return _start(request, cas.login_url(server, service), state)


@router.get(
    "/auth/cas/callback", status_code=302, response_class=RedirectResponse, responses=errors(400, 401, 403, 404, 502)
)
async def cas_callback(
    request: Request,
    ticket: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
) -> RedirectResponse:
    """Finish a CAS sign-in: the ticket is validated at `/p3/serviceValidate` (CAS 3.0, with
    attributes), the person matched by the configured attribute to an existing account."""
    app_state = get_state(request)
    s = app_state.settings
    try:
        server = _cas_server(request)
        flow = sso_flow.unseal(app_state.jwt_secret, request.cookies.get(sso_flow.COOKIE), "cas", state)
        if not ticket:
            raise sso_flow.sso_error("provider_error")
        service = f"{_base(request)}/api/v1/auth/cas/callback?state={flow['state']}"
        async with app_state.write_sessions() as session:  # a GET that writes (the session, the audit)
            try:
                identity = await cas.validate(server, service, ticket, s.sso_timeout)
            except cas.CasError as exc:
                raise await sso_flow.refusal(session, "cas", exc.code, client_addr(request)) from exc
            refresh = await sso_flow.sign_in(
                session,
                s,
                app_state.jwt_secret,
                provider="cas",
                match=s.cas_match,
                value=identity.value(s.cas_attribute),
                client=client_addr(request),
            )
    except ApiError as exc:
        return _refused(request, exc)
    return _finish(sso_flow.console_redirect(refresh, flow["next"]))
