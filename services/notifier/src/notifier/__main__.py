"""`python -m notifier`: run the notifier worker on its own queue."""

from typing import Any

from arq.worker import Worker

from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.jobs import HANDLE_EVENT, NOTIFIER_QUEUE
from rectify_shared.logs import configure_logging
from rectify_shared.queue import worker_options
from rectify_shared.settings import Settings, load_settings

from .events import handle_event


def build_worker(settings: Settings) -> Worker:
    async def on_startup(ctx: dict[str, Any]) -> None:
        engine = make_engine(settings.effective_database_url, pool_size=settings.db_pool_size)
        ctx["engine"] = engine
        ctx["write_sessions"] = make_sessionmaker(engine, write=True)
        ctx["read_sessions"] = make_sessionmaker(engine, write=False)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await ctx["engine"].dispose()

    from arq import func

    return Worker(
        functions=[func(handle_event, name=HANDLE_EVENT)],
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        ctx={"settings": settings},
        handle_signals=True,
        **worker_options(settings.redis_url, settings.queue_prefix, NOTIFIER_QUEUE),
    )


def main() -> None:
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    build_worker(settings).run()


if __name__ == "__main__":
    main()
