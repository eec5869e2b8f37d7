"""With RECTIFY_LOG_JSON=true every line is JSON — uvicorn's and arq's included — and a line written
inside a request or a job carries its request_id / job_id; routine periodic jobs stay out of an idle log."""

import json
import logging

import pytest
import structlog
from asgi_correlation_id import correlation_id

from rectify_shared.logs import configure_logging, current_job_id


@pytest.fixture(autouse=True)
def _restore_logging():
    yield
    configure_logging("INFO", False)


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_uvicorn_arq_and_our_lines_are_one_json_stream_with_ids(capsys):
    configure_logging("INFO", True)
    token = correlation_id.set("req-123")
    try:
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/readyz", "1.1", 200)
        structlog.get_logger("x").info("issue_updated", issue_id=7)
    finally:
        correlation_id.reset(token)
    job = current_job_id.set("notifier:event:42")
    try:
        logging.getLogger("arq.worker").info("  0.01s → notifier:event:42 handle_event()")
    finally:
        current_job_id.reset(job)
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    access, ours, arq_line, startup = _lines(capsys)  # every line parsed as JSON
    assert access["request_id"] == "req-123" and "GET" in access["event"] and access["logger"] == "uvicorn.access"
    assert ours["request_id"] == "req-123" and ours["event"] == "issue_updated"
    assert arq_line["job_id"] == "notifier:event:42"
    assert startup["event"] == "Application startup complete." and "request_id" not in startup


def test_routine_periodic_jobs_are_debug_chatter(capsys):
    configure_logging("INFO", True)
    arq_log = logging.getLogger("arq.worker")
    arq_log.info("  0.00s → cron:rectify:watch_redis()")
    arq_log.info("recording health: j_complete=3")
    arq_log.info("  0.20s → rectify:daily_scan()")  # real work still shows
    arq_log.error("  0.00s ! cron:rectify:watch_redis() failed")
    events = [e["event"] for e in _lines(capsys)]
    assert events == ["  0.20s → rectify:daily_scan()", "  0.00s ! cron:rectify:watch_redis() failed"]
    configure_logging("DEBUG", True)
    arq_log.info("  0.00s → cron:rectify:watch_redis()")
    assert len(_lines(capsys)) == 1
