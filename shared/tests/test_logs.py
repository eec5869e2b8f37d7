"""Console logging of an exception: a readable traceback, without the frames' local variables."""

import io
import sys

import pytest
import structlog

from rectify_shared.logs import configure_logging


def _fail(token: str) -> None:
    password_in_frame = f"{token}-local-value"  # noqa: F841 - a local the log must not print
    raise ValueError("boom from the ledger")


@pytest.mark.parametrize("json_logs", [False, True])
def test_exception_logs_traceback_without_locals(monkeypatch: pytest.MonkeyPatch, json_logs: bool) -> None:
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    configure_logging("INFO", json_logs=json_logs)
    try:
        try:
            _fail("s3cr3t")
        except ValueError:
            structlog.get_logger("test").exception("unhandled_error")
    finally:
        structlog.reset_defaults()
    out = err.getvalue()
    assert "unhandled_error" in out
    assert "boom from the ledger" in out and "_fail" in out  # the traceback is there
    assert "s3cr3t-local-value" not in out  # its locals are not
