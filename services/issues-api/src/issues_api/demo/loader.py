"""Load the demo data file into an empty database.

The file is transcribed from the seed report; fields it marks `illustrative` are fill-ins.
Statuses get a history (created → started → completed) on the file's dates, so reports as of
any past day come out as they would have then.
"""

from datetime import date, datetime, time
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import IssueStatus, MeasureStatus, OrgKind
from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.models import InspectionRound, Issue, IssueOrg, IssueStatusChange, Measure, Org
from rectify_shared.timezone import CHINA_TZ
from rectify_shared.tree import child_path

from ..narratives.demo import load_demo_narrative
from ..outbox.writer import record_event
from .accounts import create_demo_accounts
from .closures import load_demo_closures
from .indicators import load_demo_indicators
from .petitions import load_demo_petitions

DEMO_FILE = "xilinguole_round2.yaml"
DEMO_ACTOR = "demo-loader"
#: the office keeping the demo ledger
DEMO_OFFICE_KEY = "xlgl"  # the org whose ledger the round is
DEMO_ROUND_OFFICE_KEY = "xlgl_zgb"  # its 督察整改办: issues the letters, signs the documents
#: the 整改方案 was issued in Nov 2022: the ledger's problems exist from then on
LEDGER_OPENED = date(2022, 11, 1)


def read_demo() -> dict[str, Any]:
    text = resources.files("issues_api.demo").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA_TZ)


async def database_is_empty(session: AsyncSession) -> bool:
    return (await session.execute(select(func.count()).select_from(Org))).scalar_one() == 0


async def load_demo(
    session: AsyncSession, *, admin_password: str = "admin", demo_password: str = "demo", progress: Any = None
) -> int:
    """Insert the demo data and the demo accounts; the caller commits. Returns the round id.
    `progress`: an ops.progress.Progress, advanced per org, per problem and per later part."""
    data = read_demo()
    later = ("narrative", "indicators", "petitions", "closures", "accounts")
    if progress is not None:
        progress.update(0, len(data["orgs"]) + len(data["issues"]) + len(later))
    step = progress.advance if progress is not None else (lambda n=1, note="": None)
    orgs: dict[str, Org] = {}
    for position, spec in enumerate(data["orgs"]):
        parent = orgs[spec["parent"]] if spec.get("parent") else None
        org = Org(
            name=spec["name"],
            short_name=spec.get("short_name"),
            kind=OrgKind(spec["kind"]),
            parent_id=parent.id if parent else None,
            path="/pending/",
            depth=parent.depth + 1 if parent else 0,
            contact_phone=spec.get("contact_phone"),
            contact_email=spec.get("contact_email"),
            mobile=spec.get("mobile"),
            sort_order=int(spec.get("sort_order", position)),  # siblings list in the file's (official) order
            adcode=spec.get("adcode"),
        )
        session.add(org)
        await session.flush()
        assert org.id is not None
        org.path = child_path(parent.path if parent else None, org.id)
        orgs[spec["key"]] = org
        step(1, "orgs")

    r = data["round"]
    office = orgs[DEMO_OFFICE_KEY]
    rnd = InspectionRound(
        name=r["name"],
        inspection_team=r["inspection_team"],
        stay_start=r["stay_start"],
        stay_end=r["stay_end"],
        feedback_date=r["feedback_date"],
        target_region=r["target_region"],
        org_id=office.id or 0,
        org_path=office.path,
        office_org_id=orgs[DEMO_ROUND_OFFICE_KEY].id,
        created_at=_at(LEDGER_OPENED),
        updated_at=_at(LEDGER_OPENED),
    )
    session.add(rnd)
    await session.flush()
    assert rnd.id is not None

    for spec in data["issues"]:
        await _load_issue(session, rnd.id, spec, orgs)
        step(1, "issues")
    await load_demo_narrative(session, rnd.id, orgs)
    step(1, later[0])
    await load_demo_indicators(session, rnd.id, orgs)
    step(1, later[1])
    await load_demo_petitions(session, rnd, orgs)
    step(1, later[2])
    await load_demo_closures(session, rnd, orgs)
    step(1, later[3])
    root_key = next(o["key"] for o in data["orgs"] if not o.get("parent"))
    await create_demo_accounts(session, orgs, root_key, admin_password, demo_password)
    step(1, later[4])
    return rnd.id


async def _load_issue(session: AsyncSession, round_id: int, spec: dict[str, Any], orgs: dict[str, Org]) -> None:
    lead = orgs[spec["lead_org"]]
    status = IssueStatus(spec["status"])
    created = _at(LEDGER_OPENED)
    last_change = _at(spec.get("completed_on") or spec.get("started_on") or LEDGER_OPENED)
    issue = Issue(
        round_id=round_id,
        seq=spec["seq"],
        category=spec["category"],
        description=spec["description"],
        goal=spec.get("goal"),
        lead_org_id=lead.id or 0,
        org_path=lead.path,
        responsible_leader=spec.get("responsible_leader"),
        deadline=spec.get("deadline"),
        original_deadline=spec.get("deadline"),
        long_term=bool(spec.get("long_term")),
        status=status,
        on_schedule=spec.get("on_schedule"),
        illustrative=spec.get("illustrative") or [],
        created_at=created,
        updated_at=last_change,
    )
    session.add(issue)
    await session.flush()
    assert issue.id is not None
    session.add(IssueOrg(issue_id=issue.id, org_id=lead.id or 0, role="lead", org_path=lead.path))
    for key in dict.fromkeys(spec.get("responsible_orgs") or []):
        org = orgs[key]
        session.add(IssueOrg(issue_id=issue.id, org_id=org.id or 0, role="responsible", org_path=org.path))

    history: list[tuple[IssueStatus | None, IssueStatus, datetime]] = [(None, IssueStatus.not_started, created)]
    if status != IssueStatus.not_started:
        history.append((IssueStatus.not_started, IssueStatus.in_progress, _at(spec["started_on"])))
    if status in (IssueStatus.completed, IssueStatus.completed_long_term):
        history.append((IssueStatus.in_progress, status, _at(spec["completed_on"])))
    for from_status, to_status, at in history:
        session.add(
            IssueStatusChange(
                issue_id=issue.id, from_status=from_status, to_status=to_status, changed_by=DEMO_ACTOR, changed_at=at
            )
        )

    measure_orgs: dict[int, Org] = {}
    for position, m in enumerate(spec.get("measures") or [], start=1):
        unit: Org | None = orgs[m["responsible_org"]] if m.get("responsible_org") else None
        if unit is not None:
            measure_orgs[unit.id or 0] = unit
        session.add(
            Measure(
                issue_id=issue.id,
                seq=m.get("seq"),
                position=position,
                text=m["text"],
                responsible_org_id=unit.id if unit else None,
                org_path=unit.path if unit else lead.path,
                deadline=m.get("deadline"),
                original_deadline=m.get("deadline"),
                status=MeasureStatus(m.get("status") or "not_started"),
                illustrative=m.get("illustrative") or [],
                created_at=created,
                updated_at=last_change,
            )
        )
    for org in measure_orgs.values():  # a measure's org reads its issue (issues.links)
        session.add(IssueOrg(issue_id=issue.id, org_id=org.id or 0, role="measure", org_path=org.path))
    record_event(
        session,
        EventType.issue_created,
        "issue",
        issue.id,
        ev.IssueCreated(
            id=issue.id,
            round_id=round_id,
            seq=issue.seq,
            status=status.value,
            deadline=issue.deadline.isoformat() if issue.deadline else None,
            lead_org_id=issue.lead_org_id,
        ),
        org_path=lead.path,
    )
