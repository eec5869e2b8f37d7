"""Load the demo closures (验收 → 公示 → 销号): one task written off after a 10-working-day notice,
one whose notice is running the day the demo loads (so the public notice pages show it).

Direct rows with their full step history (apply → review → each acceptance level → publicity
→ write-off) on the file's dates; the notice's end is computed on the work calendar, as the
API computes it. Contents are illustrative (see the YAML's header). Like the rest of the demo's
history, the steps leave no outbox events: the change feed of a fresh demo holds the ledger's
12 `issue.created` only.
"""

from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import load_calendar
from rectify_shared.closure_workflow import DEFAULT_CLOSURE_POLICY, OrgNode, acceptors, publicity_end
from rectify_shared.enums import ClosureState, IssueStatus
from rectify_shared.models import Closure, ClosureStep, InspectionRound, Issue, IssueStatusChange, Org
from rectify_shared.timezone import CHINA_TZ, today

from ..closures.repository import org_chain

DEMO_FILE = "xilinguole_closures.yaml"
S = ClosureState


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA_TZ)


def _day(spec: dict[str, Any], key: str = "date") -> date:
    """A fixed date (`date`, `start`) or one `days_before` the day the demo loads."""
    if key in spec:
        value: date = spec[key]
        return value
    return today() - timedelta(days=int(spec["days_before"]))


def _actor_org(orgs: dict[str, Org], actor: str) -> int | None:
    """The org of a demo account: a unit operator's key is its org's; `admin` sits at the root."""
    if actor in orgs and orgs[actor].kind != "office":
        return orgs[actor].id
    return next((o.id for o in orgs.values() if o.parent_id is None), None) if actor == "admin" else None


async def load_demo_closures(session: AsyncSession, rnd: InspectionRound, orgs: dict[str, Org]) -> None:
    data: dict[str, Any] = yaml.safe_load(resources.files("issues_api.demo").joinpath(DEMO_FILE).read_text("utf-8"))
    for spec in data["closures"]:
        await _load_closure(session, rnd, spec, orgs)


async def _load_closure(
    session: AsyncSession, rnd: InspectionRound, spec: dict[str, Any], orgs: dict[str, Org]
) -> None:
    issue = (
        (await session.execute(select(Issue).where(col(Issue.round_id) == rnd.id, col(Issue.seq) == spec["issue_seq"])))
        .scalars()
        .one()
    )
    lead = await session.get(Org, issue.lead_org_id)
    assert lead is not None and issue.id is not None
    policy = DEFAULT_CLOSURE_POLICY
    chain = [OrgNode(o.id or 0, o.kind, o.name) for o in await org_chain(session, lead)]
    applicant = orgs[spec["applicant"]]
    levels: list[dict[str, Any]] = [
        {"kind": kind, "org_id": node.id, "org_name": node.name}
        for kind, node in acceptors(policy, chain, applicant_id=applicant.id)
    ]
    applied = spec.get("applied_on") or today() - timedelta(days=int(spec["applied_days_before"]))
    notice = spec["publicity"]
    start = _day(notice, "start")
    end, provisional = publicity_end(await load_calendar(session), start, notice["days"], notice["day_kind"])
    written = spec.get("writeoff")
    closure = Closure(
        issue_id=issue.id,
        round_id=issue.round_id,
        org_path=issue.org_path,
        applicant_org_id=applicant.id or 0,
        state=S.written_off if written else S.in_publicity,
        statement=" ".join(spec["statement"].split()),
        levels=levels,
        accepted_levels=len(levels),
        step_due=None if written else end,
        publicity_start=start,
        publicity_end=end,
        publicity_days=notice["days"],
        publicity_day_kind=notice["day_kind"],
        publicity_medium=notice["medium"],
        publicity_contact=notice["contact"],
        publicity_provisional=provisional,
        applied_at=_at(applied),
        applied_by=spec["applicant"],
        written_off_at=_at(_day(written)) if written else None,
        written_off_by=written["actor"] if written else None,
        updated_at=_at(_day(written) if written else start),
    )
    session.add(closure)
    await session.flush()
    assert closure.id is not None

    steps: list[tuple[str, str | None, str, date, str, str | None, int | None, int | None]] = [
        ("apply", None, S.applied, applied, spec["applicant"], closure.statement, None, applicant.id),
        ("review", S.applied, S.accepting, _day(spec["review"]), spec["review"]["actor"], spec["review"]["comment"],
         None, lead.id),
    ]  # fmt: skip
    for n, (level, act) in enumerate(zip(levels, spec["accept"], strict=True), start=1):
        stage = S.accepted if n == len(levels) else S.accepting
        steps.append(("accept", S.accepting, stage, _day(act), act["actor"], act["comment"], n, int(level["org_id"])))
    steps.append(("publicity", S.accepted, S.in_publicity, start, "admin", notice["medium"], None, None))
    if written:
        steps.append(("writeoff", S.in_publicity, S.written_off, _day(written), written["actor"], written["comment"],
                      None, None))  # fmt: skip
    for action, before, to, day, actor, comment, level_no, org_id in steps:
        session.add(
            ClosureStep(
                closure_id=closure.id,
                action=action,
                from_state=before,
                to_state=to,
                level=level_no,
                org_id=org_id,
                actor=actor,
                actor_org_id=_actor_org(orgs, actor),
                comment=comment,
                at=_at(day),
            )
        )
    if written:
        # the ledger follows the workflow: written off → closed, recorded on the day
        session.add(
            IssueStatusChange(
                issue_id=issue.id,
                from_status=issue.status,
                to_status=IssueStatus.closed,
                changed_by=written["actor"],
                changed_at=_at(_day(written)),
                reason=written["comment"],
            )
        )
        issue.status, issue.updated_at = IssueStatus.closed, _at(_day(written))
