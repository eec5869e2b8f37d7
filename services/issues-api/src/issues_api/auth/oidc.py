"""OpenID Connect client: discovery, authorization code with PKCE (S256), ID-token validation.

The ID token comes from the provider's token endpoint over the back channel and is still checked
in full: signature against the provider's JWKS (RS256/PS256/ES256 through joserfc; a key id not
in the cached set refetches the set once — the provider rotated its keys), then `iss`, `aud`,
`azp`, `exp`/`iat`/`nbf` with the configured clock skew, and the `nonce` bound to the browser's
sign-in (authlib's `CodeIDToken`). Discovery and the key set are cached per process.
"""

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

ALGORITHMS = ["RS256", "PS256", "ES256"]
DISCOVERY_TTL = 3600.0


class OidcError(Exception):
    """The provider's answer cannot be trusted or used; `code` names why (for the message)."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) — RFC 7636."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()
    return verifier, challenge


@dataclass
class OidcClient:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str = "openid profile"
    clock_skew: int = 60
    timeout: float = 10.0
    _meta: dict[str, Any] | None = None
    _meta_at: float = 0.0
    _keys: KeySet | None = None
    _transport: httpx.AsyncBaseTransport | None = field(default=None, repr=False)

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, transport=self._transport, follow_redirects=False)

    async def metadata(self) -> dict[str, Any]:
        if self._meta is not None and time.monotonic() - self._meta_at < DISCOVERY_TTL:
            return self._meta
        url = self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            async with self._http() as http:
                r = await http.get(url)
            r.raise_for_status()
            meta = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise OidcError("provider_unavailable", f"discovery at {url} failed: {exc}") from exc
        if meta.get("issuer") != self.issuer:  # OIDC Discovery §4.3
            raise OidcError("provider_misconfigured", f"discovery names issuer {meta.get('issuer')!r}")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(meta.get(key), str):
                raise OidcError("provider_misconfigured", f"discovery lacks {key}")
        self._meta, self._meta_at = meta, time.monotonic()
        return meta

    async def authorization_url(self, redirect_uri: str, state: str, nonce: str, challenge: str) -> str:
        meta = await self.metadata()
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        endpoint = str(meta["authorization_endpoint"])
        return endpoint + ("&" if "?" in endpoint else "?") + urlencode(query)

    async def _key_set(self, refresh: bool = False) -> KeySet:
        if self._keys is not None and not refresh:
            return self._keys
        meta = await self.metadata()
        try:
            async with self._http() as http:
                r = await http.get(str(meta["jwks_uri"]))
            r.raise_for_status()
            self._keys = KeySet.import_key_set(r.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            raise OidcError("provider_unavailable", f"the provider's key set could not be read: {exc}") from exc
        return self._keys

    async def exchange(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        """The token endpoint's answer for `code` (client_secret_basic, or _post when that is all
        the provider supports)."""
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        auth: tuple[str, str] | None = (self.client_id, self.client_secret)
        methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if "client_secret_basic" not in methods:
            form |= {"client_id": self.client_id, "client_secret": self.client_secret}
            auth = None
        try:
            async with self._http() as http:
                r = await http.post(str(meta["token_endpoint"]), data=form, auth=auth)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            raise OidcError("provider_unavailable", f"token endpoint: {exc}") from exc
        if r.status_code != 200:
            raise OidcError("code_rejected", f"token endpoint answered {r.status_code}: {r.text[:200]}")
        try:
            body = r.json()
        except ValueError as exc:
            raise OidcError("provider_misconfigured", "token endpoint answered no JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("id_token"), str):
            raise OidcError("provider_misconfigured", "token endpoint answered no id_token")
        return body

    async def validate_id_token(self, id_token: str, nonce: str, now: float | None = None) -> dict[str, Any]:
        keys = await self._key_set()
        try:
            try:
                token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
            except InvalidKeyIdError:
                token = jwt.decode(id_token, await self._key_set(refresh=True), algorithms=ALGORITHMS)
        except JoseError as exc:
            raise OidcError("id_token_invalid", f"signature: {exc}") from exc
        except ValueError as exc:
            raise OidcError("id_token_invalid", f"malformed: {exc}") from exc
        claims = CodeIDToken(
            token.claims,
            token.header,
            options={
                "iss": {"essential": True, "value": self.issuer},
                "aud": {"essential": True, "value": self.client_id},
                "nonce": {"essential": True},
            },
            params={"nonce": nonce, "client_id": self.client_id},
        )
        try:
            claims.validate(now=int(now if now is not None else time.time()), leeway=self.clock_skew)
        except JoseError as exc:
            code = "nonce_mismatch" if "nonce" in str(exc) else "id_token_invalid"
            raise OidcError(code, str(exc)) from exc
        return dict(claims)
