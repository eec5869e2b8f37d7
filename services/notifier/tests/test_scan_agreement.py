"""The SQL scan and the pure ladder agree: on generated ledgers, scan dates and changes in between,
the scan inserts exactly the escalations the ladder fires (same keys, addressees, texts, triggers)
and resolves exactly those whose cause the ladder says went away. Runs on SQLite and PostgreSQL."""

import asyncio
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from notifier.escalation.calendar_source import load_calendar
from notifier.escalation.ladder import Item, Obligation, PastEscalation, causes_resolved, ladder
from notifier.escalation.model import OPEN_STATES
from notifier.escalation.scan import run_scan
from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.escalation_policy import (
    DEFAULT_POLICY,
    AfterDeadline,
    BeforeDeadline,
    Level,
    MissedAttestation,
    MissedDispatch,
    Policy,
    Repeated,
    Rule,
    Target,
)
from rectify_shared.ids import new_id
from rectify_shared.models import DispatchObligation, DispatchRound, Escalation, Issue, Measure, Org, ProgressReport
from rectify_shared.timezone import CHINA_TZ

from .escalation_data import LEADER, Ledger, at, engine_and_sessions, escalations, events, wipe

W, N, S, SU = Level.warning, Level.notice, Level.supervision, Level.summons
LEAD, PARENT = Target.responsible_leader, Target.parent_org


def before(n: int) -> BeforeDeadline:
    return BeforeDeadline(kind="before_deadline", working_days=n)


def after(n: int) -> AfterDeadline:
    return AfterDeadline(kind="after_deadline", working_days=n)


CUSTOM = Policy(
    rules=[
        Rule(id="w0", level=W, trigger=before(0), target=LEAD),
        Rule(id="w3", level=W, trigger=before(3), target=PARENT),
        Rule(id="n1", level=N, trigger=after(1), target=PARENT),
        Rule(id="s0", level=S, trigger=after(0), requires_approval=True, after_level=N, min_working_days_since=2),
        Rule(id="su0", level=SU, trigger=after(0), after_level=S, min_working_days_since=1, target=LEAD),
        Rule(id="d", level=W, trigger=MissedDispatch(kind="missed_dispatch"), target=Target.parent_org),
        Rule(id="att", level=N, trigger=MissedAttestation(kind="missed_attestation"), target=Target.responsible_leader),
        Rule(id="rw", level=N, trigger=Repeated(kind="repeated", of_level=W, count=2, within_working_days=10)),
        Rule(id="rn", level=SU, trigger=Repeated(kind="repeated", of_level=N, count=2, within_working_days=30),
             jump=True),
    ]
)  # fmt: skip

ORGS = ["league", "dept_a", "dept_b", "county"]
days = st.dates(min_value=date(2024, 12, 1), max_value=date(2025, 3, 31))
rarely = st.sampled_from([False, False, False, False, True])
measures = st.fixed_dictionaries(
    {
        "status": st.sampled_from(list(MeasureStatus)),
        "deadline": st.none() | days,
        "org": st.none() | st.sampled_from(ORGS),
        "withdrawn": rarely,
    }
)
issues = st.fixed_dictionaries(
    {
        "status": st.sampled_from(list(IssueStatus)),
        "deadline": st.none() | days,
        "lead": st.sampled_from(ORGS),
        "leader": st.booleans(),
        "cycle": st.sampled_from([None, "monthly", "quarterly", "yearly"]),
        "withdrawn": rarely,
        "progress": st.none() | days,
        "measures": st.lists(measures, max_size=3),
    }
)
dispatches = st.lists(
    st.fixed_dictionaries({"cutoff": days, "orgs": st.dictionaries(st.sampled_from(ORGS), st.booleans())}), max_size=3
)
changes = st.lists(
    st.tuples(st.integers(0, 30), st.sampled_from(["complete", "extend", "report", "progress", "issue", "respond"]))
)


async def pure_inputs(session: Any, as_of: date) -> tuple[list[Item], list[Obligation], list[PastEscalation]]:
    """The ladder's inputs read with the ORM (independently of the scan's own loaders)."""
    orgs = {o.id: o for o in (await session.execute(select(Org))).scalars()}
    by_path = {o.path: o.id for o in orgs.values()}
    issue_rows = {i.id: i for i in (await session.execute(select(Issue))).scalars()}
    last: dict[int, date] = {}
    for p in (await session.execute(select(ProgressReport))).scalars():
        day = p.reported_at.astimezone(CHINA_TZ).date()
        if day <= as_of and p.withdrawn_at is None:
            last[p.issue_id] = max(day, last.get(p.issue_id, day))
    items = [
        Item("issue", i.id, None, i.round_id, i.deadline, i.status, i.lead_org_id, orgs[i.lead_org_id].parent_id,
             i.responsible_leader, i.org_path, long_term=i.long_term, attestation_cycle=i.attestation_cycle,
             last_progress_at=last.get(i.id), withdrawn=i.withdrawn_at is not None, period=i.deadline,
             unit_path=orgs[i.lead_org_id].path)
        for i in issue_rows.values()
    ]  # fmt: skip
    for m in (await session.execute(select(Measure))).scalars():
        i = issue_rows[m.issue_id]
        org_id = m.responsible_org_id or i.lead_org_id
        items.append(
            Item("measure", i.id, m.id, i.round_id, m.deadline, m.status, org_id, orgs[org_id].parent_id,
                 i.responsible_leader, m.org_path, issue_status=i.status,
                 withdrawn=m.withdrawn_at is not None or i.withdrawn_at is not None, period=i.deadline,
                 unit_path=orgs[org_id].path)
        )  # fmt: skip
    rounds = {r.id: r for r in (await session.execute(select(DispatchRound))).scalars()}
    obligations = [
        Obligation(o.dispatch_round_id, rounds[o.dispatch_round_id].round_id, o.org_id, orgs[o.org_id].parent_id,
                   o.org_path, rounds[o.dispatch_round_id].cutoff.astimezone(CHINA_TZ).date(),
                   o.reported_at is not None, rounds[o.dispatch_round_id].period)
        for o in (await session.execute(select(DispatchObligation))).scalars()
    ]  # fmt: skip
    past = [
        PastEscalation(e.id, e.round_id, e.issue_id, e.measure_id, e.level, e.as_of, e.state, e.dedupe_key,
                       org_id=by_path.get(e.org_path) if e.issue_id is None else None,
                       dispatch_round_id=e.dispatch_round_id, rule=e.rule, trigger=e.trigger, issued_on=e.issued_on)
        for e in (await session.execute(select(Escalation))).scalars()
    ]  # fmt: skip
    return items, obligations, past


async def seed(sessions: Any, spec: list[dict[str, Any]], dispatch: list[dict[str, Any]]) -> None:
    async with sessions() as s:
        ledger = await Ledger(s).setup()
        for seq, i in enumerate(spec, 1):
            long_term = i["status"] == IssueStatus.completed_long_term
            issue = await ledger.issue(
                seq, lead=i["lead"], status=i["status"], deadline=i["deadline"], leader=LEADER if i["leader"] else None,
                attestation_cycle=i["cycle"] if long_term or i["withdrawn"] else None, withdrawn=i["withdrawn"],
            )  # fmt: skip
            for pos, m in enumerate(i["measures"], 1):
                await ledger.measure(
                    issue, pos, org=m["org"], status=m["status"], deadline=m["deadline"], withdrawn=m["withdrawn"]
                )
            if i["progress"]:
                await ledger.progress(issue, i["progress"])
        for n, d in enumerate(dispatch):
            await ledger.dispatch(f"2025-W{n:02d}", d["cutoff"], d["orgs"])
        await s.commit()


async def change(sessions: Any, todo: list[tuple[int, str]], as_of: date) -> None:
    async with sessions() as s:
        measure_rows = list((await s.execute(select(Measure).order_by(Measure.id))).scalars())
        issue_rows = list((await s.execute(select(Issue).order_by(Issue.id))).scalars())
        owed = list((await s.execute(select(DispatchObligation))).scalars())
        tasks: list[Any] = [*measure_rows, *issue_rows]
        letters = list((await s.execute(select(Escalation).order_by(Escalation.id))).scalars())
        for n, what in todo:
            if what == "issue" and (proposed := [e for e in letters if e.state == "proposed"]):
                e = proposed[n % len(proposed)]
                e.state, e.issued_on = "issued", as_of - timedelta(days=n % 3)  # the office issues it
            elif what == "respond" and (issued := [e for e in letters if e.state == "issued"]):
                issued[n % len(issued)].state = "responded"
            elif what == "complete" and tasks:
                task = tasks[n % len(tasks)]
                task.status = "completed"
            elif what == "extend" and tasks:
                task = tasks[n % len(tasks)]
                task.deadline = (task.deadline or as_of) + timedelta(days=n - 10)
            elif what == "report" and owed:
                owed[n % len(owed)].reported_at = at(as_of)
            elif what == "progress" and issue_rows:
                i = issue_rows[n % len(issue_rows)]
                s.add(ProgressReport(id=new_id(), issue_id=i.id, text="进展",
                                     reporting_org_id=i.lead_org_id, org_path=i.org_path, reported_at=at(as_of),
                                     reported_by="unit"))  # fmt: skip
        await s.commit()


FIELDS = (
    "round_id", "level", "rule", "issue_id", "measure_id", "dispatch_round_id", "addressed_org_id",
    "addressed_person", "org_path", "reason", "trigger", "state", "as_of", "response_due",
)  # fmt: skip


async def check(url: str, spec: Any, dispatch: Any, scan_days: list[date], todo: Any, policy: Policy) -> None:
    engine, sessions = engine_and_sessions(url)
    try:
        await wipe(sessions)
        await seed(sessions, spec, dispatch)
        for k, as_of in enumerate(scan_days):
            if k:
                await change(sessions, todo[k - 1 :: 2], as_of)
            async with sessions() as s:
                items, obligations, past = await pure_inputs(s, as_of)
                calendar = await load_calendar(s)
            fired = {p.dedupe_key: p for p in ladder(items, obligations, past, policy, calendar, as_of)}
            in_force = [e for e in past if e.state in OPEN_STATES]
            to_resolve = {
                r.dedupe_key: r.resolution for r in causes_resolved(items, obligations, in_force, policy, as_of)
            }
            before = {e.dedupe_key: e for e in past}
            events_before = len(await events(sessions))

            result = await run_scan(sessions, as_of, policy_for_round=lambda _: policy)

            rows = {e.dedupe_key: e for e in await escalations(sessions)}
            created = {k: e for k, e in rows.items() if k not in before}
            assert set(created) == set(fired) - set(before)
            for key, e in created.items():
                assert {f: getattr(e, f) for f in FIELDS} == {f: getattr(fired[key], f) for f in FIELDS}, key
            resolved = {k: e.resolution for k, e in rows.items() if k in before and e.state != before[k].state}
            assert resolved == to_resolve
            assert all(rows[k].state == "resolved" for k in resolved)
            assert (result.created, result.resolved) == (len(created), len(resolved))
            new_events = (await events(sessions))[events_before:]
            kinds = defaultdict(set)
            for ev in new_events:
                kinds[ev.event_type].add(ev.aggregate_id)
            assert kinds["escalation.created"] == {e.id for e in created.values()}
            assert kinds["escalation.resolved"] == {rows[k].id for k in resolved}
            assert len(new_events) == len(created) + len(resolved)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("policy", [DEFAULT_POLICY, CUSTOM], ids=["default_policy", "custom_policy"])
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    spec=st.lists(issues, min_size=1, max_size=4),
    dispatch=dispatches,
    scan_days=st.lists(days, min_size=1, max_size=3, unique=True).map(sorted),
    todo=changes,
)
def test_the_sql_scan_inserts_and_resolves_exactly_what_the_ladder_says(
    db_url, spec, dispatch, scan_days, todo, policy
):
    asyncio.run(check(db_url, spec, dispatch, scan_days, todo, policy))
