"""Every queue job, under the two faults a queue delivers: the same job twice, and the worker
dying in the middle of it.

The jobs are enumerated from the workers themselves (`build_worker` of the notifier and the
report-worker), so a job added later fails `test_every_registered_job_has_a_fault_scenario`
until it gets an entry in `job_scenarios.SCENARIOS` (its work and its invariant).

A kill is injected at the n-th SQL statement of a run (the run stops there, its transaction is
lost with its connection, as when the process dies); the dead run's lease is ended (the clock
moved), the job runs again — killed later each time — until one run reaches its end. Then the
job's invariant must hold, and a duplicate delivery must change nothing: no table gains or loses
a row, no queue gains a job. `make test` kills at a few points per job; the long version (marker `faults`, `make
test-faults`) kills at every one of the first 40 statements, then at every quarter more.
"""

import inspect
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from .job_scenarios import SCENARIOS, FakeChannel, census, job_key


def kill_points(long: bool) -> Iterator[int]:
    """The statement at which each successive run dies."""
    if not long:
        yield from (1, 3, 9, 27, 81, 243)
        return
    point = 1
    while point < 100_000:
        yield point
        point = point + 1 if point < 40 else int(point * 1.25)


class Killed(BaseException):
    """The worker process died here (not an Exception: no handler in the job may catch it)."""


async def registered_jobs(settings: Any) -> dict[str, Any]:
    """job name (without the queue prefix) -> coroutine, over every worker the product runs."""
    from notifier.__main__ import build_worker as notifier_worker
    from report_worker.worker import build_worker as report_worker

    jobs: dict[str, Any] = {}
    for build in (notifier_worker, report_worker):
        for cfg in (settings.model_copy(update={"run_periodic": p}) for p in (False, True)):
            worker = build(cfg)
            for name, function in worker.functions.items():
                jobs[job_key(name, settings.queue_prefix)] = function.coroutine
    return jobs


async def test_every_registered_job_has_a_fault_scenario(settings):
    jobs = await registered_jobs(settings)
    assert len(jobs) >= 10
    missing, stale = set(jobs) - set(SCENARIOS), set(SCENARIOS) - set(jobs)
    assert not missing, f"jobs without a fault scenario (add them to tests/faults/job_scenarios.py): {missing}"
    assert not stale, f"scenarios of jobs no worker registers any more: {stale}"


async def run_job(base: dict[str, Any], function: Any, payload: Any, kill_at: int | None) -> bool:
    """One run on its own engine (a worker process of its own); False if it was killed."""
    from rectify_shared.db import engine_for, make_sessionmaker

    engine = engine_for(base["settings"])
    ctx = {
        **base,
        "engine": engine,
        "write_sessions": make_sessionmaker(engine, write=True),
        "read_sessions": make_sessionmaker(engine, write=False),
    }
    statements = 0

    def die(*args: Any) -> None:
        nonlocal statements
        statements += 1
        if statements == kill_at:
            raise Killed(f"killed at statement {kill_at}")

    event.listen(engine.sync_engine, "before_cursor_execute", die)
    try:
        positional = [p for p in inspect.signature(function).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]  # fmt: skip
        takes_payload = len(positional) > 1  # a keyword-only option (a cron's `today=`) is no payload
        await (function(ctx, payload) if takes_payload else function(ctx))
        return True
    except Killed:
        return False
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", die)
        await engine.dispose()


async def queue_census(base: dict[str, Any]) -> dict[str, int]:
    from rectify_shared.jobs import NOTIFIER_QUEUE, REPORT_WORKER_QUEUE, queue_name

    prefix = base["settings"].queue_prefix
    return {q: int(await base["redis"].zcard(queue_name(prefix, q))) for q in (NOTIFIER_QUEUE, REPORT_WORKER_QUEUE)}


MODES = [pytest.param(False, id="short"), pytest.param(True, id="long", marks=pytest.mark.faults)]


@pytest.mark.parametrize("long", MODES)
@pytest.mark.parametrize("job", sorted(SCENARIOS))
async def test_a_job_killed_mid_run_and_delivered_twice_has_one_effect(job, long, settings, helpers, tmp_path):
    from issues_api.main import create_app
    from rectify_shared import queue

    scenario = SCENARIOS[job]
    cfg = settings.model_copy(update={"rate_limit": ""})
    function = (await registered_jobs(cfg))[job]
    app = create_app(cfg, run_relay=False)
    async with app.router.lifespan_context(app):
        await helpers.load_demo_into(app)
        api = await helpers.login(app, "admin", helpers.ADMIN_PASSWORD)
        redis = await queue.connect(cfg.redis_url)
        try:
            r = await api.post(
                "/api/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["escalation.issued"]}
            )
            assert r.status_code == 201, r.text
            state = app.state.rectify
            base = {
                "settings": cfg,
                "redis": redis,
                "channels": {c: FakeChannel(c) for c in ("email", "sms", "webhook")},
                "write_sessions": state.write_sessions,
                "read_sessions": state.read_sessions,
            }
            payload = await scenario.prepare(base, api)

            kills = 0
            for point in kill_points(long):
                if await run_job(base, function, payload, kill_at=point):
                    break
                kills += 1
                if scenario.recover is not None:
                    await scenario.recover(base)
            else:
                pytest.fail(f"{job} was still running after {kills} kills")
            if scenario.sql_on_sqlite or not cfg.database_url.startswith("sqlite"):
                assert kills >= 1, f"{job} ran no SQL at all: the kill was never injected"
            await scenario.check(base, payload)

            before = {**await census(base), **await queue_census(base)}
            assert await run_job(base, function, payload, kill_at=None)
            after = {**await census(base), **await queue_census(base)}
            changed = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            assert not changed, f"a duplicate {job} had a second effect (rows, queued jobs): {changed}"
            await scenario.check(base, payload)
        finally:
            await api.aclose()
            await redis.aclose()
