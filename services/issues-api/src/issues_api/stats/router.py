from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.routing import APIRoute
from pydantic_core import to_json
from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import IssueStatus
from rectify_shared.timezone import today

from ..auth.deps import LedgerReader
from ..auth.principal import Scope
from ..core.deps import SessionDep
from ..core.errors import errors, not_found
from ..core.fast_reads import route_json
from ..core.instants import IsoDate
from ..core.kept import Kept
from ..rounds import repository as rounds
from . import asof as kept_as_of
from . import repository, tally
from .deadlines import tally as deadline_tally
from .schemas import CategoryCounts, DeadlineStats, IssueStateAsOf, IssueStates, IssueStats, OrgCounts, ScheduleCounts

router = APIRouter(prefix="/api/v1/stats", tags=["stats"])


def _zero() -> dict[IssueStatus, int]:
    return {s: 0 for s in IssueStatus}


async def recount(
    session: AsyncSession, round_id: int | None, as_of: date | None, scope: Scope
) -> tuple[dict[str, Any], DeadlineStats, ScheduleCounts]:
    """The figures recounted from every problem and its history (as of a past day; the reference
    the kept counts are tested against)."""
    sub = repository.issue_statuses(round_id, as_of, scope)
    data, rows = await repository.recount(session, sub)
    day = as_of or today()
    deadlines = deadline_tally(
        [(r.status, r.original_deadline, r.deadline_in_force, r.accepted_at, r.accepted_on) for r in rows], day
    )
    # 达到序时进度 / 滞后: the one definition the progress report uses too, on the day asked
    counted = await repository.schedule_of_rows(session, rows, day)
    schedule = ScheduleCounts(on_schedule=counted.on_schedule, behind=counted.behind, unknown=counted.unknown)
    return dict(data), deadlines, schedule


#: the last answers of today's figures: (round, scope, day) -> (the rows they were made of, the answer)
_LAST_MAX = 64
_LAST: "Kept[tuple[int | None, Scope, date], IssueStats]" = Kept(_LAST_MAX)


async def _today(reads: Any, round_id: int | None, scope: Scope) -> IssueStats:
    """Today's figures (`stats.tally`). The answer is a function of the rows read: when they equal
    the rows of the last answer for the same round, scope and day, that answer is given again, not
    built anew (for the hundreds of lead orgs of a province, building it was most of a request);
    while the change tokens are the ones those rows were read with, nothing but the tokens is read
    (`tally.read`), and the very same answer comes back (the fast path keeps its JSON with it)."""
    day = today()
    key = (round_id, scope, day)
    last = _LAST.entry(key)
    source = await tally.read(reads, round_id, scope, day, last[0] if last is not None else None)
    if last is not None and (source is last[0] or last[0].same(source)):
        _LAST.put(key, source, last[1])  # (the rows' tokens now: the next request reads nothing more)
        return last[1]
    stats = _stats(tally.figures(source, day), round_id)
    _LAST.put(key, source, stats)
    return stats


def _stats(f: tally.Figures, round_id: int | None, as_of: date | None = None, orgs: bool = True) -> IssueStats:
    """The answer from its figures (today's, or a past day's when `as_of` is given); `orgs` False:
    without its lead orgs (`by_org` empty: `_past_json` writes them)."""
    by_status = _zero()
    for status, _on_schedule, n in f.by_status:
        by_status[IssueStatus(status)] += n
    cats: dict[str, tuple[int, dict[IssueStatus, int]]] = {}
    for category, status, n, first_seq in f.by_category:
        seq, counts = cats.get(category, (first_seq, _zero()))
        counts[IssueStatus(status)] += n
        cats[category] = (min(seq, first_seq), counts)
    return IssueStats(
        round_id=round_id,
        as_of=as_of,
        total=sum(by_status.values()),
        by_status=by_status,
        in_progress_schedule=f.schedule,
        by_category=[
            CategoryCounts(category=c, total=sum(v.values()), by_status=v)
            for c, (_, v) in sorted(cats.items(), key=lambda kv: kv[1][0])
        ],
        by_org=[
            OrgCounts(
                org_id=oid, org_name=name, total=sum(counts), by_status=dict(zip(tally.STATUSES, counts, strict=True))
            )
            for oid, (name, _path, counts) in _orgs_in_order(f)
        ]
        if orgs
        else [],
        deadlines=f.deadlines,
    )


def _orgs_in_order(f: tally.Figures) -> list[tuple[int, tuple[str, str, list[int]]]]:
    """The lead orgs in the answer's order: by path."""
    return sorted(f.orgs.items(), key=lambda kv: kv[1][1])


@lru_cache(maxsize=1)
def _route() -> APIRoute:
    (route,) = (r for r in router.routes if isinstance(r, APIRoute) and r.endpoint is issue_stats)
    return route


#: one lead org's JSON as the route's model (`OrgCounts`) writes it: its fields in their order,
#: `by_status` in the order of `STATUSES`; the name written by pydantic's own serializer
_ORG = (
    '{"total":%d,"by_status":{' + ",".join(f'"{s.value}":%d' for s in tally.STATUSES) + '},"org_id":%d,"org_name":%s}'
)
#: where the lead orgs go in the JSON of an answer made without them (a quote in a string is
#: escaped: this text is the key)
_NO_ORGS = b',"by_org":[],'


async def _past_json(f: tally.Figures, round_id: int | None, as_of: date) -> bytes:
    """A past day's answer as the route's JSON, made without a pydantic object a lead org (a
    province has hundreds; building and validating them was half a request's CPU): the rest of the
    answer through the route's own serializer (`route_json`), the lead orgs written into it as
    their model writes them (`test_stats_past_json.py` compares the two, byte for byte)."""
    head = await route_json(_route(), _stats(f, round_id, as_of, orgs=False))
    orgs = ",".join(
        _ORG % (sum(counts), *counts, oid, to_json(name).decode()) for oid, (name, _path, counts) in _orgs_in_order(f)
    )
    before, found, after = head.partition(_NO_ORGS)
    assert found, "the answer's JSON has no empty by_org"
    return b"".join((before, b',"by_org":[', orgs.encode(), b"],", after))


#: past days' answers, their JSON: (round, scope, day) -> (the change tokens read before their rows, the JSON)
_PAST_MAX = 64
_PAST: "Kept[tuple[int | None, Scope, date], bytes]" = Kept(_PAST_MAX)


async def _past(session: Any, round_id: int | None, scope: Scope, day: date) -> bytes:
    """A past day's answer (`stats.asof`), given again while the round's two change tokens are the
    ones it was made under: what it is made of — the problems' runs of days (renewed with
    `stats_tally_version` by every write that moves one: `stats_tally.apply`, `rebuild`), the lead
    orgs' names and paths (the `org` trigger renews the same token), the responsible orgs, the
    indicators and their values (`stats_issue_inputs_version`, triggers) — has not changed since.
    The tokens are read before the rows, never after (as `tally.read`): rows read after a write
    that renewed a token are newer than the tokens kept with them, and the next request reads again."""
    key = (round_id, scope, day)
    tokens = await tally.read_tokens(session, round_id)
    kept = _PAST.get(key, tokens)
    if kept is not None:
        return kept
    content = await _past_json(await kept_as_of.figures(session, round_id, scope, day), round_id, day)
    _PAST.put(key, tokens, content)
    return content


@router.get("/issues", response_model=IssueStats, responses=errors(404, 422))
async def issue_stats(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int | None = None,
    as_of: Annotated[IsoDate | None, Query(description="Count statuses as of the end of this day")] = None,
) -> IssueStats:
    """Counts of the caller's problems by status, by 方面 heading and by lead org — now or as of a past date —
    and the on-time rate and overdue counts against the original deadline (extended deadlines beside them)."""
    if round_id is not None and not await rounds.round_visible(session, principal, round_id):
        raise not_found("督察轮次", "Inspection round")
    if as_of is None:  # today: the counts kept with the writes (stats.tally)
        return await _today(session, round_id, principal.scope)
    # a past day: the runs of days kept with the writes (stats.asof; `recount` is the reference),
    # the answer's JSON made here (the endpoint still declares its model: the document, the fast path)
    content = await _past(session, round_id, principal.scope, as_of)
    return Response(content=content, media_type="application/json")  # type: ignore[return-value]


@router.get("/issue-states", response_model=IssueStates, responses=errors(404, 422))
async def issue_states(
    session: SessionDep,
    principal: LedgerReader,
    round_id: int,
    as_of: Annotated[IsoDate | None, Query(description="The end of this day (default: today)")] = None,
) -> IssueStates:
    """Each of the caller's problems of a round as it stood at the end of a day — status and the
    deadline in force — the rows `GET /stats/issues` counts for the same `as_of`."""
    if await rounds.get_visible(session, principal, round_id) is None:
        raise not_found("督察轮次", "Inspection round")
    day = as_of or today()
    sub = repository.issue_statuses(round_id, day, principal.scope)
    rows = (
        await session.execute(
            select(
                sub.c.id, sub.c.seq, sub.c.lead_org_id, sub.c.status, sub.c.original_deadline, sub.c.deadline_in_force
            )
            .where(sub.c.status.is_not(None))
            .order_by(sub.c.seq, sub.c.id)
        )
    ).all()
    return IssueStates(
        round_id=round_id,
        as_of=day,
        items=[
            IssueStateAsOf(
                issue_id=r.id,
                seq=r.seq,
                lead_org_id=r.lead_org_id,
                status=IssueStatus(r.status),
                original_deadline=r.original_deadline,
                deadline=r.deadline_in_force,
            )
            for r in rows
        ],
    )
