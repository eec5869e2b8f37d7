"""Closures as the API shows them (assembled from the row, its steps, objections and evidence)."""

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import CLOSURE_STATE_TEXT, ClosureState
from rectify_shared.models import Closure, Org

from ..auth.principal import Principal
from ..objections.visibility import sees_objectors
from ..orgs.schemas import OrgRef
from . import repository
from .schemas import ClosureRead, ClosureSummary, ContactLine, LevelRead, ObjectionRead, PublicityRead, StepRead


def summary(c: Closure) -> ClosureSummary:
    assert c.id is not None
    state = ClosureState(c.state)
    return ClosureSummary(
        id=c.id,
        issue_id=c.issue_id,
        petition_case_id=c.petition_case_id,
        round_id=c.round_id,
        state=state,
        state_text=CLOSURE_STATE_TEXT[state],
        applicant_org_id=c.applicant_org_id,
        accepted_levels=c.accepted_levels,
        step_due=c.step_due,
        publicity_end=c.publicity_end,
        updated_at=c.updated_at,
    )


def publicity_of(c: Closure, issuer: str = "") -> PublicityRead | None:
    """`issuer`: the name of the org issuing the notice (when one other than the office was chosen)."""
    if c.publicity_start is None or c.publicity_end is None:
        return None
    return PublicityRead(
        start=c.publicity_start,
        end=c.publicity_end,
        days=c.publicity_days or 0,
        day_kind=c.publicity_day_kind or "working",
        medium=c.publicity_medium or "",
        contact=c.publicity_contact or "",
        legal_basis=c.publicity_legal_basis,
        issuer=OrgRef(id=c.publicity_issuer_org_id, name=issuer) if c.publicity_issuer_org_id else None,
        contacts=[ContactLine(**line) for line in c.publicity_contacts or []],
        attachment_title=c.publicity_attachment_title,
        closing=c.publicity_closing,
        days_shown=c.publicity_days_shown,
        provisional=c.publicity_provisional,
    )


async def closure_read(session: AsyncSession, c: Closure, viewer: Principal) -> ClosureRead:
    """`viewer`: objectors' names and contacts only for the office deciding objections."""
    assert c.id is not None
    steps = await repository.steps_of(session, c.id)
    # the acceptance of each level in the current round of the workflow (after the last application)
    last_apply = max((s.id or 0 for s in steps if s.action == "apply"), default=0)
    accepted = {s.level: s for s in steps if s.action == "accept" and (s.id or 0) > last_apply}
    levels = []
    for n, lv in enumerate(c.levels, start=1):
        step = accepted.get(n)
        levels.append(
            LevelRead(
                level=n,
                kind=str(lv["kind"]),
                org=OrgRef(id=int(lv["org_id"]), name=str(lv["org_name"])),
                accepted_by=step.actor if step else None,
                accepted_at=step.at if step else None,
                comment=step.comment if step else None,
            )
        )
    objections = await repository.objections_of(session, c.id)
    issuer = await session.get(Org, c.publicity_issuer_org_id) if c.publicity_issuer_org_id else None
    personal = sees_objectors(viewer, c)
    return ClosureRead(
        **summary(c).model_dump(),
        statement=c.statement,
        levels=levels,
        next_level=c.accepted_levels + 1 if c.state == ClosureState.accepting else None,
        publicity=publicity_of(c, issuer.name if issuer else ""),
        last_reason=c.last_reason,
        applied_at=c.applied_at,
        applied_by=c.applied_by,
        written_off_at=c.written_off_at,
        steps=[
            StepRead(
                id=s.id or 0,
                action=s.action,
                from_state=s.from_state,
                to_state=s.to_state,
                level=s.level,
                org_id=s.org_id,
                actor=s.actor,
                actor_org_id=s.actor_org_id,
                comment=s.comment,
                at=s.at,
            )
            for s in steps
        ],
        objections=[
            ObjectionRead(
                id=o.id or 0,
                name=o.name if personal else "",
                contact=o.contact if personal else "",
                objector_withheld=not personal,
                content=o.content,
                source=o.source,
                filed_at=o.filed_at,
                decision=o.decision,  # type: ignore[arg-type]
                decision_reason=o.decision_reason,
                decided_by=o.decided_by,
                decided_at=o.decided_at,
            )
            for o in objections
        ],
        attachment_ids=await repository.attachment_ids_of(session, c.id),
    )
