"""Set-based resolution: one UPDATE per cause that went away, locking rows in id order.

The UPDATEs for a cause the ledger holds (task closed, deadline moved, dispatch reported, a
petition source's) skip the escalations the running scan itself created (`created_at` is the
scan's `now`): the scan created each of them because its cause held, in the same transaction, so
none can be resolved by it, and a scan that escalates 100,000 tasks would otherwise check every
one of them against its task again (a third of the scan's time beyond its INSERTs, measured).
A task closed by another transaction that commits between the scan's INSERT and its UPDATE has its
new escalation resolved by the next scan, as when it commits just after the UPDATE.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, literal, not_, or_, select
from sqlalchemy.sql.dml import Update

from rectify_shared.escalation_state import resolve_where
from rectify_shared.models.types import UTCDateTime

from .model import OPEN_STATES
from .sql import DO, E, I, M, date_text, id_text, issue_open, measure_open, returned, text


def resolve_in_force(dialect: str, condition: Any, resolution: str, now: datetime, *, by_cause: bool = True) -> Update:
    """UPDATE the escalations in force that `condition(candidate)` selects to resolved, locking them in id order.
    `by_cause`: the condition is a cause the ledger holds, so this scan's own escalations (created at
    `now`) are not candidates (see the module's doc)."""
    candidate = E.alias("candidate")
    ids = select(candidate.c.id).where(candidate.c.state.in_(OPEN_STATES), condition(candidate))
    if by_cause:
        ids = ids.where(candidate.c.created_at != literal(now, UTCDateTime()))
    ids = ids.order_by(candidate.c.id)
    if dialect == "postgresql":
        ids = ids.with_for_update()
    return resolve_where(ids, resolution=resolution, now=now).returning(*returned(dialect))


def _task(kind: str, c: Any) -> tuple[Any, Any, Any]:
    """(the candidate's subject filter, the subject's rows, its id match) for measures or issues."""
    if kind == "measure":
        return c.c.measure_id.is_not(None), M.join(I, I.c.id == M.c.issue_id), M.c.id == c.c.measure_id
    # a closure step's escalation names its task too, but its cause is the step (closure_source)
    subject = and_(c.c.measure_id.is_(None), c.c.issue_id.is_not(None), c.c.closure_id.is_(None))
    return subject, I, I.c.id == c.c.issue_id


def task_closed(
    dialect: str, kind: str, rule_ids: list[str], round_ids: list[int], resolution: str, now: datetime
) -> Update:
    def condition(c: Any) -> Any:
        subject, source, match = _task(kind, c)
        still_open = exists(select(literal(1)).select_from(source).where(match, _open(kind)))
        return and_(c.c.round_id.in_(round_ids), c.c.rule.in_(rule_ids), subject, not_(still_open))

    return resolve_in_force(dialect, condition, resolution, now)


def deadline_moved(
    dialect: str, kind: str, rule_ids: list[str], round_ids: list[int], resolution: str, now: datetime
) -> Update:
    def condition(c: Any) -> Any:
        subject, source, match = _task(kind, c)
        row = M if kind == "measure" else I
        code = "m" if kind == "measure" else "i"
        current_key = c.c.rule + text(f":{code}") + id_text(row.c.id) + text(":") + date_text(dialect, row.c.deadline)
        moved = or_(row.c.deadline.is_(None), current_key != c.c.dedupe_key)
        in_force = exists(select(literal(1)).select_from(source).where(match, _open(kind), moved))
        return and_(c.c.round_id.in_(round_ids), c.c.rule.in_(rule_ids), subject, in_force)

    return resolve_in_force(dialect, condition, resolution, now)


def dispatch_reported(
    dialect: str, rule_ids: list[str], round_ids: list[int], resolution: str, now: datetime
) -> Update:
    def condition(c: Any) -> Any:
        own_key = c.c.rule + text(":d") + id_text(DO.c.dispatch_round_id) + text(":o") + id_text(DO.c.org_id)
        reported = exists(
            select(literal(1)).where(
                DO.c.dispatch_round_id == c.c.dispatch_round_id,
                DO.c.reported_at.is_not(None),
                own_key == c.c.dedupe_key,
            )
        )
        return and_(c.c.round_id.in_(round_ids), c.c.rule.in_(rule_ids), c.c.dispatch_round_id.is_not(None), reported)

    return resolve_in_force(dialect, condition, resolution, now)


def by_ids(dialect: str, ids: list[int], resolution: str, now: datetime) -> Update:
    return resolve_in_force(dialect, lambda c: c.c.id.in_(ids), resolution, now, by_cause=False)


def _open(kind: str) -> ColumnElement[bool]:
    return measure_open() if kind == "measure" else issue_open()
