"""structlog configuration: readable lines in development, JSON in production — one stream.

Standard-library loggers (uvicorn's start-up, access and shutdown lines, arq's job lines, alembic)
go through the same processors and renderer as structlog's own (`ProcessorFormatter`), so with
RECTIFY_LOG_JSON=true every line on stderr is one JSON object. A line written while a request or a
job runs carries its `request_id` (asgi-correlation-id's, the `X-Request-ID` header) or `job_id`.
"""

import logging
import sys
import warnings
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

import structlog

#: the arq job being run by this task (set by the worker around each job)
current_job_id: ContextVar[str | None] = ContextVar("rectify_job_id", default=None)

#: loggers that configure handlers of their own; here they only propagate to the root's one handler
_FOREIGN = ("uvicorn", "uvicorn.error", "uvicorn.access", "arq", "arq.worker", "arq.jobs", "arq.connections")


#: periodic jobs that run every few seconds to keep things healthy: their arq start/finish lines are
#: debug-level chatter (an idle `make run` printed ~42 lines a minute of them); failures still show
QUIET_JOBS = ("watch_redis", "sweep_deliveries", "sweep_scans", "reconcile_events", "sweep_reports")


class _QuietPeriodic(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or not record.name.startswith("arq"):
            return True
        text = record.getMessage()
        routine = "recording health" in text or any(f":{job}" in text for job in QUIET_JOBS)
        return not routine or logging.getLogger().getEffectiveLevel() <= logging.DEBUG


def _ids(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    try:
        from asgi_correlation_id import correlation_id
    except ImportError:  # a worker image without the API's packages
        request_id = None
    else:
        request_id = correlation_id.get()
    if request_id and "request_id" not in event:
        event["request_id"] = request_id
    job_id = current_job_id.get()
    if job_id and "job_id" not in event:
        event["job_id"] = job_id
    return event


def configure_logging(level: str = "INFO", json_logs: bool = False) -> None:
    # SQLModel warns on every session.execute(); queries that select columns use it on purpose
    warnings.filterwarnings("ignore", message=r"(?s).*You probably want to use", category=DeprecationWarning)
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _ids,
    ]
    if json_logs:
        # an exception becomes a structured traceback (without it JSON logs printed only
        # `"exc_info": true`); frames' local variables stay out of the log in both formats
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False, use_rich=False)
        shared.append(structlog.processors.ExceptionRenderer(transformer))
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json_logs
        # plain tracebacks: rich ones with local variables took tens of seconds per error under
        # load (and print whatever a frame held — tokens, personal data — into the log)
        else structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)
    )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_QuietPeriodic())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in _FOREIGN:
        foreign = logging.getLogger(name)
        foreign.handlers = []
        foreign.propagate = True
        # another configuration in the process (a dictConfig, an embedded server's) may have left it
        # disabled or at its own level: ours decides
        foreign.disabled = False
        foreign.setLevel(logging.NOTSET)
    # alembic announces each of its plugins at info level on every migration
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
