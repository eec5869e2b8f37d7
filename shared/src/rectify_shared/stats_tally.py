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

As of a past day D the same figures come from the problems' histories, kept the same way: each
problem's figures as of every day are a few runs of days (`stats_issue_span`: from the day it was
recorded, its status changes by the day they happened, acceptances, deadline extensions by the day
they were approved, the day after a deadline passes while open, withdrawal): the figures as of D
are those of the runs that hold D, one a problem (`issues_api.stats.asof`). `spans_of` reads a
problem's history exactly as `GET /stats/issues?as_of=` recounts it
(`issues_api.stats.repository.issue_statuses`, `stats.deadlines`); `apply` moves a problem's runs
with its group, `rebuild` recounts them too.
"""

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Table, and_, case, delete, event, func, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from .enums import IssueStatus
from .history import day_of, latest_first
from .models import DeadlineChange, Issue, IssueStatusChange
from .models.stats import (
    DUE_KEY,
    TALLY_KEY,
    StatsIssueDue,
    StatsIssueInputsVersion,
    StatsIssueKey,
    StatsIssueSpan,
    StatsIssueTally,
    StatsTallyVersion,
)
from .timezone import CHINA_TZ

S = IssueStatus
DONE = {S.completed.value, S.completed_long_term.value, S.closed.value}
OPEN = {S.not_started.value, S.in_progress.value}
#: the problem's columns a group depends on: a change to any other (updated_at, text) moves nothing
COUNTED = ("status", "deadline", "original_deadline", "lead_org_id", "org_path", "round_id", "category",
           "on_schedule", "withdrawn_at", "seq", "occurred_on", "created_at")  # fmt: skip
PENDING = "rectify_stats_pending"
TallyKey = tuple[Any, ...]
TALLY_TABLE: Table = StatsIssueTally.__table__  # type: ignore[attr-defined]
DUE_TABLE: Table = StatsIssueDue.__table__  # type: ignore[attr-defined]
KEY_TABLE: Table = StatsIssueKey.__table__  # type: ignore[attr-defined]
SPAN_TABLE: Table = StatsIssueSpan.__table__  # type: ignore[attr-defined]
ACCEPTED = {S.completed.value, S.completed_long_term.value}
VERSION_TABLE: Table = StatsTallyVersion.__table__  # type: ignore[attr-defined]
INPUTS_VERSION_TABLE: Table = StatsIssueInputsVersion.__table__  # type: ignore[attr-defined]
#: tokens below 2**53: the reader sums the tokens of all rounds (`issues_api.stats.tally`)
TOKEN_BITS = 53


def _bump(conn: Connection, rounds: Iterable[int], table: Table | None = None) -> None:
    """New random tokens for these rounds (`StatsTallyVersion`, or `table`): their kept groups change
    in this transaction. Rounds in order: writers to the same rounds take their rows in the same order."""
    rows = [{"round_id": r, "token": random.getrandbits(TOKEN_BITS)} for r in sorted(set(rounds))]
    if rows:
        stmt = _insert(conn, VERSION_TABLE if table is None else table)
        conn.execute(stmt.on_conflict_do_update(index_elements=["round_id"], set_={"token": stmt.excluded.token}), rows)


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
        col(Issue.original_deadline), col(Issue.deadline), col(Issue.occurred_on), col(Issue.created_at),
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
    """Move the given problems to the groups their rows put them in now, and their runs of days
    to the ones their histories give (within the caller's transaction)."""
    ids = sorted(set(issue_ids))
    if not ids:
        return
    key = col(StatsIssueKey.issue_id)
    old_q = select(StatsIssueKey).where(key.in_(ids)).order_by(key)
    span_q = select(SPAN_TABLE).where(SPAN_TABLE.c.issue_id.in_(ids)).order_by(*SPAN_TABLE.primary_key.columns)
    if conn.dialect.name == "postgresql":
        old_q = old_q.with_for_update()  # a concurrent write to the same problem waits, then sees ours
        span_q = span_q.with_for_update()
    old = {r.issue_id: dict(r._mapping) for r in conn.execute(old_q)}
    old_spans: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(span_q):
        old_spans[r.issue_id].append(dict(r._mapping))
    rows = {row.id: row for row in conn.execute(_key_statement().where(Issue.id.in_(ids)))}  # type: ignore[union-attr]
    new = {i: key_of(row) for i, row in rows.items()}
    changes, moves = _histories(conn, ids)
    new_spans = {i: spans_of(row, changes.get(i, []), moves.get(i, [])) for i, row in rows.items()}
    moved = [i for i in ids if old.get(i) != new.get(i)]
    respanned = [i for i in ids if old_spans.get(i, []) != new_spans.get(i, [])]
    # the rounds whose figures change, today's or a past day's (a backdated status change may move
    # only the runs): new tokens first, in one go (the version rows are the first rows writers of a
    # round wait on, taken in the rounds' order)
    rounds = {k["round_id"] for i in moved for k in (old.get(i), new.get(i)) if k is not None}
    rounds |= {s["round_id"] for i in respanned for s in (*old_spans.get(i, []), *new_spans.get(i, []))}
    _bump(conn, rounds)
    _move_keys(conn, moved, old, new)
    _move_spans(conn, respanned, new_spans)


def _move_keys(
    conn: Connection, changed: list[int], old: dict[int, dict[str, Any]], new: dict[int, dict[str, Any] | None]
) -> None:
    """Move the problems whose keys changed (`changed`) from their old groups to their new ones."""
    tally: Counter[TallyKey] = Counter()
    dues: Counter[TallyKey] = Counter()
    seqs: dict[TallyKey, int] = {}
    shrunk: set[TallyKey] = set()
    for i in changed:
        before, after = old.get(i), new.get(i)
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


# ---------------------------------------------------------------- as of a past day


def _china_day(at: datetime) -> date:
    return at.astimezone(CHINA_TZ).date()


def _latest(rows: Iterable[Any]) -> Any:
    """`history.latest_first`'s first row: the latest `occurred_on` (rows with one before those
    without), then the latest server time, then the last id."""
    return max(rows, key=lambda c: (c.occurred_on is not None, c.occurred_on or date.min, c.changed_at, c.id))


def spans_of(issue: Any, changes: Sequence[Any], moves: Sequence[Any]) -> list[dict[str, Any]]:
    """A problem's runs of days with the same figures as of the day, read as the as-of recount reads
    them. `issue`: a row of `_key_statement`; `changes`: its status changes (to_status, occurred_on,
    changed_at, id); `moves`: its deadline changes (new_deadline, changed_at, id).

    Every fact the recount compares with the day is a threshold on the day (a status change counts
    from the day it happened, an acceptance's server time from its China day, an extension from the
    day it was approved, 'overdue' from the day after the deadline): the figures are the same
    between two thresholds, so they are judged on each threshold day and equal runs joined."""
    born = day_of(issue.occurred_on, issue.created_at)
    gone = _china_day(issue.withdrawn_at) if issue.withdrawn_at is not None else None
    original = issue.original_deadline if issue.original_deadline is not None else issue.deadline
    happened = sorted(((day_of(c.occurred_on, c.changed_at), c) for c in changes), key=lambda dc: dc[0])
    accepted = [c for c in changes if str(c.to_status) in ACCEPTED]
    approved = sorted(((_china_day(m.changed_at), m) for m in moves), key=lambda dm: dm[0])
    days = {born, *(d for d, _ in happened), *(_china_day(c.changed_at) for c in accepted), *(d for d, _ in approved)}
    if gone is not None:
        days.add(gone)
    deadlines = {issue.original_deadline, issue.deadline, *(m.new_deadline for m in moves)} - {None}
    days |= {d + timedelta(days=1) for d in deadlines if d < date.max}
    base = {"issue_id": issue.id, "seq": issue.seq, "round_id": issue.round_id, "lead_org_id": issue.lead_org_id,
            "org_path": issue.org_path, "category": issue.category,
            "on_schedule": 2 if issue.on_schedule is None else int(bool(issue.on_schedule)),
            "has_deadline": int(original is not None)}  # fmt: skip
    out: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    for day in sorted(days):
        figures = None
        if born <= day and (gone is None or day < gone):
            figures = _figures_on(day, original, issue, happened, accepted, approved)
        if figures == last:
            continue
        if out and out[-1]["until_day"] is None:
            out[-1]["until_day"] = day
        if figures is not None:
            out.append({**base, **figures, "from_day": day, "until_day": None})
        last = figures
    return out


def _figures_on(
    day: date, original: date | None, issue: Any, happened: list[Any], accepted: list[Any], approved: list[Any]
) -> dict[str, Any] | None:
    """The figures of one problem as of the end of `day` (None: no status yet)."""
    by_then = [c for d, c in happened if d <= day]
    if not by_then:
        return None
    status = str(_latest(by_then).to_status)
    moved = [m for d, m in approved if d <= day]
    top = max(moved, key=lambda m: (m.changed_at, m.id)) if moved else None
    in_force = top.new_deadline if top is not None and top.new_deadline is not None else original
    on_time = on_time_ext = 0
    if status in DONE and original is not None:
        at = [c.changed_at for c in accepted if _china_day(c.changed_at) <= day]
        on = [c for c in accepted if day_of(c.occurred_on, c.changed_at) <= day]
        done_on = _latest(on).occurred_on if on else None
        if done_on is None and at:
            done_on = _china_day(max(at))
        on_time = int(done_on is not None and done_on <= original)
        on_time_ext = int(done_on is not None and in_force is not None and done_on <= in_force)
    is_open = status in OPEN and original is not None
    return {
        "status": status, "on_time": on_time, "on_time_ext": on_time_ext,
        "extended": int(original is not None and in_force is not None and in_force != original),
        "overdue": int(is_open and original < day),  # type: ignore[operator]
        "overdue_ext": int(is_open and in_force is not None and in_force < day),
    }  # fmt: skip


def _histories(conn: Connection, ids: list[int] | None) -> tuple[dict[int, list[Any]], dict[int, list[Any]]]:
    """The problems' status changes and deadline changes (all problems' with `ids` None)."""
    ch, dc = IssueStatusChange, DeadlineChange
    q = select(col(ch.issue_id), col(ch.to_status), col(ch.occurred_on), col(ch.changed_at), col(ch.id))
    m = select(col(dc.entity_id), col(dc.new_deadline), col(dc.changed_at), col(dc.id)).where(
        col(dc.entity_type) == "issue"
    )
    if ids is not None:
        q, m = q.where(col(ch.issue_id).in_(ids)), m.where(col(dc.entity_id).in_(ids))
    changes: dict[int, list[Any]] = defaultdict(list)
    moves: dict[int, list[Any]] = defaultdict(list)
    for r in conn.execute(q):
        changes[r.issue_id].append(r)
    for move in conn.execute(m):
        moves[move.entity_id].append(move)
    return changes, moves


def _move_spans(conn: Connection, changed: list[int], new: dict[int, list[dict[str, Any]]]) -> None:
    """Replace the runs of the problems whose runs changed (`changed`)."""
    if not changed:
        return
    conn.execute(delete(SPAN_TABLE).where(SPAN_TABLE.c.issue_id.in_(changed)))
    fresh = [s for i in changed for s in new.get(i, [])]
    if fresh:
        conn.execute(SPAN_TABLE.insert(), fresh)


def rebuild_days(conn: Connection, rows: Sequence[Any] | None = None) -> int:
    """Recount every problem's runs of days from its history: the number of runs."""
    conn.execute(delete(StatsIssueSpan))
    if rows is None:
        rows = list(conn.execute(_key_statement()))
    changes, moves = _histories(conn, None)
    spans = [s for row in rows for s in spans_of(row, changes.get(row.id, []), moves.get(row.id, []))]
    for start in range(0, len(spans), 5000):
        conn.execute(SPAN_TABLE.insert(), spans[start : start + 5000])
    return len(spans)


def rebuild(conn: Connection) -> int:
    """Recount every problem from its rows and history (a bulk load): the number counted now."""
    rows = list(conn.execute(_key_statement()))
    counted = rebuild_counts(conn, rows)
    renew_tokens(conn)
    rebuild_days(conn, rows)
    return counted


def rebuild_counts(conn: Connection, rows: Sequence[Any] | None = None) -> int:
    """Recount today's figures (the groups, the deadline days) from the problems' rows: the number counted."""
    for table in (StatsIssueKey, StatsIssueTally, StatsIssueDue):
        conn.execute(delete(table))
    if rows is None:
        rows = list(conn.execute(_key_statement()))
    keys = [k for k in (key_of(r) for r in rows) if k is not None]
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


def renew_tokens(conn: Connection) -> None:
    """New change tokens for every round with groups (after `rebuild_counts`, which the migration
    that made the groups runs before `stats_tally_version` exists); a round without any: no token.
    And new tokens of the other inputs (`StatsIssueInputsVersion`, kept by triggers) for every round
    with problems: a bulk load with triggers off is seen too."""
    conn.execute(delete(StatsTallyVersion))
    _bump(conn, (r for (r,) in conn.execute(select(TALLY_TABLE.c.round_id).distinct())))
    _bump(conn, (r for (r,) in conn.execute(select(col(Issue.round_id)).distinct())), INPUTS_VERSION_TABLE)


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
        elif isinstance(obj, DeadlineChange) and obj.entity_type == "issue":  # the deadline in force as of a day
            pending.add(obj.entity_id)


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
