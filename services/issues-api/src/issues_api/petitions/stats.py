"""GET /stats/petitions: petition figures as of a day, in the caller's scope.

Both are summed in the database by one statement (`_figures_statement`: a few hundred rows, by state
and verdict, batch, locality and pollution type, whatever the number of cases): today's from the
cases' current states; as of a past day from the cases registered by then, each in the state of its
last change before the day's end (`ix_petition_state_change_case_at`), as `rectify_shared.
petition_stats.case_rows` reads it for the recount and the documents. The property test
services/issues-api/tests/test_petition_figures_summed.py compares both with the cases counted one
by one over random histories.

Today's answer is kept per process (`_today`) under the round's change token
(`stats_petition_version`, renewed by database triggers in the transaction of every write that
changes the figures): a request with nothing changed reads the token only. A past day's is not kept
(the statement is the whole cost)."""

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import BigInteger, Integer, and_, bindparam, case, cast, func, literal, null, or_, select, union_all
from sqlmodel import col

from rectify_shared.db_fast import dialect_of, fetch
from rectify_shared.enums import PetitionState, PetitionVerdict
from rectify_shared.models import Org, PetitionBatch, PetitionCase, PetitionStateChange, StatsPetitionVersion
from rectify_shared.petition_stats import (
    ACCOUNTABILITY_COUNTS,
    LocalityFigures,
    PetitionFigures,
)
from rectify_shared.timezone import end_of_day, today

from ..auth.deps import LedgerReader
from ..auth.principal import Scope
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.instants import IsoDate
from ..core.kept import Kept
from ..rounds.repository import round_visible

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])
V = StatsPetitionVersion.__table__.c  # type: ignore[attr-defined]


class LocalityCounts(BaseModel):
    org_id: int
    org_name: str
    total: int
    by_state: dict[PetitionState, int]


class PetitionStats(BaseModel):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "round_id": 1,
                    "as_of": "2024-12-15",
                    "batches": 29,
                    "batch_nos": [1, 2, 29],
                    "total": 91,
                    "by_state": {"in_progress": 0, "closed_in_stage": 0, "closed": 91},
                    "by_verdict": {
                        "substantiated": 40,
                        "partly_substantiated": 20,
                        "largely_substantiated": 11,
                        "unsubstantiated": 20,
                    },
                    "unjudged": 0,
                    "by_locality": [],
                    "by_pollution_type": {"air": 30},
                    "closure_rate": 1.0,
                    "unsubstantiated_rate": 0.2198,
                    "repeat_rate": 0.033,
                    "key_attention": 5,
                    "certified": 91,
                    "accountability": {"ordered_rectification": 52, "fine_yuan": 1830000},
                }
            ]
        }
    }

    round_id: int | None
    as_of: date | None = Field(description="States as they stood at the end of this day (China time); null = now")
    batches: int = Field(description="Batches (批) with at least one case in scope")
    batch_nos: list[int]
    total: int
    by_state: dict[PetitionState, int]
    by_verdict: dict[PetitionVerdict, int]
    unjudged: int = Field(description="Cases without a verdict yet")
    by_locality: list[LocalityCounts] = Field(description="By locality (旗县), in tree order")
    by_pollution_type: dict[str, int] = Field(
        description="By pollution type code (GET /pollution-types); a case of several types counts under each"
    )
    closure_rate: float | None = Field(description="办结率: closed (已办结) / total; null without cases")
    unsubstantiated_rate: float | None = Field(description="不属实 / cases with a verdict")
    repeat_rate: float | None = Field(description="Repeat complaints (重复举报) / total")
    key_attention: int
    certified: int = Field(description="Closed cases with their certifying department recorded")
    accountability: dict[str, int] = Field(description="Sums of the accountability counts and fine_yuan")


def _scope_params(scope: Scope, round_id: int | None, as_of: date | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"round_id": round_id, **scope.bound_params()}
    if as_of is not None:
        out["cut"] = end_of_day(as_of)
    return out


def _cases(by_round: bool, exact: bool, as_of: bool) -> Any:
    """The caller's cases, one row each, with their batch number and locality (a CTE: read once for
    the four sums). As of a day (`as_of`: the bind parameter `cut`, its end), the cases registered
    before the cut, each in its state then: its last state change before the cut, as
    `rectify_shared.petition_stats.case_rows` reads it (`ix_petition_state_change_case_at`)."""
    C = PetitionCase
    scope = (
        Scope.bound_clause(col(C.locality_path), exact),
        col(C.responsible_path).is_not(None) & Scope.bound_clause(col(C.responsible_path), exact),
    )
    where: list[Any] = [or_(*scope)]
    if by_round:
        where.append(col(C.round_id) == bindparam("round_id", type_=Integer))
    state: Any = col(C.state)
    if as_of:
        ch = PetitionStateChange
        cut = bindparam("cut", type_=ch.__table__.c.changed_at.type)  # type: ignore[attr-defined]
        last = (
            select(col(ch.to_state))
            .where(col(ch.case_id) == col(C.id), col(ch.changed_at) < cut)
            .order_by(col(ch.changed_at).desc(), col(ch.id).desc())
            .limit(1)
            .correlate(C)
            .scalar_subquery()
        )
        state = func.coalesce(last, col(C.state))
        where.append(col(C.created_at) < cut)
    return (
        select(
            col(C.id),
            state.label("state"),
            col(C.verdict),
            col(PetitionBatch.batch_no),
            col(C.locality_org_id),
            col(Org.name),
            col(Org.path),
            col(C.repeat_of_id),
            col(C.key_attention),
            col(C.certified_by),
            col(C.accountability),
            col(C.pollution_types),
        )
        .select_from(C)
        .join(PetitionBatch, col(PetitionBatch.id) == col(C.batch_id))
        .join(Org, col(Org.id) == col(C.locality_org_id))
        .where(*where)
        .cte("cases")
    )


@lru_cache(maxsize=32)
def _figures_statement(dialect: str, by_round: bool, exact: bool, as_of: bool = False) -> Any:
    """The petition figures summed in the database, built once (for `db_fast.fetch`): today's, or as
    of a day (`as_of`; the bind parameter `cut`). Rows (kind, key, text, name, path, n, per state
    ×3, repeats, key attention, certified, the accountability sums): kind 0 by state and verdict, 1
    by batch number, 2 by locality (its counts by state), 3 by pollution type (key: where it first
    appears, as (case id, position))."""
    cases = _cases(by_round, exact, as_of)
    k = cases.c
    none: Any = null()
    count = func.count()
    per_state = [func.sum(case((k.state == literal(s.value), 1), else_=0)) for s in PetitionState]
    zeros = [literal(0)] * (len(PetitionState) + 3 + len(ACCOUNTABILITY_COUNTS))
    certified = and_(k.state == literal(PetitionState.closed.value), k.certified_by.is_not(None),
                     k.certified_by != literal(""))  # fmt: skip
    sums = [
        *[literal(0)] * len(PetitionState),
        func.sum(case((k.repeat_of_id.is_not(None), 1), else_=0)),
        func.sum(case((k.key_attention, 1), else_=0)),
        func.sum(case((certified, 1), else_=0)),
        *[func.sum(cast(k.accountability[name].as_string(), BigInteger)) for name in ACCOUNTABILITY_COUNTS],
    ]
    if dialect == "postgresql":
        elements = func.jsonb_array_elements_text(k.pollution_types)
        types = elements.table_valued("value", with_ordinality="at").render_derived()
        position = types.c.at
    else:
        types = func.json_each(k.pollution_types).table_valued("value", "key")
        position = types.c.key
    first = func.min(cast(k.id, BigInteger) * 1_000_000 + position)
    parts = [
        select(literal(0), none, k.state, k.verdict, none, count, *sums).group_by(k.state, k.verdict),
        select(literal(1), k.batch_no, none, none, none, count, *zeros).group_by(k.batch_no),
        select(
            literal(2), k.locality_org_id, none, k.name, k.path, count, *per_state, *zeros[len(PetitionState) :]
        ).group_by(k.locality_org_id, k.name, k.path),
        select(literal(3), first, types.c.value, none, none, count, *zeros)
        .select_from(cases)
        .join(types, literal(True))
        .group_by(types.c.value),
    ]
    return union_all(*parts)


def summed(rows: Sequence[Any]) -> PetitionFigures:
    """`PetitionFigures` of `_figures_statement`'s rows: what `aggregate` makes of the cases themselves."""
    f = PetitionFigures()
    batches: list[int] = []
    localities: list[LocalityFigures] = []
    types: list[tuple[int, str, int]] = []
    for r in rows:
        kind, n = r[0], int(r[5])
        if kind == 0:
            state = PetitionState(r[2])
            f.total += n
            f.by_state[state] += n
            if r[3]:
                f.by_verdict[PetitionVerdict(r[3])] += n
            else:
                f.unjudged += n
            f.repeats += int(r[9])
            f.key_attention += int(r[10])
            f.certified += int(r[11])
            for name, total in zip(ACCOUNTABILITY_COUNTS, r[12:], strict=True):
                f.accountability[name] += int(total or 0)
        elif kind == 1:
            batches.append(int(r[1]))
        elif kind == 2:
            by_state = {s: int(x) for s, x in zip(PetitionState, r[6:9], strict=True)}
            localities.append(LocalityFigures(r[1], r[3], r[4], n, by_state))
        else:
            types.append((int(r[1]), r[2], n))
    f.batch_nos = sorted(batches)
    f.by_locality = sorted(localities, key=lambda x: x.path)
    for _first, code, n in sorted(types):  # the former enum's types first, then in order of appearance
        f.by_pollution_type[code] = f.by_pollution_type.get(code, 0) + n
    return f


async def figures_now(reads: Any, round_id: int | None, scope: Scope) -> PetitionFigures:
    """Today's figures of the caller's cases (of one round, or all); `reads`: a session or a `ReadConnection`."""
    stmt = _figures_statement(dialect_of(reads).name, round_id is not None, scope.exact)
    return summed(await fetch(reads, stmt, _scope_params(scope, round_id)))


async def figures_as_of(reads: Any, round_id: int | None, scope: Scope, as_of: date) -> PetitionFigures:
    """The figures as they stood at the end of `as_of` (China time), summed in the database as
    `rectify_shared.petition_stats.aggregate` counts `case_rows` (the reference)."""
    stmt = _figures_statement(dialect_of(reads).name, round_id is not None, scope.exact, True)
    return summed(await fetch(reads, stmt, _scope_params(scope, round_id, as_of)))


@lru_cache(maxsize=2)
def _token_statement(by_round: bool) -> Any:
    """The change token of the figures (`stats_petition_version`): the round's, or the sum of all rounds'."""
    stmt = select(func.sum(V.token))
    return stmt.where(V.round_id == bindparam("round_id", type_=Integer)) if by_round else stmt


#: the last answers of today's figures: (round, scope, day) -> (the change token they were read after, the answer)
_LAST_MAX = 256
_LAST: "Kept[tuple[int | None, Scope, date], PetitionStats]" = Kept(_LAST_MAX)


async def _today(reads: Any, round_id: int | None, scope: Scope) -> "PetitionStats":
    """Today's answer, kept per process: given again while the round's change token (renewed by the
    database's triggers in every write that changes the figures) is the one read before it was
    built, so a request with nothing changed is one indexed statement. The token is read before the
    figures: a write between the two leaves a newer answer under an older token, built again at the
    next request, never an older answer under a newer token."""
    key = (round_id, scope, today())
    token = (await fetch(reads, _token_statement(round_id is not None), {"round_id": round_id}))[0][0]
    token = None if token is None else int(token)
    last = _LAST.get(key, token)
    if last is not None:
        return last
    answer = _answer(await figures_now(reads, round_id, scope), round_id, None)
    _LAST.put(key, token, answer)
    return answer


@router.get("/petitions", response_model=PetitionStats, responses=errors(404, 422))
async def petition_stats(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int | None = None,
    as_of: Annotated[IsoDate | None, Query(description="Count states as of the end of this day")] = None,
) -> PetitionStats:
    """Totals of the caller's petition cases by state, verdict, locality and pollution type, the
    closure, unsubstantiated and repeat rates, and the accountability sums — now or as of a day."""
    if round_id is not None and not await round_visible(session, principal, round_id):
        raise not_found("督察轮次", "Inspection round")
    if as_of is None:
        return await _today(session, round_id, principal.scope)
    return _answer(await figures_as_of(session, round_id, principal.scope, as_of), round_id, as_of)


def _answer(f: PetitionFigures, round_id: int | None, as_of: date | None) -> PetitionStats:
    # validated as one document (one call into pydantic, not one per locality)
    return PetitionStats.model_validate(
        {
            "round_id": round_id,
            "as_of": as_of,
            "batches": f.batches,
            "batch_nos": f.batch_nos,
            "total": f.total,
            "by_state": f.by_state,
            "by_verdict": f.by_verdict,
            "unjudged": f.unjudged,
            "by_locality": [
                {"org_id": x.org_id, "org_name": x.name, "total": x.total, "by_state": x.by_state}
                for x in f.by_locality
            ],
            "by_pollution_type": f.by_pollution_type,
            "closure_rate": f.closure_rate,
            "unsubstantiated_rate": f.unsubstantiated_rate,
            "repeat_rate": f.repeat_rate,
            "key_attention": f.key_attention,
            "certified": f.certified,
            "accountability": f.accountability,
        }
    )
