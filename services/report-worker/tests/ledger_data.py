"""A small ledger in the database whose as-of view on 2024-12-15 (China time) is known exactly.

The cut is 2024-12-16 00:00 in China = 2024-12-15 16:00 UTC. Scope /1/2/ (锡林郭勒盟) sees:
  方面A: seq 1 (正在推进; completed only after the cut), seq 5 (withdrawn only after the cut)
  方面B: seq 2 (in progress at 23:59 China time, completed at 00:00 the next day)
  方面C: seq 7 (no status history: its current status, completed)
and not: seq 3 (only 赤峰市, outside the scope), seq 4 (created after the cut), seq 6 (withdrawn before).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db import make_sessionmaker
from rectify_shared.enums import IssueStatus, MeasureStatus, OrgKind, ReportFormat, ReportKind
from rectify_shared.ids import new_id
from rectify_shared.models import (
    InspectionRound,
    Issue,
    IssueOrg,
    IssueStatusChange,
    Measure,
    Org,
    ProgressReport,
    ReportJob,
)

AS_OF = date(2024, 12, 15)
CAT_A = "贯彻落实习近平生态文明思想还不到位方面"
CAT_B = "北方生态安全屏障构建仍有短板方面"
CAT_C = "其他需要关注的问题方面"
REGION, LEAGUE, NATURAL_RESOURCES, HOUSING, CHIFENG = 1, 2, 3, 4, 5
PATHS = {REGION: "/1/", LEAGUE: "/1/2/", NATURAL_RESOURCES: "/1/2/3/", HOUSING: "/1/2/4/", CHIFENG: "/1/5/"}
NAMES = {
    REGION: "内蒙古自治区",
    LEAGUE: "锡林郭勒盟",
    NATURAL_RESOURCES: "盟自然资源局",
    HOUSING: "盟住房和城乡建设局",
    CHIFENG: "赤峰市",
}
ROUND_ID = 1

S = IssueStatus


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Seeded:
    issue_ids: dict[int, int]  # seq -> id
    measure_ids: dict[str, int]


async def seed_ledger(sessions: async_sessionmaker[AsyncSession]) -> Seeded:
    async with sessions() as s:
        for org_id, path in PATHS.items():
            kinds = {REGION: OrgKind.region, LEAGUE: OrgKind.league, CHIFENG: OrgKind.league}
            kind = kinds.get(org_id, OrgKind.department)
            parent = None if org_id == REGION else (LEAGUE if path.startswith("/1/2/") else REGION)
            s.add(Org(id=org_id, name=NAMES[org_id], kind=kind, parent_id=parent, path=path, depth=path.count("/") - 2))
            await s.flush()
        s.add(
            InspectionRound(
                id=ROUND_ID,
                name="第二轮中央生态环境保护督察",
                inspection_team="中央第三生态环境保护督察组",
                target_region="内蒙古自治区",
                org_id=LEAGUE,
                org_path=PATHS[LEAGUE],
            )
        )
        await s.flush()
        ids: dict[int, int] = {}

        async def issue(
            seq: int,
            category: str,
            lead: int,
            orgs: list[tuple[int, str]],
            history: list[tuple[IssueStatus, str]],
            *,
            created: str = "2024-01-01T00:00",
            withdrawn: str | None = None,
            status: IssueStatus | None = None,
            deadline: date | None = None,
        ) -> int:
            issue_id = seq * 10
            current = status or history[-1][0]
            s.add(
                Issue(
                    id=issue_id,
                    round_id=ROUND_ID,
                    seq=seq,
                    category=category,
                    description=f"第{seq}个问题的描述。",
                    lead_org_id=lead,
                    org_path=PATHS[lead],
                    status=current,
                    deadline=deadline,
                    created_at=at(created),
                    withdrawn_at=at(withdrawn) if withdrawn else None,
                )
            )
            await s.flush()
            for org_id, role in orgs:
                s.add(IssueOrg(issue_id=issue_id, org_id=org_id, role=role, org_path=PATHS[org_id]))
            previous = None
            for to_status, when in history:
                s.add(
                    IssueStatusChange(
                        issue_id=issue_id,
                        from_status=previous,
                        to_status=to_status,
                        changed_by="tester",
                        changed_at=at(when),
                    )
                )
                previous = to_status
            ids[seq] = issue_id
            return issue_id

        lead_nr = [(NATURAL_RESOURCES, "lead"), (NATURAL_RESOURCES, "responsible"), (HOUSING, "responsible")]
        one = await issue(
            1,
            CAT_A,
            NATURAL_RESOURCES,
            lead_nr,
            [
                (S.not_started, "2024-01-01T00:00"),
                (S.in_progress, "2024-03-01T00:00"),
                (S.completed, "2024-12-20T00:00"),
            ],
            deadline=date(2024, 12, 31),
        )
        await issue(
            2,
            CAT_B,
            HOUSING,
            [(HOUSING, "lead")],
            [
                (S.not_started, "2024-01-01T00:00"),
                (S.in_progress, "2024-12-15T15:59"),
                (S.completed, "2024-12-15T16:00"),
            ],
            deadline=date(2024, 11, 30),
        )
        await issue(3, CAT_A, CHIFENG, [(CHIFENG, "lead")], [(S.in_progress, "2024-01-01T00:00")])
        await issue(
            4,
            CAT_B,
            NATURAL_RESOURCES,
            [(NATURAL_RESOURCES, "lead")],
            [(S.not_started, "2024-12-20T00:00")],
            created="2024-12-20T00:00",
        )
        await issue(
            5,
            CAT_A,
            NATURAL_RESOURCES,
            [(NATURAL_RESOURCES, "lead"), (CHIFENG, "responsible")],
            [(S.not_started, "2024-01-01T00:00")],
            withdrawn="2024-12-20T00:00",
        )
        await issue(
            6,
            CAT_C,
            NATURAL_RESOURCES,
            [(NATURAL_RESOURCES, "lead")],
            [(S.not_started, "2024-01-01T00:00")],
            withdrawn="2024-12-01T00:00",
        )
        await issue(7, CAT_C, HOUSING, [(HOUSING, "lead")], [], status=S.completed)

        measures: dict[str, int] = {}

        async def measure(
            key: str,
            seq: int | None,
            position: int,
            org: int | None,
            status: MeasureStatus,
            *,
            created: str = "2024-01-02T00:00",
            withdrawn: str | None = None,
            deadline: date | None = None,
        ) -> int:
            measure_id = 100 + position
            s.add(
                Measure(
                    id=measure_id,
                    issue_id=one,
                    seq=seq,
                    position=position,
                    text=f"措施{key}。",
                    responsible_org_id=org,
                    org_path=PATHS[org or NATURAL_RESOURCES],
                    status=status,
                    deadline=deadline,
                    created_at=at(created),
                    withdrawn_at=at(withdrawn) if withdrawn else None,
                )
            )
            await s.flush()
            measures[key] = measure_id
            return measure_id

        m1 = await measure("甲", 1, 1, NATURAL_RESOURCES, MeasureStatus.in_progress, deadline=date(2024, 6, 30))
        await measure("乙", None, 2, None, MeasureStatus.completed)
        await measure("丙", 2, 3, HOUSING, MeasureStatus.not_started, created="2024-12-20T00:00")
        await measure("丁", 3, 4, HOUSING, MeasureStatus.not_started, withdrawn="2024-12-01T00:00")
        await measure("戊", 4, 5, HOUSING, MeasureStatus.in_progress, withdrawn="2024-12-20T00:00")
        await s.flush()

        def progress(issue_id: int, measure_id: int | None, text: str, when: str, withdrawn: bool = False) -> None:
            s.add(
                ProgressReport(
                    id=new_id(),
                    issue_id=issue_id,
                    measure_id=measure_id,
                    text=text,
                    reporting_org_id=NATURAL_RESOURCES,
                    org_path=PATHS[NATURAL_RESOURCES],
                    reported_at=at(when),
                    reported_by="tester",
                    withdrawn_at=at("2024-12-13T00:00") if withdrawn else None,
                )
            )

        progress(one, m1, "六月的进展", "2024-06-01T00:00")
        progress(one, m1, "当日深夜的进展", "2024-12-15T15:59")
        progress(one, m1, "次日零点的进展", "2024-12-15T16:00")
        progress(one, m1, "撤回的进展", "2024-12-15T15:00", withdrawn=True)
        progress(one, None, "问题层面的进展", "2024-11-01T00:00")
        progress(ids[2], None, "第2个问题的进展", "2024-12-01T00:00")
        await s.commit()
    return Seeded(ids, measures)


async def add_job(
    sessions: async_sessionmaker[AsyncSession],
    fmt: str = ReportFormat.md,
    *,
    org_path: str = PATHS[LEAGUE],
    job_id: int | None = None,
    kind: ReportKind = ReportKind.ledger,
    **fields: object,
) -> int:
    async with sessions() as s:
        job = ReportJob(
            id=job_id,
            kind=kind,
            format=fmt,
            round_id=ROUND_ID,  # type: ignore[arg-type]
            as_of=AS_OF,
            org_path=org_path,
            requested_by="tester",
            **fields,
        )  # type: ignore[arg-type]
        s.add(job)
        await s.commit()
        assert job.id is not None
        return job.id


def worker_context(engine: AsyncEngine) -> dict[str, Any]:
    """The sessions a report job finds in its arq context."""
    return {
        "write_sessions": make_sessionmaker(engine, write=True),
        "read_sessions": make_sessionmaker(engine, write=False),
    }


async def job_row(sessions: async_sessionmaker[AsyncSession], report_id: int) -> ReportJob:
    async with sessions() as s:
        job = await s.get(ReportJob, report_id)
        assert job is not None
        return job
