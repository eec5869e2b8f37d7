"""Building small ledgers for the scan tests with the table models, and reading back what the scan wrote."""

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.enums import IssueStatus, MeasureStatus, OrgKind
from rectify_shared.ids import new_id
from rectify_shared.models import (
    CalendarDay,
    CalendarOverride,
    CalendarYear,
    Closure,
    ClosureStep,
    DispatchObligation,
    DispatchRound,
    Escalation,
    EscalationPolicy,
    InspectionRound,
    Issue,
    IssueOrg,
    Measure,
    Org,
    OutboxEvent,
    ProgressReport,
    ScanRequest,
)
from rectify_shared.timezone import CHINA_TZ
from rectify_shared.tree import child_path

LEADER = {"name": "王某", "title": "盟委副书记", "phone": "13904790001"}


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA_TZ)


class Ledger:
    """A tree 自治区 → 盟 → {局A, 局B}, 旗 under the 盟, one round kept by the 盟."""

    def __init__(self, session: AsyncSession) -> None:
        self.s = session
        self.orgs: dict[str, Org] = {}
        self.round_id = 0

    async def setup(self) -> "Ledger":
        for key, kind, parent in (
            ("region", OrgKind.region, None),
            ("league", OrgKind.league, "region"),
            ("dept_a", OrgKind.department, "league"),
            ("dept_b", OrgKind.department, "league"),
            ("county", OrgKind.county, "league"),
        ):
            await self.org(key, kind, parent)
        self.round_id = await self.add_round()
        return self

    async def org(self, key: str, kind: OrgKind, parent: str | None) -> Org:
        up = self.orgs[parent] if parent else None
        org = Org(
            name=key, kind=kind, parent_id=up.id if up else None, path="/pending/", depth=up.depth + 1 if up else 0
        )
        self.s.add(org)
        await self.s.flush()
        assert org.id is not None
        org.path = child_path(up.path if up else None, org.id)
        self.orgs[key] = org
        await self.s.flush()
        return org

    def oid(self, key: str) -> int:
        org_id = self.orgs[key].id
        assert org_id is not None
        return org_id

    async def add_round(self, policy: dict[str, Any] | None = None) -> int:
        league = self.orgs["league"]
        rnd = InspectionRound(
            name="第二轮",
            inspection_team="第三督察组",
            target_region="内蒙古",
            org_id=league.id or 0,
            org_path=league.path,
        )
        self.s.add(rnd)
        await self.s.flush()
        assert rnd.id is not None
        if policy is not None:
            self.s.add(EscalationPolicy(round_id=rnd.id, policy=policy, updated_by="test"))
        return rnd.id

    async def issue(
        self,
        seq: int,
        *,
        lead: str = "dept_a",
        status: IssueStatus = IssueStatus.in_progress,
        deadline: date | None = None,
        leader: dict[str, Any] | None = LEADER,
        attestation_cycle: str | None = None,
        withdrawn: bool = False,
        round_id: int | None = None,
    ) -> Issue:
        org = self.orgs[lead]
        issue = Issue(
            round_id=round_id or self.round_id, seq=seq, category="方面", description=f"问题{seq}",
            lead_org_id=org.id or 0, org_path=org.path, responsible_leader=leader, deadline=deadline,
            original_deadline=deadline, long_term=attestation_cycle is not None,
            attestation_cycle=attestation_cycle, status=status,
            withdrawn_at=at(date(2024, 1, 1)) if withdrawn else None,
        )  # fmt: skip
        self.s.add(issue)
        await self.s.flush()
        assert issue.id is not None
        self.s.add(IssueOrg(issue_id=issue.id, org_id=org.id or 0, role="lead", org_path=org.path))
        return issue

    async def measure(
        self,
        issue: Issue,
        position: int,
        *,
        org: str | None = None,
        status: MeasureStatus = MeasureStatus.in_progress,
        deadline: date | None = None,
        withdrawn: bool = False,
    ) -> Measure:
        resp = self.orgs[org] if org else None
        m = Measure(
            issue_id=issue.id or 0, seq=position, position=position, text=f"措施{position}",
            responsible_org_id=resp.id if resp else None, org_path=resp.path if resp else issue.org_path,
            deadline=deadline, original_deadline=deadline, status=status,
            withdrawn_at=at(date(2024, 1, 1)) if withdrawn else None,
        )  # fmt: skip
        self.s.add(m)
        await self.s.flush()
        return m

    async def progress(self, issue: Issue, day: date, org: str = "dept_a") -> None:
        o = self.orgs[org]
        self.s.add(
            ProgressReport(
                id=new_id(), issue_id=issue.id or 0, text="进展", reporting_org_id=o.id or 0, org_path=o.path,
                reported_at=at(day), reported_by="unit",
            )
        )  # fmt: skip
        await self.s.flush()

    async def dispatch(self, period: str, cutoff: date, orgs: dict[str, bool], round_id: int | None = None) -> int:
        """A dispatch round with cutoff at 18:00 on `cutoff`; `orgs` maps unit → reported."""
        league = self.orgs["league"]
        dr = DispatchRound(
            round_id=round_id or self.round_id, frequency="weekly", period=period, cutoff=at(cutoff, 18),
            org_id=league.id or 0, org_path=league.path, created_by="office",
        )  # fmt: skip
        self.s.add(dr)
        await self.s.flush()
        assert dr.id is not None
        for key, reported in orgs.items():
            o = self.orgs[key]
            self.s.add(
                DispatchObligation(
                    dispatch_round_id=dr.id, org_id=o.id or 0, org_path=o.path,
                    reported_at=at(cutoff, 9) if reported else None,
                )
            )  # fmt: skip
        await self.s.flush()
        return dr.id

    async def office_year(self, year: int, holidays: dict[date, str], makeup: dict[date, str]) -> None:
        self.s.add(CalendarYear(year=year, source="office", updated_by="office"))
        for day, name in holidays.items():
            self.s.add(CalendarDay(day=day, year=year, kind="holiday", name=name))
        for day, name in makeup.items():
            self.s.add(CalendarDay(day=day, year=year, kind="makeup_workday", name=name))
        await self.s.flush()

    async def override(self, org: str, days: dict[date, str]) -> None:
        """The org's own days for its subtree: {day: "holiday" | "makeup_workday"}."""
        for day, kind in days.items():
            self.s.add(
                CalendarOverride(
                    org_path=self.orgs[org].path, day=day, org_id=self.oid(org), year=day.year, kind=kind,
                    name="本地安排", updated_by="office",
                )
            )  # fmt: skip
        await self.s.flush()

    async def scan_request(self, as_of: date) -> int:
        req = ScanRequest(as_of=as_of, requested_by="office")
        self.s.add(req)
        await self.s.flush()
        assert req.id is not None
        return req.id


async def escalations(sessions: async_sessionmaker[AsyncSession]) -> list[Escalation]:
    async with sessions() as s:
        return list((await s.execute(select(Escalation).order_by(Escalation.id))).scalars().all())  # type: ignore[arg-type]


async def events(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxEvent]:
    async with sessions() as s:
        return list((await s.execute(select(OutboxEvent).order_by(OutboxEvent.id))).scalars().all())  # type: ignore[arg-type]


TABLES = (
    OutboxEvent, Escalation, ClosureStep, Closure, ScanRequest, ProgressReport, DispatchObligation, DispatchRound,
    IssueOrg, Measure, Issue, EscalationPolicy, InspectionRound, CalendarDay, CalendarYear, CalendarOverride, Org,
)  # fmt: skip


async def wipe(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as s:
        for model in TABLES:
            await s.execute(delete(model))
        await s.commit()


def engine_and_sessions(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = make_engine(url)
    return engine, make_sessionmaker(engine)
