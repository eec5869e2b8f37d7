"""The dashboard's figures as of a past day, from the runs of days kept with the writes
(`rectify_shared.stats_tally`: `stats_issue_span`; read by `issues_api.stats.asof`),
equal the recount from every problem's history (`issues_api.stats.router.recount`) on every day,
after any history of writes — problems recorded on chosen days (some backdated), status changes on
random days (several on one day, backdated ones, acceptances, reopenings), deadlines extended and
cleared on chosen days, lead orgs and 方面 changed, responsible orgs added, indicators added,
withdrawn and restored, transactions rolled back — on SQLite and on PostgreSQL, for the whole
office, a league's subtree, one county exactly and a department, for one round and for all."""

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from issues_api.auth.principal import Scope
from issues_api.stats import asof
from issues_api.stats.router import recount
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.enums import DeadlineChangeKind, IssueStatus
from rectify_shared.models import (
    DeadlineChange,
    Indicator,
    Issue,
    IssueOrg,
    IssueStatusChange,
)
from rectify_shared.models.stats import StatsIssueSpan
from rectify_shared.stats_tally import rebuild
from rectify_shared.timezone import CHINA_TZ

from .stats_history import Unit, kept_rows, normal, office_round, scopes

START = date(2026, 3, 1)  # day 0 of the histories (all past: the recount has no "today" in it)
DAYS = 24
offsets = st.integers(0, DAYS)
maybe_day = st.none() | offsets
statuses = st.sampled_from(list(IssueStatus))
create = st.tuples(
    st.just("create"),
    st.integers(0, 3),
    st.sampled_from(["一、生态", "二、污染"]),
    maybe_day,
    offsets,
    maybe_day,
    st.booleans(),
)
status = st.tuples(st.just("status"), st.integers(0, 9), statuses, offsets, maybe_day, st.integers(0, 86399))
ops = st.tuples(
    st.lists(create, min_size=1, max_size=6),
    st.lists(
        st.one_of(
            create,
            status,
            status,
            st.tuples(
                st.just("status"),
                st.integers(0, 9),
                st.sampled_from(["completed", "in_progress"]),
                offsets,
                st.none(),
                st.integers(0, 86399),
            ),
            st.tuples(st.just("extend"), st.integers(0, 9), maybe_day, offsets, st.booleans()),
            st.tuples(st.just("lead"), st.integers(0, 9), st.integers(0, 3)),
            st.tuples(st.just("responsible"), st.integers(0, 9), st.integers(0, 3)),
            st.tuples(st.just("withdraw"), st.integers(0, 9), maybe_day),
            st.tuples(st.just("schedule"), st.integers(0, 9), st.none() | st.booleans()),
            st.tuples(st.just("category"), st.integers(0, 9), st.sampled_from(["一、生态", "二、污染", "三、资源"])),
            st.tuples(st.just("seq"), st.integers(0, 9), st.integers(1, 50)),
            st.tuples(st.just("indicator"), st.integers(0, 9)),
            st.tuples(st.just("commit"), st.booleans()),  # False: roll the open transaction back
        ),
        max_size=30,
    ),
).map(lambda t: t[0] + t[1])


def _day(n: int) -> date:
    return START + timedelta(days=n)


def _at(n: int, second: int = 43200) -> datetime:
    """A server time on day n (China), `second` into the day."""
    return (datetime.combine(_day(n), time(0), tzinfo=CHINA_TZ) + timedelta(seconds=second)).astimezone(UTC)


async def _apply(s: Any, op: tuple[Any, ...], rid: int, units: list[Unit], issues: list[int]) -> None:
    kind = op[0]
    if kind == "commit":
        await (s.commit() if op[1] else s.rollback())
        if not op[1]:  # the rolled-back problems are gone
            ids = set((await s.execute(select(Issue.id).where(Issue.round_id == rid))).scalars())
            issues[:] = [i for i in issues if i in ids]
        return
    if kind == "create":
        _, unit, category, deadline, created, occurred, first_status = op
        org = units[unit]
        seq = 1000 + sum(1 for _ in (await s.execute(select(Issue.id).where(Issue.round_id == rid))).scalars())
        due = None if deadline is None else _day(deadline)
        issue = Issue(round_id=rid, seq=seq, category=category, description="问题", lead_org_id=org.id,
                      org_path=org.path, deadline=due, original_deadline=due, created_at=_at(created),
                      occurred_on=None if occurred is None else _day(occurred))  # fmt: skip
        s.add(issue)
        await s.flush()
        s.add(IssueOrg(issue_id=issue.id, org_id=org.id, role="lead", org_path=org.path))
        if first_status:  # (else: no status until its first change)
            s.add(IssueStatusChange(issue_id=issue.id, to_status=IssueStatus.not_started, changed_by="t",
                                    changed_at=_at(created)))  # fmt: skip
        issues.append(issue.id)
        return
    if not issues:
        return
    issue = await s.get(Issue, issues[op[1] % len(issues)])
    if kind == "status":
        _, _, to, at, occurred, second = op
        on = None if occurred is None else _day(occurred)
        s.add(IssueStatusChange(issue_id=issue.id, from_status=issue.status, to_status=to, changed_by="t",
                                changed_at=_at(at, second), occurred_on=on))  # fmt: skip
        issue.status = to
    elif kind == "extend":
        _, _, new, at, first = op
        due = None if new is None else _day(new)
        s.add(DeadlineChange(entity_type="issue", entity_id=issue.id, old_deadline=issue.deadline, new_deadline=due,
                             kind=DeadlineChangeKind.extension, changed_by="t", changed_at=_at(at)))  # fmt: skip
        issue.deadline = due
        if first:
            issue.original_deadline = due
    elif kind == "lead":
        org = units[op[2]]
        await s.execute(delete(IssueOrg).where(IssueOrg.issue_id == issue.id, IssueOrg.role == "lead"))
        s.add(IssueOrg(issue_id=issue.id, org_id=org.id, role="lead", org_path=org.path))
        issue.lead_org_id, issue.org_path = org.id, org.path
    elif kind == "responsible":
        org = units[op[2]]
        if await s.get(IssueOrg, (issue.id, org.id, "responsible")) is None:
            s.add(IssueOrg(issue_id=issue.id, org_id=org.id, role="responsible", org_path=org.path))
    elif kind == "withdraw":
        issue.withdrawn_at = None if op[2] is None else _at(op[2], 3600)
    elif kind == "schedule":
        issue.on_schedule = op[2]
    elif kind == "category":
        issue.category = op[2]
    elif kind == "seq" and op[2] not in {
        i.seq for i in (await s.execute(select(Issue).where(Issue.round_id == rid))).scalars()
    }:
        issue.seq = op[2]
    elif kind == "indicator":
        s.add(Indicator(round_id=rid, issue_id=issue.id, name="治理面积", unit="亩", kind="cumulative",
                        direction="higher", baseline=Decimal(0), baseline_date=_day(0), target=Decimal(100),
                        target_date=_day(DAYS), frequency="monthly", org_id=issue.lead_org_id,
                        org_path=issue.org_path, created_by="t"))  # fmt: skip


async def _compare(s: Any, rid: int, scopes: list[Scope]) -> None:
    for n, scope in enumerate(scopes):
        for round_id in (rid, None):
            for d in range(-1, DAYS + 3, 1 if n == 0 and round_id == rid else 3):
                day = _day(d)
                kept = await asof.figures(s, round_id, scope, day)
                kept_data = {"by_status": kept.by_status, "by_category": kept.by_category, "by_org": kept.by_org}
                data, deadlines, schedule = await recount(s, round_id, day, scope)
                got, want = normal(kept_data, kept.deadlines, kept.schedule), normal(data, deadlines, schedule)
                differ = repr({k: (got[k], want[k]) for k in got if got[k] != want[k]})
                assert differ == "{}", f"{scope} round {round_id} as of {day}: kept, recounted {differ}"


async def _scenario(url: str, history: list[tuple[Any, ...]]) -> None:
    engine = make_engine(url)
    maker = make_sessionmaker(engine)
    try:
        async with maker() as s:
            rid, paths, units = await office_round(s)
            issues: list[int] = []
            for op in history:
                await _apply(s, op, rid, units, issues)
            await s.commit()
            await _compare(s, rid, scopes(paths))
            # and the kept runs are the ones a rebuild from the history makes
            kept = await kept_rows(s, (StatsIssueSpan,))
            await (await s.connection()).run_sync(rebuild)
            assert await kept_rows(s, (StatsIssueSpan,)) == kept
            await s.rollback()
    finally:
        await engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=ops)
def test_as_of_figures_equal_a_recount_of_the_history(db_url: str, history: list[tuple[Any, ...]]) -> None:
    asyncio.run(_scenario(db_url, history))
