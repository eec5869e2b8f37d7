"""Outbox events for what a scan wrote, in the scan's transaction (the notifier writes its own
rows: services never import each other)."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Table, insert
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.ids import new_id
from rectify_shared.models import metadata

OUTBOX: Table = metadata.tables["outbox_event"]
CHUNK = 1000


def _ids(n: int) -> list[int]:
    """n distinct ids: a burst within one millisecond could otherwise draw the same random bits."""
    ids: set[int] = set()
    while len(ids) < n:
        ids.add(new_id())
    return sorted(ids)


def payload(row: Row[Any], *, as_of: date) -> dict[str, Any]:
    data = {
        "id": row.id,
        "level": row.level,
        "state": row.state,
        "rule": row.rule,
        "issue_id": row.issue_id,
        "measure_id": row.measure_id,
        "dispatch_round_id": row.dispatch_round_id,
        "petition_case_id": row.petition_case_id,
        "addressed_org_id": row.addressed_org_id,
        "reason": row.reason,
        "as_of": row.as_of.isoformat(),
    }
    if row.state == "resolved":
        data["resolution"] = row.resolution
        data["resolved_as_of"] = as_of.isoformat()
    return data


async def record_events(
    session: AsyncSession, event_type: str, rows: Sequence[Row[Any]], *, as_of: date, now: datetime
) -> None:
    if not rows:
        return
    values = [
        {
            "id": event_id,
            "created_at": now,
            "event_type": event_type,
            "aggregate_type": "escalation",
            "aggregate_id": row.id,
            "org_path": row.org_path,
            "in_feed": True,
            "payload": payload(row, as_of=as_of),
        }
        for event_id, row in zip(_ids(len(rows)), rows, strict=True)
    ]
    for start in range(0, len(values), CHUNK):
        await session.execute(insert(OUTBOX), values[start : start + CHUNK])
