"""Outbox events for what a scan wrote, in the scan's transaction (the notifier writes its own
rows: services never import each other).

On PostgreSQL the events are one INSERT ... SELECT per batch: the payloads are built by the
database from the escalation rows just written (`_insert_in_sql`), so a scan that escalates
thousands of tasks does not build, encode and send back a JSON document per row. SQLite (the
embedded default, small ledgers) builds them in Python (`payload`); both spell the same
document, and the ids are made here either way (`rectify_shared.ids`).
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, Row, String, Table, bindparam, insert
from sqlalchemy import text as sql_text
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.ids import new_id
from rectify_shared.models import metadata
from rectify_shared.models.types import UTCDateTime

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


#: the same document as `payload`, built by PostgreSQL from the escalation row
_INSERT_IN_SQL = sql_text(
    """
    INSERT INTO outbox_event (id, created_at, event_type, aggregate_type, aggregate_id, org_path, in_feed, payload)
    SELECT ev.event_id, :now, :event_type, 'escalation', e.id, e.org_path, true,
           jsonb_build_object(
               'id', e.id, 'level', e.level, 'state', e.state, 'rule', e.rule, 'issue_id', e.issue_id,
               'measure_id', e.measure_id, 'dispatch_round_id', e.dispatch_round_id,
               'petition_case_id', e.petition_case_id, 'addressed_org_id', e.addressed_org_id,
               'reason', e.reason, 'as_of', to_char(e.as_of, 'YYYY-MM-DD')
           )
           || CASE WHEN e.state = 'resolved'
                   THEN jsonb_build_object('resolution', e.resolution, 'resolved_as_of', CAST(:as_of AS text))
                   ELSE '{}'::jsonb END
    FROM unnest(:event_ids, :escalation_ids) AS ev(event_id, escalation_id)
    JOIN escalation e ON e.id = ev.escalation_id
    -- the rows by their key: joined as a hash over the whole table, the plan PostgreSQL picks
    -- for an unnest of unknown length, this statement took 4x as long at 10,000 escalations
    WHERE e.id = ANY(:escalation_ids)
    """
).bindparams(
    bindparam("now", type_=UTCDateTime()),
    bindparam("event_type", type_=String()),
    bindparam("as_of", type_=String()),
    bindparam("event_ids", type_=ARRAY(BigInteger())),
    bindparam("escalation_ids", type_=ARRAY(BigInteger())),
)
#: escalation rows per set-based outbox INSERT (two array parameters, whatever the count)
SQL_CHUNK = 20_000


async def _insert_in_sql(
    session: AsyncSession, event_type: str, escalation_ids: list[int], *, as_of: date, now: datetime
) -> None:
    event_ids = _ids(len(escalation_ids))
    for start in range(0, len(escalation_ids), SQL_CHUNK):
        await session.execute(
            _INSERT_IN_SQL,
            {
                "now": now,
                "event_type": event_type,
                "as_of": as_of.isoformat(),
                "event_ids": event_ids[start : start + SQL_CHUNK],
                "escalation_ids": escalation_ids[start : start + SQL_CHUNK],
            },
        )


async def record_events(
    session: AsyncSession, event_type: str, rows: Sequence[Row[Any]], *, as_of: date, now: datetime
) -> None:
    """One event per escalation row written (`rows`: the columns `sql.returned` names), ids
    in the rows' order."""
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        await _insert_in_sql(session, event_type, [row.id for row in rows], as_of=as_of, now=now)
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
