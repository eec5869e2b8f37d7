"""Issue 22: on PostgreSQL `GET /me/todo` reads the org, the calendar's token, the reports owed,
the letters awaiting an answer, the pending closures and the letters to issue in one statement
(`todo.repository.sections`, tagged rows in a `UNION ALL`). Over random letters, dispatch rounds
and closures (ties in every sort key, undated rows, counts above the page) it gives exactly what
each section's own statement gives — the same rows, in the same order, with the same counts — and
a unit's to-do is three statements (the session's, the sections, the measures)."""

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy import event, select, text

from issues_api.auth.principal import Scope
from issues_api.core.fast_reads import route_json
from issues_api.todo import repository
from issues_api.todo.router import get_todo, router
from issues_api.todo.schemas import Todo
from rectify_shared.calendar_store import VERSION_TOKEN
from rectify_shared.db_fast import ReadConnection, fetch
from rectify_shared.models import Closure, DispatchObligation, DispatchRound, Escalation, Issue, Org

ROUTE = next(r for r in router.routes if isinstance(r, APIRoute) and r.endpoint is get_todo)
NOW = datetime(2024, 12, 16, 4, 0, tzinfo=UTC)
DAY = date(2024, 12, 16)


async def _seed(app: Any, rng: random.Random) -> list[Any]:
    """Random rows around a handful of orgs; the orgs (id, path) they are about."""
    async with app.state.rectify.write_sessions() as s:
        orgs = (await s.execute(select(Org.id, Org.path).order_by(Org.path))).all()
        issues = (await s.execute(select(Issue.id, Issue.round_id, Issue.lead_org_id).order_by(Issue.id))).all()
        paths = dict(orgs)
        some = rng.sample(orgs, 5)
        days = [DAY + timedelta(days=d) for d in (-9, -2, 0, 0, 3, 11)] + [None, None]
        for n in range(80):
            issue = rng.choice(issues)
            about = rng.choice(some)
            s.add(
                Escalation(
                    round_id=issue.round_id,
                    level=rng.choice(("warning", "notice", "supervision", "summons")),
                    rule="test",
                    dedupe_key=f"random:{n}",
                    issue_id=issue.id,
                    addressed_org_id=rng.choice(some).id,
                    org_path=about.path,
                    reason=rng.choice(("已超过完成时限", "逾期 'x' \"y\"")),
                    trigger={},
                    state=rng.choice(("proposed", "proposed", "issued", "issued", "resolved")),
                    as_of=DAY,
                    issued_on=rng.choice(days),
                    response_due=rng.choice(days),
                )
            )
        rounds = []
        for n in range(12):
            r = DispatchRound(
                round_id=issues[0].round_id,
                frequency=rng.choice(("weekly", "monthly")),
                period=f"2024-W{n + 10}",
                opens_at=NOW + timedelta(days=rng.choice((-30, -1, 2))),
                cutoff=NOW + timedelta(hours=rng.choice((-50, -1, 5, 5, 90))),
                org_id=orgs[0].id,
                org_path=orgs[0].path,
                created_by="test",
            )
            s.add(r)
            rounds.append(r)
        await s.flush()
        for r in rounds:
            for org in some:
                if rng.random() < 0.8:
                    reported = None if rng.random() < 0.7 else NOW - timedelta(days=1)
                    s.add(
                        DispatchObligation(
                            dispatch_round_id=r.id, org_id=org.id, org_path=org.path, reported_at=reported
                        )
                    )
        closed = set((await s.execute(select(Closure.issue_id).where(Closure.issue_id.is_not(None)))).scalars())
        free = [i for i in issues if i.id not in closed]
        for issue in rng.sample(free, min(40, len(free))):
            levels = [
                {"kind": "unit", "org_id": rng.choice(some).id, "org_name": "x"} for _ in range(rng.randint(0, 3))
            ]
            s.add(
                Closure(
                    issue_id=issue.id,
                    round_id=issue.round_id,
                    org_path=paths.get(issue.lead_org_id) or orgs[0].path,
                    applicant_org_id=rng.choice(some).id,
                    state=rng.choice(("applied", "under_review", "accepting", "accepting", "closed")),
                    statement="已完成",
                    levels=levels,
                    accepted_levels=rng.randint(0, len(levels)),
                    step_due=rng.choice(days),
                    applied_by="test",
                    applied_at=NOW - timedelta(hours=rng.randint(1, 99)),
                )
            )
        await s.commit()
    return [*some, orgs[0]]


async def _one_by_one(reads: Any, org_id: int, path: str, limit: int, to_issue: Scope | None) -> repository.Sections:
    """The sections as each one's own statement reads it (the code before one statement)."""
    token = await fetch(reads, VERSION_TOKEN)
    org = await repository.org(reads, org_id)
    return repository.Sections(
        org=(org.id, org.name, org.path) if org is not None else None,
        token=int(token[0][0]) if token else None,
        owed=[tuple(r) for r in await repository.owed(reads, org_id, NOW, limit)],
        letters=[tuple(r) for r in await repository.letters_awaiting_answer(reads, org_id, limit)],
        closures=[tuple(r) for r in await repository.pending_closures(reads, org_id, path)],
        to_issue=[tuple(r) for r in await repository.letters_to_issue(reads, to_issue, limit)] if to_issue else [],
    )


async def test_the_one_statement_reads_what_each_section_reads(app, demo_round):
    rng = random.Random(22)
    orgs = await _seed(app, rng)
    checked = 0
    async with app.state.rectify.read_sessions() as reads:
        for org in orgs:
            for limit in (1, 3, 50):
                for to_issue in (None, Scope(org.path), Scope(org.path, exact=True), Scope("/")):
                    got = await repository.sections(reads, org.id, org.path, NOW, limit, to_issue)
                    want = await _one_by_one(reads, org.id, org.path, limit, to_issue)
                    got.org = (got.org.id, got.org.name, got.org.path) if got.org else None
                    assert got == want, (org, limit, to_issue)
                    checked += len(got.owed) + len(got.letters) + len(got.closures) + len(got.to_issue)
        missing = await repository.sections(reads, 10**9, "/999999/", NOW, 10, None)
        assert missing.org is None and missing.token is not None
    assert checked > 300  # the random rows were read: not a comparison of empty sections


async def test_a_units_todo_is_three_statements_on_postgresql(app, signin, demo_round):
    unit = await signin("abgq")
    first = await unit.get("/api/v1/me/todo")  # the calendar read and kept
    assert first.status_code == 200, first.text
    seen: list[str] = []
    engine = app.state.rectify.engine.sync_engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        again = await unit.get("/api/v1/me/todo")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert again.json() == first.json()
    # the JSON written without the model (`service.answer_json`) is the model's own, byte for byte
    assert again.content == await route_json(ROUTE, Todo.model_validate_json(again.content))
    selects = [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    if app.state.rectify.engine.dialect.name == "postgresql":
        assert len(selects) == 3, selects


async def test_the_todo_plans_its_statements_once_for_any_values(app, signin, demo_round, monkeypatch):
    """On PostgreSQL the to-do's transaction plans generic (`FastRead.generic_plans`): its
    statements' planning was most of their time under the API's forced custom plans. The ledger's
    list, whose best plan depends on its values, still plans each run. (SQLite: sessions, no plans.)"""
    from issues_api.core import fast_reads

    modes: list[tuple[str, str]] = []
    path = ""

    class Noting(ReadConnection):
        async def __aenter__(self) -> "Noting":
            await super().__aenter__()
            mode = text("SELECT current_setting('plan_cache_mode') AS mode")
            modes.append((path, (await fetch(self, mode))[0].mode))
            return self

    async def answer(self: Any, request: Any, bound: Any, kwargs: dict[str, Any]) -> Any:
        nonlocal path
        path = bound.read.path
        return await real(self, request, bound, kwargs)

    real = fast_reads.FastReads._answer
    monkeypatch.setattr(fast_reads, "ReadConnection", Noting)
    monkeypatch.setattr(fast_reads.FastReads, "_answer", answer)
    unit = await signin("abgq")
    todo = await unit.get("/api/v1/me/todo")
    listed = await unit.get(f"/api/v1/issues?round_id={demo_round}")
    assert todo.status_code == listed.status_code == 200
    if app.state.rectify.engine.dialect.name == "postgresql":
        assert modes == [("/api/v1/me/todo", "force_generic_plan"), ("/api/v1/issues", "force_custom_plan")]
    else:
        assert modes == []
