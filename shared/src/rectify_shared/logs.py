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
    if json_logs:
        # an exception becomes a structured traceback (without it JSON logs printed only
        # `"exc_info": true`); frames' local variables stay out of the log in both formats
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False, use_rich=False)
        processors.append(structlog.processors.ExceptionRenderer(transformer))
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_logs
        # plain tracebacks: rich ones with local variables took tens of seconds per error under
        # load (and print whatever a frame held — tokens, personal data — into the log)
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[*processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
