"""The ledger as it stood at the end of a day, read in a handful of queries.

The renderers are pure functions of a `LedgerSnapshot` (`report_worker.snapshot`); only
`load_ledger_snapshot` touches the database, and only with column selects.

What "as of" means here, row by row:
- every row counts from the day it happened (`occurred_on`, which the office may set for history
  from before Rectify; `rectify_shared.history`), else from when it was recorded;
- issues: created before the cut and not withdrawn by then (a later withdrawal does not rewrite
  history); their status is the last `issue_status_change` before the cut, or the current status
  for an issue that has no recorded change (data loaded without history);
- measures: the same created/withdrawn rule; their status is the last `measure_status_change`
  before the cut (before its first recorded change: where that change started; without any
  history: the current status); deadlines are the current ones;
- progress: the newest report before the cut that has not been withdrawn (a withdrawn report was
  a mistake, never shown);
- deadlines are judged on the office's work calendar and the round's escalation policy (its
  warning window), both carried in the snapshot so that renderers stay pure.

Rows are selected as columns, never as ORM entities, and measures (the one table that grows to
tens of thousands of rows) are streamed in chunks into slotted dataclasses. The driver makes a new
object for every value of every row; the few distinct org names and deadlines are kept once
(`_Shared`): at 100,000 measures a copy per row was ~12 MiB of the snapshot.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import load_calendar
from rectify_shared.document_settings import DocumentSettings, settings_of, status_words
from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.escalation_policy import DEFAULT_POLICY, Policy, warning_window
from rectify_shared.history import happened_before, latest_first
from rectify_shared.models import (
    EscalationPolicy,
    InspectionRound,
    Issue,
    IssueOrg,
    IssueStatusChange,
    Measure,
    MeasureStatusChange,
    Org,
    ProgressReport,
)
from rectify_shared.timezone import end_of_day, today
from rectify_shared.tree import in_subtree

from .snapshot import CategorySnapshot, IssueSnapshot, LedgerScope, LedgerSnapshot, MeasureSnapshot
from .voice import RoundNotFound as RoundNotFound  # re-exported: the kinds catch it from here
from .voice import report_voice

_T = TypeVar("_T")

#: rows fetched per round trip when streaming measures
STREAM_CHUNK = 2000


async def load_ledger_snapshot(session: AsyncSession, job: LedgerScope) -> LedgerSnapshot:
    as_of = job.as_of or today()
    cut = end_of_day(as_of)

    round_name, team, org_name = await _header(session, job.round_id, job.org_path)
    calendar = await load_calendar(session, job.org_path)  # the calendar of the org the report is for
    window, settings = await _round_settings(session, job.round_id)
    words = status_words(settings)
    issue_rows = await _fetch(session, _issues_query(job, cut))
    if not issue_rows:
        return LedgerSnapshot(round_name, team, org_name, as_of, [], calendar, window, settings)

    share = _Shared()
    scope_ids = select(col(Issue.id)).where(*_issue_scope(job, cut))
    responsible = await _responsible_orgs(session, scope_ids, share)
    issue_progress, measure_progress = await _latest_progress(session, scope_ids, cut)

    measures_of: dict[int, list[MeasureSnapshot]] = {}
    stream = await session.stream(_measures_query(scope_ids, cut).execution_options(yield_per=STREAM_CHUNK))
    async for m in stream:
        measures_of.setdefault(m.issue_id, []).append(
            MeasureSnapshot(
                seq=m.seq,
                text=m.text,
                responsible_org=share(m.org_name),
                deadline=share(m.deadline),
                status=MeasureStatus(m.status),
                latest_progress=measure_progress.get(m.id),
                id=m.id,
            )
        )

    categories: dict[str, list[IssueSnapshot]] = {}
    for row in issue_rows:  # in seq order, so categories come in the order of their first issue
        status = IssueStatus(row.status)
        categories.setdefault(row.category, []).append(
            IssueSnapshot(
                seq=row.seq,
                description=row.description,
                status=status,
                status_text=words[status.value],
                deadline=share(row.deadline),
                lead_org=share(row.lead_org),
                responsible_orgs=responsible.get(row.id, []),
                measures=measures_of.get(row.id, []),
                latest_progress=issue_progress.get(row.id),
                id=row.id,
                display_no=row.display_no,
            )
        )
    return LedgerSnapshot(
        round_name,
        team,
        org_name,
        as_of,
        [CategorySnapshot(name, issues) for name, issues in categories.items()],
        calendar,
        window,
        settings,
    )


class _Shared:
    """One object per distinct value (org names, deadlines): `share(v)` is the first equal value seen."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[Any, Any] = {}

    def __call__(self, value: _T) -> _T:
        if value is None:
            return value
        return self._seen.setdefault(value, value)  # type: ignore[no-any-return]


async def _round_settings(session: AsyncSession, round_id: int) -> tuple[int | None, DocumentSettings]:
    """The escalation policy's warning window and the round's document settings (one query)."""
    row = (
        await session.execute(
            select(col(EscalationPolicy.policy), col(InspectionRound.document_settings))
            .select_from(InspectionRound)
            .outerjoin(EscalationPolicy, col(EscalationPolicy.round_id) == col(InspectionRound.id))
            .where(col(InspectionRound.id) == round_id)
        )
    ).first()
    stored, settings = (row[0], row[1]) if row is not None else (None, None)
    window = warning_window(Policy.model_validate(stored) if stored is not None else DEFAULT_POLICY)
    return window, settings_of(settings)


def _existed_at(table: Any, cut: Any) -> ColumnElement[bool]:
    """Created (on the day it happened, `occurred_on`, when the office recorded one) before the cut
    and not yet withdrawn at it."""
    return and_(
        happened_before(col(table.occurred_on), col(table.created_at), cut),
        or_(col(table.withdrawn_at).is_(None), col(table.withdrawn_at) >= cut),
    )


def _issue_scope(job: LedgerScope, cut: Any) -> list[ColumnElement[bool]]:
    return [
        col(Issue.round_id) == job.round_id,
        _existed_at(Issue, cut),
        exists().where(
            col(IssueOrg.issue_id) == col(Issue.id),
            col(IssueOrg.org_path) == job.org_path
            if job.scope_exact
            else in_subtree(col(IssueOrg.org_path), job.org_path),
        ),
    ]


async def _header(session: AsyncSession, round_id: int, org_path: str) -> tuple[str, str, str]:
    voice = await report_voice(session, round_id, org_path)
    return voice.round_name, voice.inspection_team, voice.name


def _issues_query(job: LedgerScope, cut: Any) -> Any:
    status_at_cut = _status_at(IssueStatusChange, col(IssueStatusChange.issue_id), Issue, cut)
    lead = aliased(Org)
    return (
        select(
            col(Issue.id),
            col(Issue.seq),
            col(Issue.display_no),
            col(Issue.category),
            col(Issue.description),
            func.coalesce(status_at_cut, col(Issue.status)).label("status"),
            col(Issue.deadline),
            col(lead.name).label("lead_org"),
        )
        .outerjoin(lead, col(lead.id) == col(Issue.lead_org_id))
        .where(*_issue_scope(job, cut))
        .order_by(col(Issue.seq))
    )


async def _responsible_orgs(session: AsyncSession, scope_ids: Any, share: "_Shared") -> dict[int, list[str]]:
    rows = await _fetch(
        session,
        select(col(IssueOrg.issue_id), col(Org.name))
        .join(Org, col(Org.id) == col(IssueOrg.org_id))
        .where(col(IssueOrg.role) == "responsible", col(IssueOrg.issue_id).in_(scope_ids))
        .order_by(col(IssueOrg.issue_id), col(Org.path)),
    )
    out: dict[int, list[str]] = {}
    for issue_id, name in rows:
        out.setdefault(issue_id, []).append(share(name))
    return out


def _status_at(changes: Any, owner_id: Any, owner: Any, cut: Any) -> Any:
    """SQL, correlated to `owner` (an issue or a measure): the status its last change in `changes`
    (`issue_status_change`, `measure_status_change`, through `owner_id`) before the cut took it to,
    or NULL when none had happened by then."""
    return (
        select(col(changes.to_status))
        .where(owner_id == col(owner.id), happened_before(col(changes.occurred_on), col(changes.changed_at), cut))
        .order_by(*latest_first(col(changes.occurred_on), col(changes.changed_at), col(changes.id)))
        .limit(1)
        .correlate(owner)
        .scalar_subquery()
    )


def _measure_status_before_history() -> Any:
    """A measure whose recorded history starts after the cut stood, at the cut, where its first
    recorded change took it from."""
    first = (col(MeasureStatusChange.changed_at).asc(), col(MeasureStatusChange.id).asc())
    return (
        select(col(MeasureStatusChange.from_status))
        .where(col(MeasureStatusChange.measure_id) == col(Measure.id))
        .order_by(*first)
        .limit(1)
        .correlate(Measure)
        .scalar_subquery()
    )


def _measures_query(scope_ids: Any, cut: Any) -> Any:
    return (
        select(
            col(Measure.id),
            col(Measure.issue_id),
            col(Measure.seq),
            col(Measure.text),
            col(Org.name).label("org_name"),
            col(Measure.deadline),
            func.coalesce(
                _status_at(MeasureStatusChange, col(MeasureStatusChange.measure_id), Measure, cut),
                _measure_status_before_history(),
                col(Measure.status),
            ).label("status"),
        )
        .outerjoin(Org, col(Org.id) == col(Measure.responsible_org_id))
        .where(col(Measure.issue_id).in_(scope_ids), _existed_at(Measure, cut))
        .order_by(col(Measure.issue_id), col(Measure.position))
    )


async def _latest_progress(session: AsyncSession, scope_ids: Any, cut: Any) -> tuple[dict[int, str], dict[int, str]]:
    """(issue id -> newest text on the issue or any of its measures, measure id -> newest text)."""
    newest_first = latest_first(
        col(ProgressReport.occurred_on), col(ProgressReport.reported_at), col(ProgressReport.id)
    )
    ranked = (
        select(
            col(ProgressReport.issue_id),
            col(ProgressReport.measure_id),
            col(ProgressReport.text),
            func.row_number()
            .over(partition_by=col(ProgressReport.issue_id), order_by=newest_first)
            .label("issue_rank"),
            func.row_number()
            .over(partition_by=col(ProgressReport.measure_id), order_by=newest_first)
            .label("measure_rank"),
        )
        .where(
            col(ProgressReport.issue_id).in_(scope_ids),
            col(ProgressReport.withdrawn_at).is_(None),
            happened_before(col(ProgressReport.occurred_on), col(ProgressReport.reported_at), cut),
        )
        .subquery("ranked")
    )
    rows = await _fetch(
        session,
        select(ranked.c.issue_id, ranked.c.measure_id, ranked.c.text, ranked.c.issue_rank, ranked.c.measure_rank).where(
            or_(ranked.c.issue_rank == 1, and_(ranked.c.measure_id.is_not(None), ranked.c.measure_rank == 1))
        ),
    )
    by_issue: dict[int, str] = {}
    by_measure: dict[int, str] = {}
    for issue_id, measure_id, text, issue_rank, measure_rank in rows:
        if issue_rank == 1:
            by_issue[issue_id] = text
        if measure_id is not None and measure_rank == 1:
            by_measure[measure_id] = text
    return by_issue, by_measure


async def _fetch(session: AsyncSession, stmt: Any) -> Sequence[Any]:
    # sqlmodel types `exec` for its own select(), which stops at four columns; at run time it
    # runs any SQLAlchemy select (and unlike `execute`, is not deprecated).
    result = await session.exec(stmt)
    return result.all()
