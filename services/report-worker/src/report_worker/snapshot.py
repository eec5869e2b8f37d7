"""A ledger as it stood at the end of a day: the plain data the renderers read.

The renderers are pure functions of a `LedgerSnapshot`; `report_worker.ledger_load` reads one from
the database. This module imports no database code, so that a process that only renders (the
bench's render process, a test building a snapshot by hand) does not load SQLAlchemy and the
models (~45 MiB resident).
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from rectify_shared.document_settings import DocumentSettings
from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.escalation_policy import DEFAULT_POLICY, warning_window
from rectify_shared.workcalendar import WorkCalendar


def weekends_only() -> WorkCalendar:
    """A calendar without official data (weekends are rest days): for hand-built snapshots."""
    return WorkCalendar({})


@dataclass(frozen=True, slots=True)
class MeasureSnapshot:
    seq: int | None  # None: an unnumbered paragraph
    text: str
    responsible_org: str | None
    deadline: date | None
    status: MeasureStatus
    latest_progress: str | None = None
    #: the measure's id: the exported ledger's hidden row key (its edits import back by it)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class IssueSnapshot:
    seq: int
    description: str
    status: IssueStatus
    status_text: str
    deadline: date | None
    lead_org: str | None
    responsible_orgs: list[str] = field(default_factory=list)
    measures: list[MeasureSnapshot] = field(default_factory=list)
    latest_progress: str | None = None
    #: the issue's id: the exported ledger's hidden row key
    id: int | None = None
    #: the task's number as the office writes it (序号十, 3-1); None: `seq`
    display_no: str | None = None

    @property
    def number(self) -> str:
        """The task's number as the ledger prints it: the office's own, else `seq`."""
        return self.display_no or str(self.seq)

    @property
    def prefix(self) -> str:
        """Before the task's text: "10." by default, "3-1." or "序号十、" for the office's own number."""
        return f"{self.number}." if self.number[-1:].isdigit() else f"{self.number}、"


@dataclass(frozen=True)
class CategorySnapshot:
    name: str
    issues: list[IssueSnapshot] = field(default_factory=list)


@dataclass(frozen=True)
class LedgerSnapshot:
    round_name: str
    inspection_team: str
    #: the office the report is for: the org at the job's scope, else the round's office
    org_name: str
    as_of: date
    categories: list[CategorySnapshot] = field(default_factory=list)
    #: the office's working days (official holidays and 调休), for days overdue
    calendar: WorkCalendar = field(default_factory=weekends_only, compare=False)
    #: the escalation policy's warning window in working days before a deadline (None: no warning)
    warning_workdays: int | None = warning_window(DEFAULT_POLICY)
    #: the round's document settings (status words, 方面 and measure numbering); default: Rectify's
    settings: DocumentSettings = field(default_factory=DocumentSettings, compare=False)
    #: the office's templates in force by kind (`templating.TemplateChoice`; absent: the shipped
    #: default), attached by the `ledger` and `issue_progress` loaders
    templates: dict[str, Any] = field(default_factory=dict, compare=False)


class LedgerScope(Protocol):
    """What a ledger report job says about its content (a `ReportJob` row, or its columns)."""

    @property
    def round_id(self) -> int: ...

    @property
    def as_of(self) -> date | None: ...

    @property
    def org_path(self) -> str: ...

    @property
    def scope_exact(self) -> bool: ...
