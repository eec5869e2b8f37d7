"""Consuming ledger events. A job may run twice: the receipt's primary key makes it count once,
and the deliveries' unique key makes every message owed once (planned again on every arrival).
The receipt is written after the deliveries, so an event without one may still owe some: the
reconciler handles published events that have none."""

from typing import Any

import structlog
from arq import Retry
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.escalation_states import EscalationState
from rectify_shared.events import EventType
from rectify_shared.job_context import JobContext, job, job_session
from rectify_shared.jobs import EventEnvelope
from rectify_shared.models import (
    Escalation,
    EventReceipt,
    Issue,
    MessageTemplate,
    NotificationPreference,
    Org,
    OutboxEvent,
    UserAccount,
    WebhookSubscription,
)

from .delivery.engine import enqueue_send, record_deliveries
from .delivery.planner import DIGESTED_LEVELS, SCAN_ACTOR, PlanContext, plan, scan_digested
from .delivery.quiet import parse_quiet_hours
from .delivery.templates import ESCALATION_ISSUED, template_kind

log = structlog.get_logger("notifier.events")


async def record_receipt(sessions: async_sessionmaker[AsyncSession], event: EventEnvelope) -> bool:
    """Store the receipt; True if this is the first time the event arrived."""
    async with sessions() as session:
        dialect = session.bind.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(EventReceipt)
            .values(
                event_id=event.id,
                event_type=event.type,
                aggregate_type=event.aggregate_type,
                aggregate_id=event.aggregate_id,
                deliveries=1,
            )
            .on_conflict_do_nothing(index_elements=["event_id"])
        )
        first = (await session.execute(stmt)).rowcount == 1
        if not first:
            await session.execute(
                update(EventReceipt)
                .where(EventReceipt.event_id == event.id)
                .values(deliveries=EventReceipt.deliveries + 1)
            )
        await session.commit()
    return first


async def _one(session: AsyncSession, model: Any, row_id: Any) -> Any:
    return None if row_id is None else await session.get(model, row_id)


async def _active_users(session: AsyncSession, org_id: int | None) -> list[UserAccount]:
    if org_id is None:
        return []
    stmt = select(UserAccount).where(UserAccount.org_id == org_id, UserAccount.disabled_at.is_(None))
    return list((await session.execute(stmt.order_by(UserAccount.id))).scalars())


async def _preferences(session: AsyncSession, user_ids: list[int]) -> dict[int, list[Any]]:
    if not user_ids:
        return {}
    stmt = select(NotificationPreference).where(NotificationPreference.user_id.in_(user_ids))
    found: dict[int, list[Any]] = {}
    for p in (await session.execute(stmt)).scalars():
        found.setdefault(p.user_id, []).append(p)
    return found


async def _siblings(session: AsyncSession, e: Escalation) -> list[Escalation]:
    """The 预警/通报 the scan that issued `e` issued to the same unit (see `planner`)."""
    if not scan_digested(e):
        return []
    stmt = select(Escalation).where(
        Escalation.created_at == e.created_at,
        Escalation.addressed_org_id == e.addressed_org_id,
        Escalation.issued_by == SCAN_ACTOR,
        Escalation.level.in_(sorted(DIGESTED_LEVELS)),
        Escalation.state != EscalationState.withdrawn,
    )
    return list((await session.execute(stmt.order_by(Escalation.id))).scalars())


async def load_context(session: AsyncSession, event: EventEnvelope) -> tuple[str | None, PlanContext]:
    """The event's org path (from its outbox row) and the rows the planner reads."""
    ctx = PlanContext()
    ctx.subscriptions = list(
        (
            await session.execute(
                select(WebhookSubscription).where(
                    WebhookSubscription.active.is_(True), WebhookSubscription.disabled_at.is_(None)
                )
            )
        ).scalars()
    )
    org_path = None
    if event.id.isdigit():
        org_path = (
            await session.execute(select(OutboxEvent.org_path).where(OutboxEvent.id == int(event.id)))
        ).scalar_one_or_none()
    kind = template_kind(event.type, event.data)
    if kind == ESCALATION_ISSUED:
        ctx.escalation = await _one(session, Escalation, event.aggregate_id)
        if ctx.escalation is not None:
            ctx.issue = await _one(session, Issue, ctx.escalation.issue_id)
            ctx.org = await _one(session, Org, ctx.escalation.addressed_org_id)
            org_path = org_path or ctx.escalation.org_path
            ctx.siblings = await _siblings(session, ctx.escalation)
            ids = {x.issue_id for x in ctx.siblings if x.issue_id is not None}
            if ids:
                found = await session.execute(select(Issue).where(Issue.id.in_(sorted(ids))))
                ctx.sibling_issues = {i.id or 0: i for i in found.scalars()}
            issuer = await _one(session, Org, ctx.escalation.issuer_org_id)
            if issuer is not None:  # the round's office signs the letter
                ctx.variables["office_name"] = issuer.name
    elif kind == EventType.issue_status_changed:
        ctx.issue = await _one(session, Issue, event.aggregate_id)
        ctx.org = await _one(session, Org, ctx.issue.lead_org_id if ctx.issue else None)
    elif kind == EventType.progress_reported:
        ctx.issue = await _one(session, Issue, event.data.get("issue_id"))
        reporter = await _one(session, Org, event.data.get("reporting_org_id"))
        ctx.variables["reporting_org_name"] = reporter.name if reporter else ""
    if kind is not None:
        ctx.users = await _active_users(session, ctx.org.id if ctx.org else None)
        ctx.preferences = await _preferences(session, [u.id for u in ctx.users if u.id is not None])
        templates = await session.execute(select(MessageTemplate).where(MessageTemplate.event_type == kind))
        target = ctx.org.path if ctx.org is not None else (org_path or "")
        ctx.overrides = nearest_templates(templates.scalars(), target)
    if ctx.issue is not None:
        ctx.leader = ctx.issue.responsible_leader
        org_path = org_path or ctx.issue.org_path
    return org_path, ctx


def nearest_templates(rows: Any, target_path: str) -> dict[tuple[str, str], Any]:
    """Per (event type, channel), the row of the org nearest above `target_path` (the longest
    owning path that prefixes it; '/' is the old system-wide row). Another subtree's rows never apply."""
    chosen: dict[tuple[str, str], Any] = {}
    for row in rows:
        owner = row.org_path or "/"
        if owner != "/" and not target_path.startswith(owner):
            continue
        key = (row.event_type, row.channel)
        if key not in chosen or len(owner) > len(chosen[key].org_path or "/"):
            chosen[key] = row
    return chosen


async def plan_deliveries(ctx: JobContext, event: EventEnvelope) -> list[int]:
    """Record what the event owes (once, however often it arrives); the ids still to be sent."""
    settings = ctx.get("settings")
    quiet = parse_quiet_hours(settings.sms_quiet_hours) if settings is not None else None
    async with job_session(ctx) as session:
        org_path, context = await load_context(session, event)
        ids = await record_deliveries(session, event, plan(event, org_path, context), org_path=org_path, quiet=quiet)
        await session.commit()
    return ids


@job
async def handle_event(ctx: JobContext, payload: dict[str, Any]) -> str:
    event = EventEnvelope.model_validate(payload)
    try:
        ids = await plan_deliveries(ctx, event)
    except Exception as exc:  # e.g. the database went away: arq runs the job again later
        log.warning("event_planning_failed", event_id=event.id, error=str(exc))
        raise Retry(defer=min(5 * ctx.get("job_try", 1), 60)) from exc
    # the receipt only after the deliveries are recorded: the reconciler re-handles events without
    # one, so a job that dies (and is lost with Redis) before planning is never taken as done
    first = await record_receipt(ctx["write_sessions"], event)
    redis, settings = ctx.get("redis"), ctx.get("settings")
    if redis is not None and settings is not None:
        try:
            for delivery_id in ids:
                await enqueue_send(redis, settings.queue_prefix, delivery_id, 0)
        except Exception as exc:  # the rows are committed: the sweeper enqueues what is missing
            log.warning("delivery_enqueue_failed", event_id=event.id, error=str(exc))
    log.info(
        "event_received" if first else "event_repeat",
        event_id=event.id,
        type=event.type,
        aggregate=f"{event.aggregate_type}:{event.aggregate_id}",
        deliveries=len(ids),
    )
    return "received" if first else "repeat"
