"""Redis addresses: a plain `redis://` / `unix://` URL, or Redis Sentinel.

With Sentinel the processes ask the sentinels for the current master and follow a failover.
One URL carries it through every component (arq pools, the workers, the rate limiter):

    redis+sentinel://[:password@]host:port,host:port/<master name>/<db>

`REDIS_SENTINELS=host:port,host:port` and `REDIS_SENTINEL_MASTER` build it; the password and
the db number of the master come from `REDIS_URL` (its host is then not used).
"""

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlparse

SENTINEL_SCHEME = "redis+sentinel"


@dataclass(frozen=True)
class SentinelTarget:
    sentinels: list[tuple[str, int]]
    master: str
    db: int
    password: str | None


def parse_hosts(hosts: str, what: str = "REDIS_SENTINELS") -> list[tuple[str, int]]:
    """`a:26379,b:26379` → [("a", 26379), ("b", 26379)]; a clear error names the bad entry."""
    result: list[tuple[str, int]] = []
    for entry in hosts.split(","):
        entry = entry.strip()
        if not entry:
            continue
        name, colon, port = entry.rpartition(":")
        if not colon or not name or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{what}: expected host:port, got {entry!r}")
        result.append((name.strip("[]"), int(port)))
    if not result:
        raise ValueError(f"{what}: no host:port given")
    return result


def sentinel_url(sentinels: str, master: str, redis_url: str) -> str:
    """The `redis+sentinel://` URL for these sentinels, keeping REDIS_URL's password and db."""
    hosts = parse_hosts(sentinels)
    if not master or "/" in master:
        raise ValueError(f"REDIS_SENTINEL_MASTER: expected a master name, got {master!r}")
    base = urlparse(redis_url)
    db = 0
    if base.scheme in ("redis", "rediss") and base.path.strip("/"):
        db = int(base.path.strip("/"))
    auth = f":{quote(unquote(base.password), safe='')}@" if base.password else ""
    netloc = ",".join(f"{h}:{p}" for h, p in hosts)
    return f"{SENTINEL_SCHEME}://{auth}{netloc}/{master}/{db}"


def is_sentinel(url: str) -> bool:
    return url.startswith(SENTINEL_SCHEME + "://")


def parse_sentinel_url(url: str) -> SentinelTarget:
    if not is_sentinel(url):
        raise ValueError(f"not a {SENTINEL_SCHEME}:// URL")
    rest = url.split("://", 1)[1]
    netloc, _, path = rest.partition("/")
    auth, at, hosts = netloc.rpartition("@")
    password = unquote(auth.partition(":")[2]) if at and auth else None
    parts = [p for p in path.split("/") if p]
    if not parts:
        raise ValueError("redis+sentinel:// URL without a master name")
    db = int(parts[1]) if len(parts) > 1 else 0
    return SentinelTarget(parse_hosts(hosts), parts[0], db, password or None)
