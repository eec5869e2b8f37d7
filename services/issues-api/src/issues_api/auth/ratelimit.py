"""Per-client request limits shared by every replica (Redis, via `limits`).

Fails open: when Redis is unreachable the request goes through — a queue outage must never
lock people out. Login throttling does not rely on this: it counts failures in the database.
"""

import asyncio
import time

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import RedisSentinelStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from rectify_shared.redis_url import is_sentinel, parse_sentinel_url

log = structlog.get_logger(__name__)

_RETRY_AFTER_OUTAGE = 30.0  # seconds to skip Redis after it failed, so requests stay fast


class RateLimiter:
    def __init__(self, redis_url: str, limit: str, prefix: str) -> None:
        self.item: RateLimitItem = parse(limit)
        self._storage: RedisStorage
        if is_sentinel(redis_url):
            target = parse_sentinel_url(redis_url)
            hosts = ",".join(f"{h}:{p}" for h, p in target.sentinels)
            options: dict[str, float | str | bool] = {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}
            if target.password:  # the master's password; the sentinels themselves without AUTH
                options["password"] = target.password
            self._storage = RedisSentinelStorage(
                f"async+redis+sentinel://{hosts}/{target.master}",
                implementation="redispy",
                key_prefix=f"{prefix}:ratelimit",
                sentinel_kwargs={"socket_timeout": 0.3},
                db=target.db,
                **options,  # type: ignore[arg-type]  # connection options for redis-py
            )
        else:
            uri = (
                "async+" + redis_url.replace("unix://", "redis+unix://", 1)
                if redis_url.startswith("unix://")
                else ("async+" + redis_url)
            )
            self._storage = RedisStorage(
                uri,
                implementation="redispy",
                key_prefix=f"{prefix}:ratelimit",
                socket_timeout=0.3,
                socket_connect_timeout=0.3,
            )
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._down_until = 0.0

    async def hit(self, client: str) -> bool:
        """True if the client may go on (also when the limit cannot be checked)."""
        if time.monotonic() < self._down_until:
            return True
        try:
            return await asyncio.wait_for(self._limiter.hit(self.item, client), 0.5)
        except Exception as exc:  # fail open
            self._down_until = time.monotonic() + _RETRY_AFTER_OUTAGE
            log.warning("rate_limit_unavailable", error=str(exc))
            return True

    @property
    def retry_after_seconds(self) -> int:
        return int(self.item.get_expiry())
