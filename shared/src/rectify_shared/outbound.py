"""Where outgoing requests (webhooks) may go: public addresses, plus what the operator allows.

A webhook URL is resolved when it is subscribed and again before every delivery, and refused
when any address it resolves to is loopback, private, link-local (169.254.169.254, the cloud
metadata service), multicast, unspecified or reserved — whatever spelling names it (`0x7f000001`,
`2130706433`, `127.1`, `[::1]`, `[::ffff:127.0.0.1]`, or a DNS name resolving there). On-prem
receivers on private networks are allowed explicitly: RECTIFY_WEBHOOK_ALLOW_NETWORKS (CIDRs).
The delivery then connects to the address that was checked (no second lookup to rebind).
"""

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

RESOLVE_SECONDS = 3.0


class BlockedTarget(ValueError):
    """The URL may not be called; the message says why (English; callers add Chinese)."""


@dataclass(frozen=True)
class CheckedTarget:
    scheme: str
    host: str  # as written in the URL (for Host and TLS SNI)
    port: int
    address: str  # the checked IP to connect to


def allow_networks(text: str) -> tuple[Network, ...]:
    nets = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                nets.append(ipaddress.ip_network(part, strict=False))
            except ValueError as exc:
                raise ValueError(f"RECTIFY_WEBHOOK_ALLOW_NETWORKS: not a CIDR: {part!r}") from exc
    return tuple(nets)


def address_allowed(ip: IP, allow: tuple[Network, ...]) -> bool:
    if any(ip in net for net in allow if net.version == ip.version):
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_allowed(ip.ipv4_mapped, allow)
    return ip.is_global and not (ip.is_multicast or ip.is_unspecified or ip.is_reserved or ip.is_link_local)


def _split(url: str) -> tuple[str, str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BlockedTarget(f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise BlockedTarget("only http and https URLs")
    host = parts.hostname or ""
    if not host:
        raise BlockedTarget("the URL has no host")
    if parts.username or parts.password:
        raise BlockedTarget("credentials in the URL are not allowed")
    return scheme, host, port or (443 if scheme == "https" else 80)


async def check_url(url: str, allow: tuple[Network, ...]) -> CheckedTarget:
    """Resolve `url`'s host; raise BlockedTarget unless every address is allowed."""
    scheme, host, port = _split(url)
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS
        )
    except (OSError, TimeoutError) as exc:
        raise BlockedTarget(f"the host {host!r} cannot be resolved") from exc
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address_allowed(ip, allow):
            raise BlockedTarget(
                f"the host {host!r} resolves to {ip}, a loopback, private, link-local or otherwise internal "
                "address (allow on-prem receivers with RECTIFY_WEBHOOK_ALLOW_NETWORKS)"
            )
        addresses.append(str(ip))
    if not addresses:
        raise BlockedTarget(f"the host {host!r} has no address")
    return CheckedTarget(scheme, host, port, addresses[0])


def pinned_url(url: str, target: CheckedTarget) -> str:
    """`url` with its host replaced by the checked address (Host and SNI keep the name)."""
    parts = urlsplit(url)
    literal = f"[{target.address}]" if ":" in target.address else target.address
    netloc = f"{literal}:{target.port}"
    return parts._replace(netloc=netloc).geturl()
