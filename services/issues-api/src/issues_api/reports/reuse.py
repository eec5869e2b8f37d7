"""The same report request on unchanged data gets the report already made (or being made).

Two things decide it:
- the request key: a hash of everything the report is *of* — kind, format, round, as-of day,
  org (its path) and the kind's parameters, including whether the caller's scope is exact —
  and of the kind's renderer version (`rectify_shared.report_versions`), so a file made by an
  older renderer is not reused after a deploy;
- the data version: the state of the outbox when the request was made. Every write that can
  change a report goes through the outbox in its own transaction (ledger, progress, calendar,
  dispatch, escalations — the notifier's included —, the narrative and the escalation policy),
  so "no new outbox row" means "no new data".

The outbox relay gives committed rows their position after the commit, so a committed row may
not have one yet. The version is therefore (highest position, number of rows still without one),
read in one statement (one snapshot): a new row raises the count, and positioning rows raises
the highest position, so the pair never comes back to an earlier value once anything was written.
Rows that change no report (report and scan requests) are left out; everything else counts, so
the worst a harmless event can do is cost a new render, never return a stale file.

A report requested on version V is rendered after the request, so on data at V or later; it is
reused only while the version still is V, that is while nothing has been written since.
"""

import hashlib
import json
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ReportState
from rectify_shared.events import EventType, InternalEventType
from rectify_shared.models import OutboxEvent, ReportJob
from rectify_shared.report_versions import renderer_version

#: outbox events that record a request or a finished report, not a change of the data reports are made of
NOT_DATA = (
    InternalEventType.report_requested,
    InternalEventType.scan_requested,
    InternalEventType.scan_withdraw_requested,
    EventType.report_done,
)
#: a failed report is never reused: asking again renders it again
REUSABLE_STATES = (ReportState.done, ReportState.queued, ReportState.running)


def request_key(kind: str, fmt: str, round_id: int, as_of: date, org_path: str, params: dict[str, Any]) -> str:
    request = {"kind": kind, "format": fmt, "round_id": round_id, "as_of": as_of.isoformat(), "org": org_path}
    canonical = json.dumps(
        {**request, "renderer": renderer_version(kind), **params},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


async def data_version(session: AsyncSession) -> str:
    """`"<highest id>.<count>"` of the outbox's data events.

    Every write that can change a report adds a data event in its own transaction, so a new
    commit raises the count (an event with a lower id committing late still does); the relay
    giving events their feed positions changes neither figure, so it does not defeat reuse.
    """
    data_events = col(OutboxEvent.event_type).not_in(NOT_DATA)
    top, count = (
        await session.execute(select(func.coalesce(func.max(col(OutboxEvent.id)), 0), func.count()).where(data_events))
    ).one()
    return f"{top}.{count}"


async def find_reusable(session: AsyncSession, key: str, version: str) -> ReportJob | None:
    """The newest report of this request on this data that is done or on its way."""
    stmt = (
        select(ReportJob)
        .where(
            col(ReportJob.request_key) == key,
            col(ReportJob.data_version) == version,
            col(ReportJob.state).in_(REUSABLE_STATES),
        )
        .order_by(col(ReportJob.id).desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalars().first()
