"""What a progress report (整改落实情况报告) adds to the ledger snapshot, read in three queries.

- the round's facts for the opening paragraph (dates of stay and feedback, the inspected region);
- the narrative the office wrote for this round and the report's org (`round_narrative`), as it
  stands now: the table keeps no history of the text, unlike the ledger's statuses;
- of the issues in progress at `as_of`, how many are on schedule (达到序时进度) and how many
  behind (滞后), by the one definition the API's stats use too (`rectify_shared.schedule`);
- the round's indicators in the report's scope, as the words the narrative's placeholders
  ({{指标:…}}) print, computed as of `as_of`;
- the petition cases (信访举报件) of the round in the report's scope, as of `as_of`, counted by
  the same code as the API's `/stats/petitions`.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import IssueStatus, ReportKind
from rectify_shared.indicator_phrases import IndicatorWords, words
from rectify_shared.indicator_rows import judge
from rectify_shared.models import Indicator, InspectionRound, Issue, Org, PetitionCase, RoundNarrative
from rectify_shared.petition_stats import PetitionFigures, aggregate, case_rows
from rectify_shared.schedule import schedule_split
from rectify_shared.timezone import today
from rectify_shared.tree import in_subtree

from .ledger_load import RoundNotFound, load_ledger_snapshot
from .snapshot import LedgerScope, LedgerSnapshot
from .templating import load_choice


@dataclass(frozen=True)
class NarrativeSection:
    #: literal, numbering included ("一、…"); empty for paragraphs under no heading
    heading: str
    paragraphs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ProgressReportSnapshot:
    ledger: LedgerSnapshot
    target_region: str
    stay_start: date | None = None
    stay_end: date | None = None
    feedback_date: date | None = None
    sections: list[NarrativeSection] = field(default_factory=list)
    #: of the issues in progress at `as_of`: judged on schedule / behind (the rest are not judged)
    on_schedule: int = 0
    behind: int = 0
    #: the round's petition cases in scope as of `as_of` (none: the opening says nothing of them)
    petitions: PetitionFigures | None = None
    #: the round's indicators in scope, for the narrative's placeholders
    indicators: list[IndicatorWords] = field(default_factory=list)
    #: the office's template in force (`templating.TemplateChoice`; None: the shipped one)
    template: Any = None


async def load_progress_report(session: AsyncSession, job: LedgerScope) -> ProgressReportSnapshot:
    ledger = await load_ledger_snapshot(session, job)
    facts = (
        await session.exec(
            select(
                col(InspectionRound.target_region),
                col(InspectionRound.stay_start),
                col(InspectionRound.stay_end),
                col(InspectionRound.feedback_date),
            ).where(col(InspectionRound.id) == job.round_id)
        )
    ).first()
    if facts is None:  # pragma: no cover - the ledger snapshot has already checked
        raise RoundNotFound(f"inspection round {job.round_id} does not exist")
    in_progress = [i.seq for c in ledger.categories for i in c.issues if i.status == IssueStatus.in_progress]
    as_of = job.as_of or today()
    on_schedule, behind = await _schedule(session, job.round_id, in_progress, as_of)
    return ProgressReportSnapshot(
        ledger=ledger,
        target_region=facts[0],
        stay_start=facts[1],
        stay_end=facts[2],
        feedback_date=facts[3],
        sections=await load_narrative(session, job.round_id, job.org_path),
        on_schedule=on_schedule,
        behind=behind,
        petitions=await load_petition_figures(session, job),
        indicators=await load_indicator_words(session, job, as_of),
        template=await load_choice(session, ReportKind.progress_report.value, job),
    )


async def load_indicator_words(session: AsyncSession, job: LedgerScope, as_of: date) -> list[IndicatorWords]:
    where = [col(Indicator.round_id) == job.round_id, _in_scope(col(Indicator.org_path), job)]
    judged = await judge(session, where, as_of)
    return [words(j.indicator.id or 0, j.spec, j.reported, j.figures) for j in judged]


def _in_scope(column: Any, job: LedgerScope) -> ColumnElement[bool]:
    result: ColumnElement[bool] = column == job.org_path if job.scope_exact else in_subtree(column, job.org_path)
    return result


def petition_visible(job: LedgerScope) -> ColumnElement[bool]:
    """The report's scope over petition cases: their locality or their responsible org in it (as the API's)."""
    return or_(
        _in_scope(col(PetitionCase.locality_path), job),
        col(PetitionCase.responsible_path).is_not(None) & _in_scope(col(PetitionCase.responsible_path), job),
    )


async def load_petition_figures(session: AsyncSession, job: LedgerScope) -> PetitionFigures:
    """The petition figures of the report's round and scope (locality or responsible org in it)."""
    rows = (await session.execute(case_rows(job.round_id, job.as_of or today(), petition_visible(job)))).all()
    return aggregate(rows)


async def load_narrative(session: AsyncSession, round_id: int, org_path: str) -> list[NarrativeSection]:
    """The narrative of the report for the org at `org_path`; empty when none was written."""
    row = (
        await session.exec(
            select(RoundNarrative.sections)
            .join(Org, col(Org.id) == col(RoundNarrative.org_id))
            .where(col(RoundNarrative.round_id) == round_id, col(Org.path) == org_path)
        )
    ).first()
    return parse_sections(row) if row is not None else []


def parse_sections(raw: Any) -> list[NarrativeSection]:
    """The stored JSON as sections; anything malformed is dropped rather than printed as data."""
    sections: list[NarrativeSection] = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        heading = item.get("heading")
        paragraphs = item.get("paragraphs")
        if not isinstance(paragraphs, list):
            paragraphs = []
        texts = [p.strip() for p in paragraphs if isinstance(p, str) and p.strip()]
        heading_text = heading.strip() if isinstance(heading, str) else ""
        if heading_text or texts:
            sections.append(NarrativeSection(heading_text, texts))
    return sections


async def _schedule(session: AsyncSession, round_id: int, seqs: list[int], as_of: date) -> tuple[int, int]:
    """(on schedule, behind) of the issues in progress: the one definition (`rectify_shared.schedule`)."""
    if not seqs:
        return 0, 0
    rows = (
        await session.exec(select(col(Issue.id)).where(col(Issue.round_id) == round_id, col(Issue.seq).in_(seqs)))
    ).all()
    counted = await schedule_split(session, [i for i in rows if i is not None], as_of)
    return counted.on_schedule, counted.behind
