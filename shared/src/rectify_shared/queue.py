"""The only module that knows arq: JSON-serialising Redis pools and enqueueing.

arq is maintenance-only upstream; keeping it behind this module keeps a swap cheap.
"""

import asyncio
import json
import signal
import time
from collections.abc import Sequence
from typing import Any

import structlog
from arq import create_pool, func
from arq.connections import ArqRedis, RedisSettings
from arq.cron import CronJob
from arq.worker import Function, Worker
from redis import exceptions as redis_errors
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from .fs_errors import StateLog, storage_fault
from .heartbeat import Beat
from .jobs import queue_name
from .logs import current_job_id
from .redis_url import is_sentinel, parse_sentinel_url

log = structlog.get_logger("rectify.queue")

#: what a Redis restart or a network blip looks like from here: worth trying again
TRANSIENT: tuple[type[BaseException], ...] = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.BusyLoadingError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)
#: attempts (connect: ~35 s in all; enqueue: ~1.5 s, then the caller's own sweep takes over)
CONNECT_ATTEMPTS = 20
ENQUEUE_ATTEMPTS = 4
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 2.0


def is_transient(exc: BaseException) -> bool:
    """A Redis outage, however it surfaces: redis-py turns a connection error inside a WATCH
    (arq's `start_jobs`) into a `WatchError` whose context is the connection error."""
    if storage_fault(exc) is not None:  # a read-only or full disk is not a Redis outage
        return False
    if isinstance(exc, TRANSIENT):
        return True
    return isinstance(exc, redis_errors.WatchError) and isinstance(exc.__context__, TRANSIENT)


def capped_backoff(failures: int, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """base, 2·base, 4·base, … never more than `cap` (seconds) after the `failures`-th failure (from 1)."""
    return float(min(cap, base * 2 ** min(max(failures - 1, 0), 30)))


def redis_settings(url: str) -> RedisSettings:
    """From `redis://`, `unix://` or `redis+sentinel://` (arq asks the sentinels for the master)."""
    if is_sentinel(url):
        target = parse_sentinel_url(url)
        settings = RedisSettings(
            host=target.sentinels,
            database=target.db,
            password=target.password,
            sentinel=True,
            sentinel_master=target.master,
        )
    else:
        settings = RedisSettings.from_dsn(url)
    # Survive a Redis restart instead of exiting: arq retries connecting for ~30 s at start-up…
    settings.conn_retries = 30
    settings.conn_retry_delay = 1
    # …and every command retries a dropped connection or a timeout a few times (~0.4 s) itself
    settings.retry_on_timeout = True
    settings.retry_on_error = [redis_errors.ConnectionError, redis_errors.TimeoutError]
    settings.retry = Retry(ExponentialBackoff(cap=0.25, base=0.05), 3)
    return settings


def serialize(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def deserialize(data: bytes) -> Any:
    return json.loads(data)


async def connect(url: str, retries: int | None = None) -> ArqRedis:
    """A pool for enqueueing; a refused or dropped connection is tried again with capped
    exponential backoff (`retries` more times, default ~35 s in all). `retries=0` fails fast
    when Redis is down (callers that keep the work in the database and try again later want that)."""
    settings = redis_settings(url)
    attempts = 1 + (CONNECT_ATTEMPTS if retries is None else retries)
    settings.conn_retries = 0
    for attempt in range(1, attempts + 1):
        try:
            return await create_pool(settings, job_serializer=serialize, job_deserializer=deserialize)
        except TRANSIENT as exc:
            if attempt >= attempts:
                raise
            delay = capped_backoff(attempt)
            log.warning("redis_connect_retry", error=f"{type(exc).__name__}: {exc}", attempt=attempt, delay=delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


async def enqueue(
    redis: ArqRedis,
    prefix: str,
    queue: str,
    job: str,
    payload: dict[str, Any],
    job_id: str,
    *,
    attempts: int = ENQUEUE_ATTEMPTS,
) -> bool:
    """Enqueue once per `job_id`: arq refuses a second job with an id it still knows.

    arq keeps job keys (`arq:job:<id>`) outside the queue's namespace, so the id is prefixed
    too: deployments (or test runs) sharing one Redis never mistake each other's jobs for theirs.
    Returns False when arq already had the job (a duplicate, which is fine). A transient
    connection error is tried again (capped backoff) — safe, because the job id makes a repeat
    a no-op — and raised after `attempts` tries: the caller's database still knows the work.
    """
    for attempt in range(1, attempts + 1):
        try:
            result = await redis.enqueue_job(
                job, payload, _job_id=f"{prefix}:{job_id}", _queue_name=queue_name(prefix, queue)
            )
            return result is not None
        except TRANSIENT as exc:
            if attempt >= attempts:
                raise
            delay = capped_backoff(attempt)
            log.warning("redis_enqueue_retry", job_id=job_id, error=f"{type(exc).__name__}: {exc}", delay=delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


class _JobTasks(dict[str, "asyncio.Task[Any]"]):
    """arq's `Worker.job_tasks` (job id → the task running the job's function), noting each job
    whose function has ended: arq deletes the entry right then, before it records the end in Redis."""

    def __init__(self) -> None:
        super().__init__()
        self.ended: set[str] = set()

    def __delitem__(self, job_id: str) -> None:
        super().__delitem__(job_id)
        self.ended.add(job_id)


class ResilientWorker(Worker):
    """An arq worker that outlives a Redis outage.

    arq's worker loop lets a failed Redis command end `main()`, and the process exits. Here a
    failed poll is logged and the loop waits (capped backoff) and polls again; jobs whose
    results could not be written re-run later (every job is idempotent), and the database
    sweepers re-enqueue whatever Redis lost.

    Stopping (a signal, or `close()`) cancels the jobs still running, as arq does, but not a job
    whose function has ended and that is only recording its end in Redis (`finish_job`): arq
    cancels that one too, the `CancelledError` ends `close()` before it closes the pool or runs
    `on_shutdown`, and the unrecorded job stays queued to run a second time. Recording takes a
    round trip, or a reconnect and a backoff just after an outage; `close()` waits for it
    (`finish_grace_s` at most) and never raises a job's cancellation.
    """

    redis_failures = 0
    #: filesystem faults met by the poll loop: logged once per change of state, not per poll
    storage_log: StateLog | None = None
    #: how long `close()` waits for jobs that are recording their end (Redis retries take ~5 s at most)
    finish_grace_s = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job_tasks: _JobTasks = _JobTasks()

    def finishing(self, job_id: str) -> bool:
        """Whether the job's function has ended and arq is recording that in Redis."""
        return job_id in self.job_tasks.ended

    def handle_sig(self, signum: signal.Signals) -> None:
        """arq's handler, except that a job recording its end is left to finish (see the class)."""
        running = [t for job_id, t in self.tasks.items() if not t.done() and not self.finishing(job_id)]
        log.info(
            "worker_stopping",
            signal=signal.Signals(signum).name,
            cancelled=len(running),
            finishing=sum(not t.done() for t in self.tasks.values()) - len(running),
        )
        for task in running:
            task.cancel()
        if self.main_task is not None:
            self.main_task.cancel()
        if self.on_stop is not None:
            self.on_stop(signal.Signals(signum))

    async def close(self) -> None:
        """arq's `close()`, waiting for jobs that record their end, raising no job's outcome, and
        closing the pool even when Redis is away."""
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        if not self._pool:
            return
        tasks = list(self.tasks.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.finish_grace_s)
            for task in late:  # Redis hung: the job runs again later (jobs are idempotent)
                task.cancel()
            for task, outcome in zip(tasks, await asyncio.gather(*tasks, return_exceptions=True), strict=True):
                if isinstance(outcome, Exception):
                    log.warning(
                        "job_failed_at_shutdown", task=task.get_name(), error=f"{type(outcome).__name__}: {outcome}"
                    )
        try:
            await self.pool.delete(self.health_check_key)
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("worker_health_key_not_removed", error=f"{type(exc).__name__}: {exc}")
        if self.on_shutdown:
            await self.on_shutdown(self.ctx)
        await self.pool.aclose(close_connection_pool=True)
        self._pool = None

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except Exception as exc:
            fault = storage_fault(exc)
            if fault is not None:
                if self.storage_log is None:
                    self.storage_log = StateLog(type(self).__name__)
                self.storage_log.failed(fault)
                await asyncio.sleep(capped_backoff(self.storage_log.failures, base=1.0, cap=60.0))
                return
            if not is_transient(exc):
                raise
            self.redis_failures += 1
            delay = capped_backoff(self.redis_failures, cap=5.0)
            log.warning("worker_redis_unavailable", error=f"{type(exc).__name__}: {exc}", retry_in=delay)
            await asyncio.sleep(delay)
        else:
            if self.redis_failures:
                log.info("worker_redis_back", after_failures=self.redis_failures)
                self.redis_failures = 0

    async def run_job(self, job_id: str, score: int) -> None:
        """Every log line written while the job runs carries its `job_id` (rectify_shared.logs).

        A job whose start or finish met a Redis outage ends here, logged, instead of raising:
        arq re-raises a failed job task in a later poll, one task a poll, so each job that was
        in flight when Redis vanished would be taken for a fresh outage after Redis is back (a
        backoff of up to 5 s each, no heartbeat, no cron run): the drain after an outage would
        wait on how many jobs were running when it began. Nothing is lost: the job's effect is
        in the database, and arq or the database sweepers run it again if it is still owed."""
        token = current_job_id.set(job_id)
        try:
            await super().run_job(job_id, score)
        except Exception as exc:
            if not is_transient(exc):
                raise
            log.warning("job_redis_unavailable", job_id=job_id, error=f"{type(exc).__name__}: {exc}")
        finally:
            self.job_tasks.ended.discard(job_id)
            current_job_id.reset(token)

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        """One id at a time, so that a Redis error between arq taking a job slot and starting
        the job gives the slot back (arq's own loop would leak it)."""
        for job_id in job_ids:
            counter = self.job_counter
            try:
                await super().start_jobs([job_id])
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if self.job_counter > counter and job_id.decode() not in self.tasks:
                    self.job_counter -= 1
                    self.sem.release()
                raise


def worker_options(url: str, prefix: str, queue: str) -> dict[str, Any]:
    """Settings every worker shares: its own queue, JSON, fast polling."""
    return {
        "redis_settings": redis_settings(url),
        "queue_name": queue_name(prefix, queue),
        "job_serializer": serialize,
        "job_deserializer": deserialize,
        "poll_delay": 0.1,
        "max_tries": 10,
        "job_timeout": 300,
        "keep_result": 3600,
        "health_check_interval": 10,
    }


class HeartbeatWorker(ResilientWorker):
    """A `ResilientWorker` that calls `beat()` after every successful poll of its queue
    (see `rectify_shared.heartbeat`): a worker that stops reading its queue stops beating,
    including while Redis is away."""

    def __init__(self, *args: Any, beat: Beat | None = None, metrics_port: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._beat = beat
        #: RECTIFY_METRICS_PORT: Prometheus metrics of this worker (rectify_shared.worker_metrics); 0 = off
        self.metrics_port = metrics_port
        self.metrics_server: Any = None
        self._beat_log = StateLog(beat.service if beat is not None else "worker")
        self._beat_retry_at = 0.0

    async def heart_beat(self) -> None:
        await super().heart_beat()
        if self._beat is None or time.monotonic() < self._beat_retry_at:
            return
        try:
            self._beat()
        except OSError as exc:
            fault = storage_fault(exc, self._beat.directory)
            if fault is None:
                raise
            # the worker goes on taking jobs; the missing heartbeat makes its probe fail, which is true
            self._beat_log.failed(fault, service=self._beat.service)
            self._beat_retry_at = time.monotonic() + capped_backoff(self._beat_log.failures, base=1.0, cap=60.0)
        else:
            self._beat_log.ok()

    async def main(self) -> None:
        if self.metrics_port and self._beat is not None and self.metrics_server is None:
            from . import worker_metrics

            self.metrics_server = worker_metrics.serve(
                self.metrics_port, self, self._beat.service, self._beat.directory
            )
            log.info("worker_metrics_serving", port=self.metrics_port, service=self._beat.service)
        try:
            await super().main()
        finally:
            if self.metrics_server is not None:
                self.metrics_server.shutdown()
                self.metrics_server.server_close()
                self.metrics_server = None


def periodic(cron_jobs: Sequence[CronJob], run_periodic: bool) -> tuple[list[Function], list[CronJob]]:
    """(extra functions, cron jobs) for a worker.

    Only the scheduler (RECTIFY_RUN_PERIODIC=1) schedules the periodic jobs; arq puts each tick
    on the queue, where any worker may pick it up, so the others still register the same
    functions under the same names — they run a tick, they never schedule one.
    """
    if run_periodic:
        return [], list(cron_jobs)
    functions = [
        func(
            cj.coroutine,
            name=cj.name,
            timeout=cj.timeout_s,
            keep_result=cj.keep_result_s,
            keep_result_forever=cj.keep_result_forever,
            max_tries=cj.max_tries,
        )
        for cj in cron_jobs
    ]
    return functions, []
