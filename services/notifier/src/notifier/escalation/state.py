"""Loading the pure ladder's inputs from the database: for the few rules the scan runs in Python
(attestation, repeated, their resolution) and for tests that check the SQL against the ladder."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, true
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import metadata
from rectify_shared.timezone import CHINA_TZ, end_of_day

from .model import ATTESTING_ISSUE_STATUS, Item, Obligation, PastEscalation, Unit
from .sql import DO, DR, E, I, M, O


async def load_items(
    session: AsyncSession, as_of: date, *, where_issue: Any = None, where_measure: Any = None, measures: bool = True
) -> list[Item]:
    """Issues (filtered by `where_issue`) and their measures (by `where_measure`), with their
    latest progress report up to `as_of` (China date)."""
    lead = O.alias("lead_org")
    issue_rows = (
        await session.execute(
            select(I, lead.c.parent_id.label("parent_id"), lead.c.path.label("lead_path"))
            .select_from(I.join(lead, lead.c.id == I.c.lead_org_id))
            .where(where_issue if where_issue is not None else true())
        )
    ).all()
    progress = await _last_progress(session, [r.id for r in issue_rows], as_of)
    items = [
        Item(
            kind="issue",
            issue_id=r.id,
            measure_id=None,
            round_id=r.round_id,
            deadline=r.deadline,
            status=r.status,
            org_id=r.lead_org_id,
            parent_org_id=r.parent_id,
            leader=r.responsible_leader,
            org_path=r.org_path,
            long_term=r.long_term,
            attestation_cycle=r.attestation_cycle,
            last_progress_at=progress.get(r.id),
            withdrawn=r.withdrawn_at is not None,
            period=r.deadline,
            unit_path=r.lead_path,
        )
        for r in issue_rows
    ]
    if not measures:
        return items
    org = O.alias("responsible_org")
    org_id = func.coalesce(M.c.responsible_org_id, I.c.lead_org_id)
    measure_rows = (
        await session.execute(
            select(
                M.c.id, M.c.issue_id, M.c.deadline, M.c.status, M.c.org_path, M.c.withdrawn_at,
                I.c.round_id, I.c.status.label("issue_status"), I.c.responsible_leader,
                I.c.withdrawn_at.label("issue_withdrawn_at"), org.c.id.label("org_id"), org.c.parent_id,
                I.c.deadline.label("issue_deadline"), org.c.path.label("unit_path"),
            )
            .select_from(M.join(I, I.c.id == M.c.issue_id).join(org, org.c.id == org_id))
            .where(where_measure if where_measure is not None else true())
        )
    ).all()  # fmt: skip
    items += [
        Item(
            kind="measure",
            issue_id=r.issue_id,
            measure_id=r.id,
            round_id=r.round_id,
            deadline=r.deadline,
            status=r.status,
            org_id=r.org_id,
            parent_org_id=r.parent_id,
            leader=r.responsible_leader,
            org_path=r.org_path,
            issue_status=r.issue_status,
            withdrawn=r.withdrawn_at is not None or r.issue_withdrawn_at is not None,
            period=r.issue_deadline,
            unit_path=r.unit_path,
        )
        for r in measure_rows
    ]
    return items


async def _last_progress(session: AsyncSession, issue_ids: Sequence[int], as_of: date) -> dict[int, date]:
    if not issue_ids:
        return {}
    pr = metadata.tables["progress_report"].c
    rows = (
        await session.execute(
            select(pr.issue_id, func.max(pr.reported_at))
            .where(pr.issue_id.in_(issue_ids), pr.withdrawn_at.is_(None), pr.reported_at < end_of_day(as_of))
            .group_by(pr.issue_id)
        )
    ).all()
    return {issue_id: at.astimezone(CHINA_TZ).date() for issue_id, at in rows if at is not None}


async def load_attesting(session: AsyncSession, round_ids: list[int], as_of: date) -> list[Item]:
    condition = and_(
        I.c.round_id.in_(round_ids),
        I.c.status == ATTESTING_ISSUE_STATUS,
        I.c.attestation_cycle.is_not(None),
        I.c.withdrawn_at.is_(None),
    )
    return await load_items(session, as_of, where_issue=condition, measures=False)


async def load_subject_items(session: AsyncSession, subjects: set[str], as_of: date) -> list[Item]:
    """The tasks named by subjects "i<id>" / "m<id>"."""
    issue_ids = [int(s[1:]) for s in subjects if s.startswith("i")]
    measure_ids = [int(s[1:]) for s in subjects if s.startswith("m")]
    items: list[Item] = []
    if issue_ids:
        items += await load_items(session, as_of, where_issue=I.c.id.in_(issue_ids), measures=False)
    if measure_ids:
        only_measures = I.c.id.in_(select(M.c.issue_id).where(M.c.id.in_(measure_ids)))
        loaded = await load_items(session, as_of, where_issue=only_measures, where_measure=M.c.id.in_(measure_ids))
        items += [i for i in loaded if i.kind == "measure"]
    return items


async def load_units(session: AsyncSession, subjects: set[str]) -> dict[str, Unit]:
    org_ids = [int(s[1:]) for s in subjects if s.startswith("o")]
    if not org_ids:
        return {}
    rows = (await session.execute(select(O.c.id, O.c.parent_id, O.c.path).where(O.c.id.in_(org_ids)))).all()
    return {f"o{r.id}": Unit(r.id, r.parent_id, r.path) for r in rows}


async def load_obligations(session: AsyncSession, round_ids: list[int] | None = None) -> list[Obligation]:
    stmt = select(
        DO.c.dispatch_round_id, DR.c.round_id, DO.c.org_id, O.c.parent_id, DO.c.org_path,
        DR.c.cutoff, DO.c.reported_at, DR.c.period,
    ).select_from(DO.join(DR, DR.c.id == DO.c.dispatch_round_id).join(O, O.c.id == DO.c.org_id))  # fmt: skip
    if round_ids is not None:
        stmt = stmt.where(DR.c.round_id.in_(round_ids))
    return [
        Obligation(
            r.dispatch_round_id, r.round_id, r.org_id, r.parent_id, r.org_path,
            r.cutoff.astimezone(CHINA_TZ).date(), r.reported_at is not None, r.period,
        )
        for r in (await session.execute(stmt)).all()
    ]  # fmt: skip


async def load_escalations(session: AsyncSession, *conditions: ColumnElement[bool]) -> list[PastEscalation]:
    """Escalations with their subject org (for a dispatch escalation: the unit, found by its path)."""
    unit = O.alias("unit")
    stmt = select(E, unit.c.id.label("unit_id")).select_from(
        E.outerjoin(unit, and_(E.c.issue_id.is_(None), unit.c.path == E.c.org_path))
    )
    rows = (await session.execute(stmt.where(*conditions).order_by(E.c.id))).all()
    return [
        PastEscalation(
            id=r.id, round_id=r.round_id, issue_id=r.issue_id, measure_id=r.measure_id, level=r.level,
            as_of=r.as_of, state=r.state, dedupe_key=r.dedupe_key, org_id=r.unit_id,
            dispatch_round_id=r.dispatch_round_id, rule=r.rule, trigger=r.trigger or {}, issued_on=r.issued_on,
            closure_id=r.closure_id,
        )
        for r in rows
    ]  # fmt: skip
