"""Scans that can be rehearsed and undone.

A dry run is a scan in a transaction that is rolled back: before the rollback the rows the scan
wrote (they carry its moment in `created_at` / `resolved_at`) are read into a report of what it
would create, climb (rules with `after_level`) and resolve; nothing is kept, no event leaves, so
nothing is sent. Withdrawing a scan withdraws every escalation it created that is still in force,
in one transaction with their `escalation.withdrawn` events, and suppresses their messages not
yet sent; the person's act itself is audited by issues-api when it is asked for.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import delivery_states
from rectify_shared.escalation_policy import LEVEL_TEXT, Level, Policy
from rectify_shared.escalation_state import withdraw_where
from rectify_shared.escalation_states import EscalationState
from rectify_shared.events import EventType
from rectify_shared.models import metadata
from rectify_shared.models.types import UTCDateTime, utcnow

from ..delivery.planner import scan_digest_key
from . import outbox, sql
from .model import OPEN_STATES

SR = metadata.tables["scan_request"]
D = metadata.tables["delivery"]
#: rows listed by name in a dry run's report (the counts are always whole)
LISTED = 500
WITHDRAWN = EventType.escalation_withdrawn
#: a delivery not sent yet (waiting, deferred to the morning, or held for a digest)
UNSENT = delivery_states.UNSENT_STATES


def climbing_rules(policies: list[Policy]) -> set[str]:
    return {r.id for p in policies for r in p.rules if r.after_level is not None}


def _line(row: Any) -> dict[str, Any]:
    return {
        "level": row.level, "level_text": LEVEL_TEXT[Level(row.level)], "rule": row.rule, "state": row.state,
        "issue_id": row.issue_id, "dispatch_round_id": row.dispatch_round_id, "addressed_org_id": row.addressed_org_id,
        "reason": row.reason, "measures": (row.trigger or {}).get("measures"),
    }  # fmt: skip


async def dry_run_report(session: AsyncSession, at: datetime, climbing: set[str]) -> dict[str, Any]:
    """What the scan that ran at `at` in this (uncommitted) transaction wrote."""
    E = sql.E
    moment = sql.literal(at, UTCDateTime())
    created = (await session.execute(select(E).where(E.c.created_at == moment).order_by(E.c.id))).all()
    resolved = (
        await session.execute(
            select(E)
            .where(E.c.resolved_at == moment, E.c.created_at != moment, E.c.state == EscalationState.resolved)
            .order_by(E.c.id)
        )
    ).all()
    new = [r for r in created if r.rule not in climbing]
    climbed = [r for r in created if r.rule in climbing]
    return {
        "created": len(new),
        "climbed": len(climbed),
        "resolved": len(resolved),
        "would_create": [_line(r) for r in new[:LISTED]],
        "would_climb": [_line(r) for r in climbed[:LISTED]],
        "would_resolve": [{**_line(r), "id": r.id, "resolution": r.resolution} for r in resolved[:LISTED]],
    }


async def withdraw_scan(sessions: async_sessionmaker[AsyncSession], scan_id: int) -> int | None:
    """Withdraw what scan `scan_id` created (once: a second run finds the request done). None when
    no withdrawal was asked for."""
    async with sessions() as session:
        req = (
            await session.execute(
                select(SR.c.withdraw_state, SR.c.withdrawn_reason, SR.c.withdrawn_by).where(SR.c.id == scan_id)
            )
        ).first()
        if req is None or req.withdraw_state != "requested":
            await session.rollback()
            return None
        now = utcnow()
        reason = req.withdrawn_reason or "撤回整次扫描"
        E = sql.E
        ids = select(E.c.id).where(E.c.scan_id == scan_id, E.c.state.in_(OPEN_STATES)).order_by(E.c.id)
        if session.get_bind().dialect.name == "postgresql":
            ids = ids.with_for_update()
        rows = (
            await session.execute(withdraw_where(ids, reason=reason, now=now).returning(*sql.RETURNED, E.c.created_at))
        ).all()
        rows = sorted(rows, key=lambda r: r.id)
        if rows:
            as_of = rows[0].as_of
            await outbox.record_events(session, WITHDRAWN, rows, as_of=as_of, now=now)
            keys = [f"escalation:{r.id}:issued" for r in rows]
            # a scan's digest to a unit goes too (a whole scan is withdrawn, so all it announced)
            keys += sorted({scan_digest_key(r.created_at, r.addressed_org_id) for r in rows})
            for start in range(0, len(keys), 500):
                await session.execute(
                    update(D)
                    .where(and_(D.c.event_id.in_(keys[start : start + 500]), D.c.state.in_(UNSENT)))
                    .values(
                        state=delivery_states.DeliveryState.suppressed, last_error="escalation withdrawn with its scan"
                    )
                )
        await session.execute(
            update(SR).where(SR.c.id == scan_id).values(withdraw_state="done", withdrawn_count=len(rows))
        )
        await session.commit()
    return len(rows)
