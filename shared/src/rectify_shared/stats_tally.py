"""The dashboard's figures kept with the writes, in the same transaction (issue 22).

Every problem counted now adds one to a group of `stats_issue_tally` (round, lead org, 方面, status,
the schedule flag set by hand, and the deadline facts of `GET /stats/issues`: on time against the
original and the extended deadline, extended) and, while open, one to each of its deadline days in
`stats_issue_due` ('overdue today' is a range sum: no nightly update). `stats_issue_key` remembers
the group each problem is in, so a write moves it: minus one where it was, plus one where it is.

One write path: the ORM session. After each flush the problems whose counted facts changed (status,
deadlines, lead org, round, 方面, schedule flag, withdrawal; a new or removed status change) are
noted; before the commit their groups are recomputed from the rows themselves (`apply`), so the
figures equal a full recount (`rebuild`; the property test tests/test_stats_tally_property.py
compares them). A writer that bypasses the ORM (COPY, raw SQL) calls `rebuild` or `apply` itself.
"""

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Table, and_, case, delete, event, func, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from .enums import IssueStatus
from .history import latest_first
from .models import Issue, IssueStatusChange
from .models.stats import DUE_KEY, TALLY_KEY, StatsIssueDue, StatsIssueKey, StatsIssueTally
from .timezone import CHINA_TZ

S = IssueStatus
DONE = {S.completed.value, S.completed_long_term.value, S.closed.value}
OPEN = {S.not_started.value, S.in_progress.value}
#: the problem's columns a group depends on: a change to any other (updated_at, text) moves nothing
COUNTED = ("status", "deadline", "original_deadline", "lead_org_id", "org_path", "round_id", "category",
           "on_schedule", "withdrawn_at", "seq")  # fmt: skip
PENDING = "rectify_stats_pending"
TallyKey = tuple[Any, ...]
TALLY_TABLE: Table = StatsIssueTally.__table__  # type: ignore[attr-defined]
DUE_TABLE: Table = StatsIssueDue.__table__  # type: ignore[attr-defined]
KEY_TABLE: Table = StatsIssueKey.__table__  # type: ignore[attr-defined]


def _key_statement() -> Any:
    acceptance = and_(
        IssueStatusChange.issue_id == Issue.id,  # type: ignore[arg-type]
        IssueStatusChange.to_status.in_([S.completed, S.completed_long_term]),  # type: ignore[attr-defined]
    )
    accepted_at = select(func.max(IssueStatusChange.changed_at)).where(acceptance)
    ch = IssueStatusChange
    accepted_on = (
        select(col(ch.occurred_on))
        .where(acceptance)
        .order_by(*latest_first(col(ch.occurred_on), col(ch.changed_at), col(ch.id)))
        .limit(1)
    )
    return select(
        col(Issue.id), col(Issue.round_id), col(Issue.seq), col(Issue.lead_org_id), col(Issue.org_path),
        col(Issue.category), col(Issue.status), col(Issue.on_schedule), col(Issue.withdrawn_at),
        col(Issue.original_deadline), col(Issue.deadline),
        accepted_at.correlate(Issue).scalar_subquery().label("accepted_at"),
        accepted_on.correlate(Issue).scalar_subquery().label("accepted_on"),
    )  # fmt: skip


def key_of(row: Any) -> dict[str, Any] | None:
    """A problem's `stats_issue_key` row (None: not counted), as `stats.deadlines.tally` judges it."""
    if row.withdrawn_at is not None or row.status is None:
        return None
    status = str(row.status)
    original = row.original_deadline if row.original_deadline is not None else row.deadline
    in_force = row.deadline
    on_time = on_time_ext = False
    if status in DONE and original is not None:
        done_on = row.accepted_on
        if done_on is None and row.accepted_at is not None:
            at: datetime = row.accepted_at
            done_on = at.astimezone(CHINA_TZ).date()
        on_time = done_on is not None and done_on <= original
        on_time_ext = done_on is not None and in_force is not None and done_on <= in_force
    is_open = status in OPEN and original is not None
    return {
        "issue_id": row.id, "round_id": row.round_id, "lead_org_id": row.lead_org_id, "org_path": row.org_path,
        "category": row.category, "status": status, "seq": row.seq,
        "on_schedule": 2 if row.on_schedule is None else int(bool(row.on_schedule)),
        "has_deadline": int(original is not None), "on_time": int(on_time), "on_time_ext": int(on_time_ext),
        "extended": int(original is not None and in_force is not None and in_force != original),
        "due_original": original if is_open else None, "due_in_force": in_force if is_open else None,
    }  # fmt: skip


def _tally_key(k: dict[str, Any]) -> TallyKey:
    return tuple(k[c] for c in TALLY_KEY)


def _dues(k: dict[str, Any]) -> list[TallyKey]:
    base = (k["round_id"], k["lead_org_id"], k["org_path"])
    out = []
    for kind, day in ((0, k["due_original"]), (1, k["due_in_force"])):
        if day is not None:
            out.append((*base, kind, day))
    return out


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _add(
    conn: Connection, table: Any, columns: Sequence[str], deltas: Counter[TallyKey], seqs: dict[TallyKey, int]
) -> None:
    rows = [dict(zip(columns, k, strict=True), n=n) for k, n in sorted(deltas.items(), key=_order) if n]
    if not rows:
        return
    if table is TALLY_TABLE:
        for r in rows:
            r["min_seq"] = seqs.get(tuple(r[c] for c in columns))
    stmt = _insert(conn, table)
    sets: dict[str, Any] = {"n": table.c.n + stmt.excluded.n}
    if "min_seq" in table.c:
        mine, theirs = table.c.min_seq, stmt.excluded.min_seq
        sets["min_seq"] = case((theirs.is_(None), mine), (mine.is_(None), theirs), (theirs < mine, theirs), else_=mine)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(columns), set_=sets), rows)


def _order(item: tuple[TallyKey, int]) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in item[0])


def apply(conn: Connection, issue_ids: Iterable[int]) -> None:
    """Move the given problems to the groups their rows put them in now (within the caller's transaction)."""
    ids = sorted(set(issue_ids))
    if not ids:
        return
    key = col(StatsIssueKey.issue_id)
    old_q = select(StatsIssueKey).where(key.in_(ids)).order_by(key)
    if conn.dialect.name == "postgresql":
        old_q = old_q.with_for_update()  # a concurrent write to the same problem waits, then sees ours
    old = {r.issue_id: dict(r._mapping) for r in conn.execute(old_q)}
    new = {}
    for row in conn.execute(_key_statement().where(Issue.id.in_(ids))):  # type: ignore[union-attr]
        new[row.id] = key_of(row)
    tally: Counter[TallyKey] = Counter()
    dues: Counter[TallyKey] = Counter()
    seqs: dict[TallyKey, int] = {}
    shrunk: set[TallyKey] = set()
    changed = []
    for i in ids:
        before, after = old.get(i), new.get(i)
        if before == after:
            continue
        changed.append(i)
        if before is not None:
            tally[_tally_key(before)] -= 1
            shrunk.add(_tally_key(before))
            dues.subtract(_dues(before))
        if after is not None:
            k = _tally_key(after)
            tally[k] += 1
            seqs[k] = min(seqs.get(k, after["seq"]), after["seq"])
            dues.update(_dues(after))
    if not changed:
        return
    conn.execute(delete(StatsIssueKey).where(StatsIssueKey.issue_id.in_(changed)))  # type: ignore[attr-defined]
    fresh = [row for row in (new.get(i) for i in changed) if row is not None]
    if fresh:
        conn.execute(KEY_TABLE.insert(), fresh)
    _add(conn, TALLY_TABLE, TALLY_KEY, tally, seqs)
    _add(conn, DUE_TABLE, DUE_KEY, dues, {})
    for k in sorted(shrunk, key=lambda k: _order((k, 0))):  # a group that lost its first problem: its least seq again
        where = [getattr(StatsIssueKey, c) == v for c, v in zip(TALLY_KEY, k, strict=True)]
        least = select(func.min(StatsIssueKey.seq)).where(*where).scalar_subquery()
        match = [TALLY_TABLE.c[c] == v for c, v in zip(TALLY_KEY, k, strict=True)]
        conn.execute(update(TALLY_TABLE).where(*match).values(min_seq=least))


def rebuild(conn: Connection) -> int:
    """Recount every problem from its rows (a migration, a bulk load): the number counted."""
    for table in (StatsIssueKey, StatsIssueTally, StatsIssueDue):
        conn.execute(delete(table))
    keys = [k for k in (key_of(r) for r in conn.execute(_key_statement())) if k is not None]
    tally: Counter[TallyKey] = Counter()
    dues: Counter[TallyKey] = Counter()
    seqs: dict[TallyKey, int] = {}
    for k in keys:
        t = _tally_key(k)
        tally[t] += 1
        seqs[t] = min(seqs.get(t, k["seq"]), k["seq"])
        dues.update(_dues(k))
    for start in range(0, len(keys), 5000):
        conn.execute(KEY_TABLE.insert(), keys[start : start + 5000])
    _add(conn, TALLY_TABLE, TALLY_KEY, tally, seqs)
    _add(conn, DUE_TABLE, DUE_KEY, dues, {})
    return len(keys)


def _counted_change(obj: Issue) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in COUNTED)


@event.listens_for(Session, "after_flush")
def _note(session: Session, _context: Any) -> None:
    pending: set[int] = session.info.setdefault(PENDING, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Issue):
            if obj.id is not None and (obj not in session.dirty or _counted_change(obj)):
                pending.add(obj.id)
        elif isinstance(obj, IssueStatusChange):
            pending.add(obj.issue_id)


@event.listens_for(Session, "before_commit")
def _move(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # (the commit's own flush comes after this event)
    if not session.info.get(PENDING):
        return
    ids = session.info.pop(PENDING, set())
    apply(session.connection(), ids)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)
