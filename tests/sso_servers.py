"""A local OpenID Connect provider and a local CAS 3.0 server for the sign-in tests (no tests here).

Both are threading HTTP servers on free ports, so the API under test (in process or as `rectify
run`) and a browser reach them over real HTTP.

* `OidcProvider`: discovery, a JWKS that can rotate (the old key leaves the set), an authorization
  page (a form: the person types who they are), and a token endpoint that checks the client's
  secret (HTTP Basic), the redirect URI and the PKCE verifier, and issues RS256 ID tokens carrying
  the nonce of the authorization request (or a wrong one, when told to).
* `CasServer`: a login page issuing one-time service tickets, and `/p3/serviceValidate` answering
  CAS 3.0 XML with attributes (the service must be the one the ticket was issued for).
"""

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "rectify-console"
CLIENT_SECRET = "oidc-client-secret-for-tests"


def _answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str, location: str = "") -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(body)))
    if location:
        handler.send_header("Location", location)
    handler.end_headers()
    handler.wfile.write(body)


def _form(handler: BaseHTTPRequestHandler) -> dict[str, str]:
    length = int(handler.headers.get("Content-Length") or 0)
    return {k: v[0] for k, v in parse_qs(handler.rfile.read(length).decode()).items()}


def _page(title: str, action: str, hidden: dict[str, str]) -> bytes:
    fields = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">' for k, v in hidden.items())
    return (
        f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{title}</title>'
        f'<h1>{title}</h1><form method="post" action="{action}">{fields}'
        '<label>账号 <input name="username" autocomplete="off"></label>'
        '<button type="submit">登录</button></form></html>'
    ).encode()


@contextmanager
def _serve(handler_cls: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_cls)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class OidcProvider:
    """`claims[username]` are the claims an ID token carries for whoever signs in as `username`."""

    claims: dict[str, dict[str, Any]] = field(default_factory=dict)
    issuer: str = ""
    keys: list[RSAKey] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    wrong_nonce: bool = False
    token_requests: int = 0
    jwks_requests: int = 0

    def __post_init__(self) -> None:
        self.rotate()

    def rotate(self) -> str:
        """A new signing key; the old one leaves the published set. Returns the new key id."""
        kid = f"k{len(self.keys) + 1}-{secrets.token_hex(3)}"
        self.keys = [RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})]
        return kid

    def authorize(self, params: dict[str, str], username: str) -> str:
        """What the authorization page does once the person says who they are: a redirect with a code."""
        code = secrets.token_urlsafe(16)
        self.codes[code] = {**params, "username": username}
        return params["redirect_uri"] + "?" + urlencode({"code": code, "state": params.get("state", "")})

    def _token(self, headers: Any, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if headers.get("Authorization") != f"Basic {basic}":
            return 401, {"error": "invalid_client"}
        grant = self.codes.pop(form.get("code", ""), None)  # one use
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant.get("code_challenge_method") != "S256" or challenge != grant.get("code_challenge"):
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": grant["username"],
            "iat": now,
            "exp": now + 300,
            "nonce": "not-the-nonce" if self.wrong_nonce else grant.get("nonce"),
            **self.claims.get(grant["username"], {"preferred_username": grant["username"]}),
        }
        key = self.keys[0]
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        return 200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "id_token": id_token}

    @contextmanager
    def serve(self) -> Iterator[str]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    meta = {
                        "issuer": provider.issuer,
                        "authorization_endpoint": provider.issuer + "/authorize",
                        "token_endpoint": provider.issuer + "/token",
                        "jwks_uri": provider.issuer + "/jwks",
                        "response_types_supported": ["code"],
                        "subject_types_supported": ["public"],
                        "id_token_signing_alg_values_supported": ["RS256"],
                        "code_challenge_methods_supported": ["S256"],
                        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                    }
                    _answer(self, 200, json.dumps(meta).encode(), "application/json")
                elif url.path == "/jwks":
                    provider.jwks_requests += 1
                    body = {"keys": [k.as_dict(private=False) for k in provider.keys]}
                    _answer(self, 200, json.dumps(body).encode(), "application/json")
                elif url.path == "/favicon.ico":  # a browser asks; a 404 would show as a console error
                    _answer(self, 204, b"", "image/x-icon")
                elif url.path == "/authorize":
                    _answer(
                        self, 200, _page("统一身份认证平台（测试）", "/authorize", query), "text/html; charset=utf-8"
                    )
                else:
                    _answer(self, 404, b"{}", "application/json")

            def do_POST(self) -> None:
                form = _form(self)
                if self.path == "/authorize":
                    username = form.pop("username", "")
                    _answer(self, 302, b"", "text/plain", provider.authorize(form, username))
                elif self.path == "/token":
                    status, body = provider._token(self.headers, form)
                    _answer(self, status, json.dumps(body).encode(), "application/json")
                else:
                    _answer(self, 404, b"{}", "application/json")

        with _serve(Handler) as base:
            self.issuer = base
            yield base


@dataclass
class CasServer:
    """`attributes[username]` are the CAS 3.0 attributes released for `username`."""

    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    tickets: dict[str, tuple[str, str]] = field(default_factory=dict)
    validations: int = 0

    def issue(self, service: str, username: str) -> str:
        ticket = "ST-" + secrets.token_hex(12)
        self.tickets[ticket] = (service, username)
        return service + ("&" if "?" in service else "?") + urlencode({"ticket": ticket})

    def _validate(self, query: dict[str, str]) -> bytes:
        self.validations += 1
        found = self.tickets.pop(query.get("ticket", ""), None)  # one use
        if found is None or found[0] != query.get("service"):
            return (
                b'<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure '
                b'code="INVALID_TICKET">Ticket not recognized</cas:authenticationFailure></cas:serviceResponse>'
            )
        user = found[1]
        attrs = "".join(f"<cas:{k}>{html.escape(v)}</cas:{k}>" for k, v in self.attributes.get(user, {}).items())
        return (
            '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
            f"<cas:user>{html.escape(user)}</cas:user><cas:attributes>{attrs}</cas:attributes>"
            "</cas:authenticationSuccess></cas:serviceResponse>"
        ).encode()

    @contextmanager
    def serve(self) -> Iterator[str]:
        cas = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/cas/login":
                    _answer(self, 200, _page("CAS 统一认证（测试）", "/cas/login", query), "text/html; charset=utf-8")
                elif url.path == "/cas/p3/serviceValidate":
                    _answer(self, 200, cas._validate(query), "application/xml; charset=utf-8")
                else:
                    _answer(self, 404, b"", "text/plain")

            def do_POST(self) -> None:
                form = _form(self)
                if self.path == "/cas/login":
                    _answer(self, 302, b"", "text/plain", cas.issue(form["service"], form.get("username", "")))
                else:
                    _answer(self, 404, b"", "text/plain")

        with _serve(Handler) as base:
            yield base + "/cas"
