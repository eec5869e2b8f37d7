"""CAS 3.0 client: the login redirect and `/p3/serviceValidate` with attributes.

A small client of our own (httpx and the standard library's XML parser) rather than python-cas:
only two URLs are needed. The answer is parsed with ElementTree after refusing any DOCTYPE (no
entity expansion at all) and anything over 64 KiB.
"""

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

NS = "{http://www.yale.edu/tp/cas}"
MAX_ANSWER = 64 * 1024


class CasError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class CasIdentity:
    user: str
    attributes: dict[str, list[str]]

    def value(self, attribute: str) -> str | None:
        """The named attribute's first value; the CAS user when no attribute is named."""
        if not attribute:
            return self.user
        values = self.attributes.get(attribute) or []
        return values[0] if values else None


def login_url(server: str, service: str) -> str:
    return f"{server.rstrip('/')}/login?{urlencode({'service': service})}"


def parse_answer(body: bytes) -> CasIdentity:
    if len(body) > MAX_ANSWER:
        raise CasError("provider_misconfigured", "the CAS answer is too large")
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise CasError("provider_misconfigured", "the CAS answer carries a DOCTYPE")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise CasError("provider_misconfigured", f"the CAS answer is not XML: {exc}") from exc
    failure = root.find(f"{NS}authenticationFailure")
    if failure is not None:
        raise CasError("ticket_rejected", f"{failure.get('code', '')}: {(failure.text or '').strip()[:200]}")
    success = root.find(f"{NS}authenticationSuccess")
    user = success.findtext(f"{NS}user") if success is not None else None
    if success is None or not user or not user.strip():
        raise CasError("provider_misconfigured", "the CAS answer names no user")
    attributes: dict[str, list[str]] = {}
    found = success.find(f"{NS}attributes")
    for child in list(found) if found is not None else []:
        if child.tag.startswith(NS) and child.text is not None:
            attributes.setdefault(child.tag[len(NS) :], []).append(child.text.strip())
    return CasIdentity(user.strip(), attributes)


async def validate(
    server: str, service: str, ticket: str, wait: float = 10.0, transport: httpx.AsyncBaseTransport | None = None
) -> CasIdentity:
    url = f"{server.rstrip('/')}/p3/serviceValidate"
    try:
        async with httpx.AsyncClient(timeout=wait, transport=transport) as http:
            r = await http.get(url, params={"service": service, "ticket": ticket})
    except httpx.HTTPError as exc:
        raise CasError("provider_unavailable", f"{url}: {exc}") from exc
    if r.status_code != 200:
        raise CasError("provider_unavailable", f"{url} answered {r.status_code}")
    return parse_answer(r.content)
