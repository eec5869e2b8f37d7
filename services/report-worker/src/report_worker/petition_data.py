"""What the petition documents are made of, read in a few column selects.

- `petition_notice`: the figures of one batch and of every batch so far, both from
  `rectify_shared.petition_stats` (the code behind `GET /stats/petitions`), so that the notice
  says exactly what the statistics say for the same round, scope and day;
- `petition_table`: the cases of one batch in the report's scope registered by the day, with
  their current texts (the schema keeps a history of states only).

The scope is the job's org (its subtree, or the org alone for a unit's report): a case is in it
when its locality or its responsible org is, as in the API.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import pollution
from rectify_shared.enums import PETITION_VERDICT_TEXT, MoneyUnit, PetitionVerdict, ReportKind
from rectify_shared.models import Org, PetitionBatch, PetitionCase
from rectify_shared.petition_stats import PetitionFigures, aggregate, case_rows
from rectify_shared.timezone import end_of_day, today

from .narrative import petition_visible
from .snapshot import LedgerScope
from .templating import load_choice
from .voice import report_voice


class PetitionBatchNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Header:
    round_name: str
    inspection_team: str
    #: the round's office (it signs the notice)
    office: str
    #: the org of the report's scope and what the notice calls its whole area (全盟, 全市, 全旗…)
    org_name: str
    area: str


@dataclass(frozen=True)
class BatchFigures:
    batch_no: int
    transferred_at: date
    figures: PetitionFigures


@dataclass(frozen=True)
class PetitionNotice:
    header: Header
    as_of: date
    money_unit: MoneyUnit
    #: the batch the notice is about (None: no batch transferred by the day)
    batch: BatchFigures | None
    cumulative: PetitionFigures = field(default_factory=PetitionFigures)
    #: the office's template in force (`templating.TemplateChoice`; None: the shipped one)
    template: Any = None
    #: cases of earlier batches published on the notice's day: (batch_no, cases), by batch
    published_late: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class TableRow:
    intake_no: str
    content: str
    locality: str
    pollution: str
    findings: str
    verdict: str
    handling: str
    accountability: str


@dataclass(frozen=True)
class PetitionTable:
    header: Header
    as_of: date
    batch_no: int
    transferred_at: date
    rows: list[TableRow] = field(default_factory=list)
    #: the office's template in force (`templating.TemplateChoice`; None: the shipped one)
    template: Any = None


def team_word(team: str) -> str:
    """中央督察组 for a central team (the notices' wording), else the team's own name."""
    return "中央督察组" if team.startswith("中央") else team or "督察组"


def money_unit(job: Any) -> MoneyUnit:
    raw = (getattr(job, "params", None) or {}).get("money_unit") or MoneyUnit.yuan.value
    return MoneyUnit(raw)


def batch_param(job: Any) -> int | None:
    value = (getattr(job, "params", None) or {}).get("batch_id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"a {getattr(job, 'kind', 'petition')} report needs a whole-number batch_id")
    return value


async def load_header(session: AsyncSession, job: LedgerScope) -> Header:
    voice = await report_voice(session, job.round_id, job.org_path)
    return Header(voice.round_name, voice.inspection_team, voice.signature, voice.name, voice.area)


async def _batch(session: AsyncSession, job: LedgerScope, batch_id: int | None, as_of: date) -> Any:
    """(id, batch_no, transferred_at) of the named batch of the job's round, or of its latest
    batch transferred by `as_of`; None when there is none of the latter."""
    stmt = select(col(PetitionBatch.id), col(PetitionBatch.batch_no), col(PetitionBatch.transferred_at)).where(
        col(PetitionBatch.round_id) == job.round_id
    )
    if batch_id is not None:
        row = (await session.execute(stmt.where(col(PetitionBatch.id) == batch_id))).first()
        if row is None:
            raise PetitionBatchNotFound(f"petition batch {batch_id} is not in this round / 信访举报件批次不存在")
        return row
    stmt = stmt.where(col(PetitionBatch.transferred_at) <= as_of).order_by(col(PetitionBatch.batch_no).desc())
    return (await session.execute(stmt.limit(1))).first()


async def load_notice(session: AsyncSession, job: Any) -> PetitionNotice:
    as_of = job.as_of or today()
    header = await load_header(session, job)
    visible = petition_visible(job)
    cumulative = aggregate((await session.execute(case_rows(job.round_id, as_of, visible))).all())
    batch = await _batch(session, job, batch_param(job), as_of)
    line = None
    if batch is not None:
        batch_id, batch_no, transferred_at = batch
        in_batch = visible & (col(PetitionCase.batch_id) == batch_id)
        figures = aggregate((await session.execute(case_rows(job.round_id, as_of, in_batch))).all())
        line = BatchFigures(batch_no, transferred_at, figures)
    template = await load_choice(session, ReportKind.petition_notice.value, job)
    late = await _published_late(session, job, visible, as_of, batch[0] if batch is not None else None)
    return PetitionNotice(header, as_of, money_unit(job), line, cumulative, template, late)


async def _published_late(
    session: AsyncSession, job: Any, visible: Any, as_of: date, batch_id: int | None
) -> tuple[tuple[int, int], ...]:
    """Cases in scope published on the day (`published_at`) that belong to an earlier batch."""
    where = [visible, col(PetitionCase.round_id) == job.round_id, col(PetitionCase.published_at) == as_of]
    if batch_id is not None:
        where.append(col(PetitionCase.batch_id) != batch_id)
    rows = (
        await session.execute(
            select(col(PetitionBatch.batch_no), func.count())
            .select_from(PetitionCase)
            .join(PetitionBatch, col(PetitionBatch.id) == col(PetitionCase.batch_id))
            .where(*where)
            .group_by(col(PetitionBatch.batch_no))
            .order_by(col(PetitionBatch.batch_no))
        )
    ).all()
    return tuple((int(no), int(n)) for no, n in rows)


def accountability_text(raw: dict[str, Any] | None) -> str:
    """The office's own words when written; else the counts in words; else 无."""
    acc = raw or {}
    notes = acc.get("notes")
    if isinstance(notes, str) and notes.strip():
        return notes.strip()
    parts = [
        f"{label}{int(acc.get(name) or 0)}{unit}"
        for name, label, unit in (
            ("ordered_rectification", "责令整改", "家"),
            ("penalty_cases", "立案处罚", "家"),
            ("fine_yuan", "罚款", "元"),
            ("criminal_investigations", "立案侦查", "件"),
            ("administrative_detentions", "行政拘留", "人"),
            ("criminal_detentions", "刑事拘留", "人"),
            ("interviews", "约谈", "人"),
            ("accountable_persons", "问责", "人"),
        )
        if int(acc.get(name) or 0)
    ]
    return "，".join(parts) + "。" if parts else "无"


async def load_table(session: AsyncSession, job: Any) -> PetitionTable:
    as_of = job.as_of or today()
    batch_id = batch_param(job)
    if batch_id is None:
        raise ValueError("a petition_table report needs the parameter batch_id")
    header = await load_header(session, job)
    _, batch_no, transferred_at = await _batch(session, job, batch_id, as_of)
    C = PetitionCase
    rows = (
        await session.execute(
            select(
                col(C.intake_no),
                col(C.content),
                col(Org.name),
                col(C.pollution_types),
                col(C.findings),
                col(C.verdict),
                col(C.handling),
                col(C.accountability),
            )
            .join(Org, col(Org.id) == col(C.locality_org_id))
            .where(
                col(C.batch_id) == batch_id,
                col(C.round_id) == job.round_id,
                col(C.created_at) < end_of_day(as_of),
                petition_visible(job),
            )
            .order_by(col(C.id))
        )
    ).all()
    types = await pollution.load(session)
    return PetitionTable(
        header,
        as_of,
        batch_no,
        transferred_at,
        [
            TableRow(
                intake_no=r[0],
                content=r[1],
                locality=r[2],
                pollution="、".join(types.name_of(p) for p in r[3] or []),
                findings=r[4] or "",
                verdict=PETITION_VERDICT_TEXT[PetitionVerdict(r[5])] if r[5] else "",
                handling=r[6] or "",
                accountability=accountability_text(r[7]),
            )
            for r in rows
        ],
        await load_choice(session, ReportKind.petition_table.value, job),
    )
