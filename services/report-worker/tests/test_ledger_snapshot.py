"""Reading the ledger as of a day, on SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import IssueStatus, MeasureStatus
from report_worker.ledger_load import RoundNotFound, load_ledger_snapshot
from report_worker.snapshot import LedgerSnapshot

from .ledger_data import AS_OF, CAT_A, CAT_B, CAT_C, PATHS, ROUND_ID, seed_ledger


class Scope:
    def __init__(
        self, org_path: str, as_of: date | None = AS_OF, round_id: int = ROUND_ID, scope_exact: bool = False
    ) -> None:
        self.org_path, self.as_of, self.round_id, self.scope_exact = org_path, as_of, round_id, scope_exact


async def snapshot_of(engine: AsyncEngine, scope: Scope) -> LedgerSnapshot:
    async with make_sessionmaker(engine, write=False)() as session:
        return await load_ledger_snapshot(session, scope)


def seqs(snapshot: LedgerSnapshot) -> list[tuple[str, list[int]]]:
    return [(c.name, [i.seq for i in c.issues]) for c in snapshot.categories]


@pytest.mark.asyncio
async def test_league_ledger_as_of_the_end_of_a_china_day(engine: AsyncEngine) -> None:
    await seed_ledger(make_sessionmaker(engine))
    snap = await snapshot_of(engine, Scope(PATHS[2]))

    assert (snap.round_name, snap.inspection_team, snap.org_name, snap.as_of) == (
        "第二轮中央生态环境保护督察",
        "中央第三生态环境保护督察组",
        "锡林郭勒盟",
        AS_OF,
    )
    # categories in the order of their first issue; out-of-scope, later and withdrawn issues absent
    assert seqs(snap) == [(CAT_A, [1, 5]), (CAT_B, [2]), (CAT_C, [7])]
    issues = {i.seq: i for c in snap.categories for i in c.issues}
    # status from the history: the completions after the cut do not count, 23:59 China time does
    assert issues[1].status == IssueStatus.in_progress and issues[1].status_text == "正在推进"
    assert issues[2].status == IssueStatus.in_progress
    assert issues[5].status == IssueStatus.not_started
    # no history at all: the current status
    assert issues[7].status == IssueStatus.completed and issues[7].status_text == "已完成整改"

    one = issues[1]
    assert one.lead_org == "盟自然资源局" and one.deadline == date(2024, 12, 31)
    assert one.responsible_orgs == ["盟自然资源局", "盟住房和城乡建设局"]
    assert issues[5].responsible_orgs == ["赤峰市"]
    # measures in position order: one created after the cut and one withdrawn before it are absent
    assert [(m.seq, m.text) for m in one.measures] == [(1, "措施甲。"), (None, "措施乙。"), (4, "措施戊。")]
    first = one.measures[0]
    assert (first.responsible_org, first.deadline, first.status) == (
        "盟自然资源局",
        date(2024, 6, 30),
        MeasureStatus.in_progress,
    )
    assert one.measures[1].responsible_org is None
    # one copy of an org name however many rows name it (a 100,000-measure ledger's memory)
    assert first.responsible_org is one.lead_org and one.lead_org is one.responsible_orgs[0]
    # newest progress before the cut, never a withdrawn one
    assert first.latest_progress == "当日深夜的进展"
    assert one.measures[1].latest_progress is None
    assert one.latest_progress == "当日深夜的进展"
    assert issues[2].latest_progress == "第2个问题的进展" and issues[7].latest_progress is None


@pytest.mark.asyncio
async def test_a_department_sees_the_issues_it_leads_or_shares(engine: AsyncEngine) -> None:
    await seed_ledger(make_sessionmaker(engine))
    snap = await snapshot_of(engine, Scope(PATHS[4]))
    assert snap.org_name == "盟住房和城乡建设局"
    assert seqs(snap) == [(CAT_A, [1]), (CAT_B, [2]), (CAT_C, [7])]


@pytest.mark.asyncio
async def test_a_later_day_sees_later_changes(engine: AsyncEngine) -> None:
    await seed_ledger(make_sessionmaker(engine))
    snap = await snapshot_of(engine, Scope(PATHS[2], as_of=date(2024, 12, 31)))
    assert seqs(snap) == [(CAT_A, [1]), (CAT_B, [2, 4]), (CAT_C, [7])]
    issues = {i.seq: i for c in snap.categories for i in c.issues}
    assert issues[1].status == IssueStatus.completed and issues[2].status == IssueStatus.completed
    assert [m.text for m in issues[1].measures] == ["措施甲。", "措施乙。", "措施丙。"]
    assert issues[1].measures[0].latest_progress == "次日零点的进展"


@pytest.mark.asyncio
async def test_scope_without_an_org_is_named_after_the_rounds_office(engine: AsyncEngine) -> None:
    await seed_ledger(make_sessionmaker(engine))
    snap = await snapshot_of(engine, Scope("/9/"))
    assert snap.org_name == "锡林郭勒盟" and snap.categories == []


@pytest.mark.asyncio
async def test_unknown_round_is_an_error(engine: AsyncEngine) -> None:
    await seed_ledger(make_sessionmaker(engine))
    with pytest.raises(RoundNotFound):
        await snapshot_of(engine, Scope(PATHS[2], round_id=999))


@pytest.mark.asyncio
async def test_a_handful_of_queries_however_many_issues(engine: AsyncEngine) -> None:
    await seed_ledger(make_sessionmaker(engine))
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        await snapshot_of(engine, Scope(PATHS[2]))
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    # header, issues, responsible orgs, progress, measures; the calendar of the report's org (its
    # version token, then on a cold cache 3: the years, their days, the orgs' overrides) and the
    # round's policy: a fixed number, however many problems
    assert len(statements) == 10, "\n".join(s.split("\n")[0][:120] for s in statements)
