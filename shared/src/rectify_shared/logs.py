"""structlog configuration: readable lines in development, JSON in production."""

import logging
import sys
import warnings

import structlog


def configure_logging(level: str = "INFO", json_logs: bool = False) -> None:
    # SQLModel warns on every session.execute(); queries that select columns use it on purpose
    warnings.filterwarnings("ignore", message=r"(?s).*You probably want to use", category=DeprecationWarning)
    processors: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_logs
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
