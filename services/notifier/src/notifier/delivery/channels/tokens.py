"""Access tokens of 企业微信 and 钉钉 apps, shared by every notifier process through Redis.

Both providers hand out a token valid for `expires_in` seconds (7200) and limit how often it may
be fetched, so the token lives in Redis under `<prefix>:imtoken:<provider>:<app>` with a TTL that
ends early (a tenth of its life, at most 5 minutes, before the provider's expiry): it is fetched
again before it lapses. One refresh at a time across processes: a fetcher holds the Redis lock
`…:lock` (SET NX PX, released only by its holder); the others wait for the token to appear.
Each process also keeps the token in memory until the same early expiry.

A token the provider calls invalid or expired (42001, 40014, …) is dropped with `invalidate`,
which removes it from Redis only if it is still that token (another process may have replaced it).
Without Redis (an outage) a process fetches for itself, one refresh at a time within it.
"""

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from redis.exceptions import RedisError

log = structlog.get_logger("notifier.tokens")

#: fetch() -> (token, expires_in seconds)
Fetch = Callable[[], Awaitable[tuple[str, int]]]
LOCK_SECONDS = 15.0
WAIT_STEP = 0.05
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
_INVALIDATE = _RELEASE  # the same compare-and-delete, on the token's key


def early_ttl(expires_in: int) -> float:
    """How long a token is used: its life less a tenth of it (at most 300 s), at least 1 s."""
    return max(expires_in - min(300.0, expires_in / 10), 1.0)


class TokenCache:
    def __init__(self, redis: Any, key: str, fetch: Fetch, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.redis, self.key, self.fetch, self.clock = redis, key, fetch, clock
        self.lock_key = f"{key}:lock"
        self._local: tuple[str, float] | None = None  # (token, monotonic deadline)
        self._mutex = asyncio.Lock()
        #: fetches this cache made (the tests count them)
        self.fetches = 0

    async def get(self) -> str:
        if self._local is not None and self.clock() < self._local[1]:
            return self._local[0]
        async with self._mutex:  # one refresh at a time within the process
            if self._local is not None and self.clock() < self._local[1]:
                return self._local[0]
            if self.redis is None:
                return await self._fetch_local()
            try:
                return await self._get_shared()
            except RedisError as exc:
                log.warning("token_cache_without_redis", key=self.key, error=str(exc))
                return await self._fetch_local()

    async def invalidate(self, token: str) -> None:
        if self._local is not None and self._local[0] == token:
            self._local = None
        if self.redis is not None:
            try:
                await self.redis.eval(_INVALIDATE, 1, self.key, json.dumps({"token": token}))
            except RedisError:
                pass
            else:
                return

    def _remember(self, token: str, ttl: float) -> str:
        self._local = (token, self.clock() + ttl)
        return token

    async def _fetch_local(self) -> str:
        token, expires_in = await self._fetch()
        return self._remember(token, early_ttl(expires_in))

    async def _fetch(self) -> tuple[str, int]:
        self.fetches += 1
        return await self.fetch()

    async def _cached(self) -> str | None:
        raw = await self.redis.get(self.key)
        if raw is None:
            return None
        ttl_ms = await self.redis.pttl(self.key)
        token = str(json.loads(raw)["token"])
        return self._remember(token, max(ttl_ms, 0) / 1000) if ttl_ms > 0 else None

    async def _get_shared(self) -> str:
        deadline = self.clock() + LOCK_SECONDS * 2
        while True:
            if (token := await self._cached()) is not None:
                return token
            holder = secrets.token_hex(8)
            if await self.redis.set(self.lock_key, holder, nx=True, px=int(LOCK_SECONDS * 1000)):
                try:
                    if (token := await self._cached()) is not None:  # stored while we took the lock
                        return token
                    token, expires_in = await self._fetch()
                    ttl = early_ttl(expires_in)
                    value = json.dumps({"token": token})  # the same text `invalidate` compares
                    await self.redis.set(self.key, value, px=int(ttl * 1000))
                    return self._remember(token, ttl)
                finally:
                    await self.redis.eval(_RELEASE, 1, self.lock_key, holder)
            if self.clock() > deadline:
                raise TimeoutError(f"no access token in Redis under {self.key} and its lock stays taken")
            await asyncio.sleep(WAIT_STEP)
