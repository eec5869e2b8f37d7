"""Commands run as the operator at the console: a session with the system principal (`cli`)."""

from typing import Any

from rectify_shared.db import engine_for, make_sessionmaker
from rectify_shared.settings import Settings


async def as_system(settings: Settings, fn: Any) -> Any:
    """Run fn(session, principal) as the operator at the console (audited as `cli`), then commit."""
    from ..auth.principal import system_principal

    engine = engine_for(settings, pool_size=2)
    try:
        from ..audit.keys import session_info

        async with make_sessionmaker(engine, info=session_info(settings))() as session:
            result = await fn(session, system_principal("cli"))
            await session.commit()
            return result
    finally:
        await engine.dispose()
