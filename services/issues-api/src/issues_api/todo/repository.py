"""The to-do queries: statements built once with bind parameters, run through `db_fast.fetch`
(on a request's session or the fast path's `ReadConnection`), columns not entities; each section's
first rows and its count in one round trip (a window count over the section's few rows). On
PostgreSQL `sections` reads every section but the measures (and the org, the calendar's token)
in one statement."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import VERSION_TOKEN
from rectify_shared.db_fast import ReadConnection, dialect_of, fetch
from rectify_shared.enums import ClosureState
from rectify_shared.escalation_states import EscalationState
from rectify_shared.models import (
    Closure,
    DispatchObligation,
    DispatchRound,
    Escalation,
    InspectionRound,
    Issue,
    Org,
    PetitionCase,
)
from rectify_shared.models.types import JSONType, UTCDateTime
from rectify_shared.tree import subtree_bounds

from ..auth.principal import Scope

#: what the statements run on: a request's session, or the fast path's `ReadConnection`
Reads = AsyncSession | ReadConnection

_TOTAL = func.count().over().label("total")
_LIMIT = bindparam("limit", type_=Integer)
_PENDING = (ClosureState.applied.value, ClosureState.under_review.value, ClosureState.accepting.value)

_ORG = select(Org.id, Org.name, Org.path).where(Org.id == bindparam("org_id"))


async def org(reads: Reads, org_id: int) -> Any | None:
    """An org's id, name and path (unscoped: the caller checks what it may see)."""
    rows = await fetch(reads, _ORG, {"org_id": org_id})
    return rows[0] if rows else None


_OWED = (
    select(
        DispatchRound.id,
        DispatchRound.round_id,
        DispatchRound.frequency,
        DispatchRound.period,
        DispatchRound.cutoff,
        _TOTAL,
    )
    .join(DispatchObligation, DispatchObligation.dispatch_round_id == DispatchRound.id)
    .where(
        DispatchObligation.org_id == bindparam("org_id"),
        DispatchObligation.reported_at.is_(None),
        DispatchRound.opens_at <= bindparam("now"),
    )
    .order_by(DispatchRound.cutoff, DispatchRound.id)
    .limit(_LIMIT)
)


async def owed(reads: Reads, org_id: int, now: datetime, limit: int) -> Sequence[Any]:
    """(id, round_id, frequency, period, cutoff, total) of the dispatch rounds the org owes, by cutoff."""
    return await fetch(reads, _OWED, {"org_id": org_id, "now": now, "limit": limit})


#: a letter's columns as the to-do shows it (`service.letter_fields` reads them by position)
LETTER_COLUMNS: tuple[Any, ...] = (
    Escalation.id,
    Escalation.level,
    Escalation.state,
    Escalation.round_id,
    Escalation.issue_id,
    Escalation.measure_id,
    Escalation.closure_id,
    Escalation.dispatch_round_id,
    Escalation.petition_case_id,
    Escalation.addressed_org_id,
    Escalation.reason,
    Escalation.issued_on,
    Escalation.response_due,
)


def _letters(*where: Any) -> Any:
    """The first `limit` letters (due first, undated last, then id) and, in every row, how many
    match in all.

    The count is a subquery of its own, not a window over the matching rows: a window reads every
    matching letter's row before the first is returned (the office's proposed letters: all of the
    province's, read and sorted for ten). The page walks `ix_escalation_proposed_due` in its order
    and stops after `limit`; the count reads `ix_escalation_proposed_path` alone (index only)."""
    total = select(func.count()).select_from(Escalation).where(*where).correlate(None).scalar_subquery()
    return (
        select(*LETTER_COLUMNS, total.label("total"))
        .where(*where)
        .order_by(Escalation.response_due.asc().nulls_last(), Escalation.id)
        .limit(_LIMIT)
    )


_AWAITING_ANSWER = _letters(
    Escalation.addressed_org_id == bindparam("org_id"), Escalation.state == EscalationState.issued.value
)
_TO_ISSUE = _letters(
    Escalation.state == EscalationState.proposed.value,
    Escalation.org_path >= bindparam("scope_lo"),
    Escalation.org_path < bindparam("scope_hi"),
)
_TO_ISSUE_EXACT = _letters(
    Escalation.state == EscalationState.proposed.value, Escalation.org_path == bindparam("scope_path")
)


async def letters_awaiting_answer(reads: Reads, org_id: int, limit: int) -> Sequence[Any]:
    """`LETTER_COLUMNS` and the total of the letters addressed to the org that await its answer."""
    return await fetch(reads, _AWAITING_ANSWER, {"org_id": org_id, "limit": limit})


async def letters_to_issue(reads: Reads, scope: Scope, limit: int) -> Sequence[Any]:
    """`LETTER_COLUMNS` and the total of the letters the scan proposed in `scope`."""
    if scope.exact:
        return await fetch(reads, _TO_ISSUE_EXACT, {"scope_path": scope.path, "limit": limit})
    lo, hi = subtree_bounds(scope.path)
    return await fetch(reads, _TO_ISSUE, {"scope_lo": lo, "scope_hi": hi, "limit": limit})


_LEAD = func.coalesce(Issue.lead_org_id, PetitionCase.responsible_org_id, PetitionCase.locality_org_id)
_PENDING_CLOSURES = (
    select(
        Closure.id,
        Closure.issue_id,
        Closure.petition_case_id,
        Closure.state,
        Closure.levels,
        Closure.accepted_levels,
        Closure.applicant_org_id,
        Closure.applied_at,
        Closure.step_due,
        _LEAD.label("lead_org_id"),
    )
    .outerjoin(Issue, Issue.id == Closure.issue_id)
    .outerjoin(PetitionCase, PetitionCase.id == Closure.petition_case_id)
    .where(
        or_(*(Closure.state == s for s in _PENDING)),  # no IN list: `fetch` compiles it once
        or_(
            _LEAD == bindparam("org_id"),
            and_(Closure.org_path >= bindparam("org_lo"), Closure.org_path < bindparam("org_hi")),
            Closure.round_id.in_(
                select(InspectionRound.id).where(InspectionRound.office_org_id == bindparam("org_id")).scalar_subquery()
            ),
        ),
    )
    .order_by(Closure.step_due, Closure.id)
)


async def pending_closures(reads: Reads, org_id: int, org_path: str) -> Sequence[Any]:
    """Closures at the review or an acceptance step that may wait on the org, with their lead org:
    the org leads the task (the review), or the task is under the org (acceptors are the lead's
    ancestors), or the org is the round's office. Which step waits on whom is the workflow's rule
    (`reviewer_id`, the stored levels): the caller picks the org's own from these."""
    lo, hi = subtree_bounds(org_path)
    return await fetch(reads, _PENDING_CLOSURES, {"org_id": org_id, "org_lo": lo, "org_hi": hi})


# -- every section but the measures in one statement (PostgreSQL) ---------------------------------
#
# The org, the calendar's token, the reports owed, the letters awaiting an answer, the pending
# closures and (for the office) the letters to issue are one `UNION ALL` of tagged rows, each
# section's columns put in typed slots of one wide row: one round trip where there were six
# (issue 22: the to-do's p99 at 16 connections). Each part is its own statement above, unchanged,
# as a subquery (its order, its limit and its count as before); the outer order gives each
# section's rows in that section's order. SQLite (the embedded default) runs the parts one by one.

TAG_TOKEN, TAG_ORG, TAG_OWED, TAG_LETTERS, TAG_CLOSURES, TAG_TO_ISSUE = range(6)

#: a slot's name and type; a part's columns go into slots by name, the others are NULL of the type
_SLOTS: tuple[tuple[str, Any], ...] = (
    ("id", BigInteger()),
    ("n", BigInteger()),
    *((f"a{i}", BigInteger()) for i in range(1, 8)),
    *((f"s{i}", Text()) for i in range(1, 4)),
    ("t1", UTCDateTime()),
    ("d1", Date()),
    ("d2", Date()),
    ("j", JSONType),
)
#: a section's columns (as its own statement gives them, in order) -> the slots they go in
OWED_SLOTS = ("id", "a1", "s1", "s2", "t1", "n")
LETTER_SLOTS = ("id", "s1", "s2", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s3", "d1", "d2", "n")
CLOSURE_SLOTS = ("id", "a1", "a2", "s1", "j", "a3", "a4", "t1", "d2", "a5")
ORG_SLOTS = ("id", "s1", "s2")


def _tagged(tag: int, part: Any, slots: Sequence[str]) -> Any:
    """`part`'s rows as the wide row: the tag, its columns in `slots`, NULL in the rest."""
    sub = part.subquery()
    given = dict(zip(slots, sub.c, strict=True))
    columns = [literal_column(str(tag), Integer).label("tag")]
    for name, type_ in _SLOTS:
        c = given.get(name)
        columns.append((cast(c, type_) if c is not None else cast(null(), type_)).label(name))
    return select(*columns).select_from(sub)


def _sections(*to_issue: Any) -> Any:
    parts = [
        _tagged(TAG_TOKEN, VERSION_TOKEN, ("id",)),
        _tagged(TAG_ORG, _ORG, ORG_SLOTS),
        _tagged(TAG_OWED, _OWED, OWED_SLOTS),
        _tagged(TAG_LETTERS, _AWAITING_ANSWER, LETTER_SLOTS),
        _tagged(TAG_CLOSURES, _PENDING_CLOSURES, CLOSURE_SLOTS),
        *(_tagged(TAG_TO_ISSUE, part, LETTER_SLOTS) for part in to_issue),
    ]
    u = union_all(*parts).subquery()
    # each section in its own statement's order: owed by cutoff, letters due first (undated
    # last), closures by their step's due day (PostgreSQL's ascending order: undated last); then id
    return select(*u.c).order_by(
        u.c.tag, case((u.c.tag == literal_column(str(TAG_OWED), Integer), u.c.t1)), u.c.d2.asc().nulls_last(), u.c.id
    )


_SECTIONS = _sections()
_SECTIONS_TO_ISSUE = _sections(_TO_ISSUE)
_SECTIONS_TO_ISSUE_EXACT = _sections(_TO_ISSUE_EXACT)


@dataclass
class Sections:
    """Every section of the to-do but its measures: each as its own statement's rows (tuples in
    its columns' order; letters and owed reports with their total last)."""

    org: Any | None = None
    #: the calendar's token (`calendar_store.VERSION_TOKEN`), None when it has no row
    token: int | None = None
    owed: list[Any] = field(default_factory=list)
    letters: list[Any] = field(default_factory=list)
    closures: list[Any] = field(default_factory=list)
    to_issue: list[Any] = field(default_factory=list)


_BY_TAG = {
    TAG_ORG: ("org", ORG_SLOTS),
    TAG_OWED: ("owed", OWED_SLOTS),
    TAG_LETTERS: ("letters", LETTER_SLOTS),
    TAG_CLOSURES: ("closures", CLOSURE_SLOTS),
    TAG_TO_ISSUE: ("to_issue", LETTER_SLOTS),
}
_SLOT_INDEX = {name: i + 1 for i, (name, _) in enumerate(_SLOTS)}  # after the tag
_PICK = {tag: itemgetter(*(_SLOT_INDEX[s] for s in slots)) for tag, (_, slots) in _BY_TAG.items()}


async def sections(
    reads: Reads, org_id: int, org_path: str, now: datetime, limit: int, to_issue: Scope | None
) -> Sections:
    """The org (id, name, path; None if there is none), the calendar's token and the sections for
    the org at `org_path` (the closures under it), the letters to issue in `to_issue` if given:
    one statement on PostgreSQL, the parts one by one elsewhere. Every part is read in the same
    transaction, the token before the calendar's rows (`calendar_store.load_base_calendar`)."""
    if dialect_of(reads).name != "postgresql":
        return await _sections_one_by_one(reads, org_id, org_path, now, limit, to_issue)
    lo, hi = subtree_bounds(org_path)
    params: dict[str, Any] = {"org_id": org_id, "now": now, "limit": limit, "org_lo": lo, "org_hi": hi}
    stmt = _SECTIONS
    if to_issue is not None and to_issue.exact:
        stmt, params["scope_path"] = _SECTIONS_TO_ISSUE_EXACT, to_issue.path
    elif to_issue is not None:
        stmt = _SECTIONS_TO_ISSUE
        params["scope_lo"], params["scope_hi"] = subtree_bounds(to_issue.path)
    out = Sections()
    lists: dict[int, list[Any]] = {tag: getattr(out, name) for tag, (name, _) in _BY_TAG.items() if name != "org"}
    for row in await fetch(reads, stmt, params):
        tag = row[0]
        if tag == TAG_TOKEN:
            out.token = int(row[1])
        elif tag == TAG_ORG:
            out.org = _Org(*_PICK[TAG_ORG](row))
        else:
            lists[tag].append(_PICK[tag](row))
    return out


@dataclass(frozen=True, slots=True)
class _Org:
    id: int
    name: str
    path: str


async def _sections_one_by_one(
    reads: Reads, org_id: int, org_path: str, now: datetime, limit: int, to_issue: Scope | None
) -> Sections:
    token = await fetch(reads, VERSION_TOKEN)
    found = await org(reads, org_id)
    return Sections(
        org=_Org(*found) if found is not None else None,
        token=int(token[0][0]) if token else None,
        owed=[tuple(r) for r in await owed(reads, org_id, now, limit)],
        letters=[tuple(r) for r in await letters_awaiting_answer(reads, org_id, limit)],
        closures=[tuple(r) for r in await pending_closures(reads, org_id, org_path)],
        to_issue=[tuple(r) for r in await letters_to_issue(reads, to_issue, limit)] if to_issue is not None else [],
    )
