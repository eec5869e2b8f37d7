"""Outbox events for what a scan wrote, in the scan's transaction (the notifier writes its own
rows: services never import each other).

On PostgreSQL the payloads are built by the database from the escalation rows, so a scan that
escalates thousands of tasks does not build, encode and send back a JSON document per row: a
created escalation's event is written by the statement that creates it (`with_events`: the
INSERT is a data-modifying CTE whose RETURNING rows the outbox INSERT reads, one pass over the
new rows), a resolved one's by one INSERT ... SELECT per batch (`_insert_in_sql`). SQLite (the
embedded default, small ledgers; no DML in a CTE) builds them in Python (`payload`) from the rows
its statements return. All three spell the same document.

Event ids are time-ordered like `rectify_shared.ids` and follow the order the scan wrote its rows
in (`EventIds`): the relay publishes the outbox by id.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Row,
    Select,
    String,
    Table,
    bindparam,
    case,
    func,
    insert,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy import text as sql_text
from sqlalchemy.sql.dml import Insert
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.escalation_states import EscalationState
from rectify_shared.events import EventType
from rectify_shared.events.workflow import EscalationData, EscalationResolved
from rectify_shared.ids import new_id
from rectify_shared.models import metadata
from rectify_shared.models.types import UTCDateTime

OUTBOX: Table = metadata.tables["outbox_event"]
CHUNK = 1000


class EventIds:
    """One scan's event ids: each run of ids starts at a `new_id()` (time-ordered, random low
    bits) and is consecutive from there, and every run starts after the last id handed out, so
    the ids follow the order the rows were written in across the scan's statements."""

    def __init__(self) -> None:
        self._last = 0

    def first(self) -> int:
        """The first id of the next run (`used` records how many it took)."""
        return max(new_id(), self._last + 1)

    def used(self, first: int, n: int) -> None:
        self._last = max(self._last, first + n - 1)

    def take(self, n: int) -> list[int]:
        first = self.first()
        self.used(first, n)
        return list(range(first, first + n))


#: the keys every escalation event carries, and the two `escalation.resolved` adds: the payload
#: model's fields (`rectify_shared.events.workflow`), so the three spellings below follow it
KEYS: tuple[str, ...] = tuple(EscalationData.model_fields)
RESOLVED_KEYS: tuple[str, ...] = tuple(k for k in EscalationResolved.model_fields if k not in KEYS)
#: keys whose value is not the escalation column of the same name
_NOT_COLUMNS = ("as_of", "resolved_as_of")
assert RESOLVED_KEYS == ("resolution", "resolved_as_of"), "the resolved payload's SQL names these two"


def payload(row: Row[Any], *, as_of: date) -> dict[str, Any]:
    data = {key: getattr(row, key) for key in KEYS}
    data["as_of"] = row.as_of.isoformat()
    if row.state == EscalationState.resolved:
        data["resolution"] = row.resolution
        data["resolved_as_of"] = as_of.isoformat()
    return data


def _pairs(alias: str) -> str:
    """`'id', e.id, 'level', e.level, …, 'as_of', to_char(e.as_of, …)` for `jsonb_build_object`."""
    cells = [f"'{k}', {alias}.{k}" for k in KEYS if k not in _NOT_COLUMNS]
    return ", ".join([*cells, f"'as_of', to_char({alias}.as_of, 'YYYY-MM-DD')"])


#: the same document as `payload`, built by PostgreSQL from the escalation row
_INSERT_IN_SQL = sql_text(
    f"""
    INSERT INTO outbox_event (id, created_at, event_type, aggregate_type, aggregate_id, org_path, in_feed, payload)
    SELECT ev.event_id, :now, :event_type, 'escalation', e.id, e.org_path, true,
           jsonb_build_object({_pairs("e")})
           || CASE WHEN e.state = '{EscalationState.resolved}'
                   THEN jsonb_build_object('resolution', e.resolution, 'resolved_as_of', CAST(:as_of AS text))
                   ELSE '{{}}'::jsonb END
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


#: what an event needs of the escalation row it describes: what the statement that writes the
#: row returns (`with_events`; the id first, which the scan's statements return already)
PAYLOAD_COLUMNS: tuple[str, ...] = (*KEYS, "resolution", "org_path")


def _payload_sql(e: Any, as_of: date) -> ColumnElement[Any]:
    """`payload` as PostgreSQL builds it from the escalation row `e` (`_INSERT_IN_SQL` spells the same)."""
    args: list[Any] = []
    for key in KEYS:
        if key not in _NOT_COLUMNS:
            args += [literal_column(f"'{key}'"), e[key]]
    args += [literal_column("'as_of'"), func.to_char(e["as_of"], literal_column("'YYYY-MM-DD'"))]
    resolved = func.jsonb_build_object(
        literal_column("'resolution'"), e["resolution"], literal_column("'resolved_as_of'"), literal(as_of.isoformat())
    )
    extra = case((e["state"] == EscalationState.resolved.value, resolved), else_=literal_column("'{}'::jsonb"))
    return func.jsonb_build_object(*args).op("||")(extra)


def with_events(stmt: Insert, event_type: EventType, *, first_id: int, as_of: date, now: datetime) -> Select[int]:
    """PostgreSQL: `stmt` (an escalation INSERT returning the id) and the outbox events of the
    rows it writes, in one statement; it returns how many rows it wrote. The events take ids
    `first_id`, `first_id` + 1, ... in the order of the rows' ids (the order they were written)."""
    e = metadata.tables["escalation"]
    created = stmt.returning(*(e.c[name] for name in PAYLOAD_COLUMNS[1:])).cte("created")
    event_id = literal(first_id, BigInteger) + func.row_number().over(order_by=created.c.id) - 1
    rows = select(
        event_id,
        literal(now, UTCDateTime()),
        literal(str(event_type), String),
        literal("escalation", String),
        created.c.id,
        created.c.org_path,
        true(),
        _payload_sql(created.c, as_of),
    )
    columns = ["id", "created_at", "event_type", "aggregate_type", "aggregate_id", "org_path", "in_feed", "payload"]
    events = insert(OUTBOX).from_select(columns, rows).cte("events")
    return select(func.count()).select_from(created).add_cte(events)


async def _insert_in_sql(
    session: AsyncSession,
    event_type: EventType,
    escalation_ids: list[int],
    event_ids: list[int],
    *,
    as_of: date,
    now: datetime,
) -> None:
    for start in range(0, len(escalation_ids), SQL_CHUNK):
        await session.execute(
            _INSERT_IN_SQL,
            {
                "now": now,
                "event_type": str(event_type),
                "as_of": as_of.isoformat(),
                "event_ids": event_ids[start : start + SQL_CHUNK],
                "escalation_ids": escalation_ids[start : start + SQL_CHUNK],
            },
        )


async def record_events(
    session: AsyncSession,
    event_type: EventType,
    rows: Sequence[Row[Any]],
    *,
    as_of: date,
    now: datetime,
    ids: EventIds | None = None,
) -> None:
    """One event per escalation row written (`rows`: the columns `sql.returned` names), ids
    (from `ids`) in the rows' order."""
    if not rows:
        return
    event_ids = (ids or EventIds()).take(len(rows))
    if session.get_bind().dialect.name == "postgresql":
        await _insert_in_sql(session, event_type, [row.id for row in rows], event_ids, as_of=as_of, now=now)
        return
    values = [
        {
            "id": event_id,
            "created_at": now,
            "event_type": str(event_type),
            "aggregate_type": "escalation",
            "aggregate_id": row.id,
            "org_path": row.org_path,
            "in_feed": True,
            "payload": payload(row, as_of=as_of),
        }
        for event_id, row in zip(event_ids, rows, strict=True)
    ]
    for start in range(0, len(values), CHUNK):
        await session.execute(insert(OUTBOX), values[start : start + CHUNK])
