"""Request dependencies (`Annotated`, as in tiangolo's template).

The request boundary commits: a router calls `await session.commit()` once the service
work is done; anything that raises before that leaves nothing half-written.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.settings import Settings

if TYPE_CHECKING:
    from rectify_shared.storage import Storage

    from ..auth.ratelimit import RateLimiter


@dataclass
class AppState:
    settings: Settings
    engine: AsyncEngine
    write_sessions: async_sessionmaker[AsyncSession]
    read_sessions: async_sessionmaker[AsyncSession]
    head_revision: str
    jwt_secret: str
    rate_limiter: "RateLimiter | None"
    #: evidence files (local disk or S3)
    storage: "Storage | None" = None
    #: objections filed on the public notice pages, per client address
    public_limiter: "RateLimiter | None" = None
    #: the public form's proof-of-work challenges already used (one use each; public/pow.py)
    pow_seen: "RateLimiter | None" = None


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.rectify
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    state = get_state(request)
    factory = state.read_sessions if request.method in ("GET", "HEAD") else state.write_sessions
    async with factory() as session:
        yield session
        # Whatever the router did not commit is rolled back when the session closes.


SessionDep = Annotated[AsyncSession, Depends(get_session)]
