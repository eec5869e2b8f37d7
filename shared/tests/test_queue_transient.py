"""A Redis outage surfaces in many shapes; the resilient worker must take each for an outage
and wait, not exit (a notifier that exits on one of them stops delivering until restarted)."""

import pytest
from arq import func
from arq.worker import Worker
from redis import exceptions as redis_errors

from rectify_shared import queue


def watch_error_during_outage() -> redis_errors.WatchError:
    """What redis-py raises when the connection drops inside a WATCH (arq's start_jobs)."""
    try:
        try:
            raise redis_errors.ConnectionError("Error 111 connecting to 127.0.0.1:6390")
        except redis_errors.ConnectionError:
            raise redis_errors.WatchError("A ConnectionError occurred on while watching one or more keys")  # noqa: B904
    except redis_errors.WatchError as exc:
        return exc


def test_a_watch_error_caused_by_a_lost_connection_is_an_outage():
    assert queue.is_transient(watch_error_during_outage())
    assert queue.is_transient(redis_errors.ConnectionError("refused"))
    assert not queue.is_transient(redis_errors.WatchError("another client changed the key"))
    assert not queue.is_transient(ValueError("a bug"))


async def test_the_worker_waits_out_a_watch_error_of_an_outage_and_raises_a_bug(monkeypatch):
    async def job(ctx: dict[str, object]) -> None:
        pass

    worker = queue.ResilientWorker(
        functions=[func(job, name="job")],
        handle_signals=False,
        **queue.worker_options("redis://127.0.0.1:1/0", "p", "q"),
    )
    raised: list[BaseException] = [watch_error_during_outage()]

    async def poll(self: Worker) -> None:
        raise raised[0]

    monkeypatch.setattr(Worker, "_poll_iteration", poll)
    await worker._poll_iteration()  # waited, did not raise
    assert worker.redis_failures == 1
    raised[0] = ValueError("a bug")
    with pytest.raises(ValueError):
        await worker._poll_iteration()
