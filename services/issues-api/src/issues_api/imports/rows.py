"""The neutral model every layout is read into, whatever file it came from."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .deadlines import Deadline


@dataclass
class CellError:
    sheet: str
    row: int | None  # as the file shows it (1-based); for a .docx, the table's row
    column: str | None  # the header as written
    value: str | None
    zh: str
    en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "reason": f"{self.zh} / {self.en}",
            "reason_zh": self.zh,
            "reason_en": self.en,
        }


@dataclass
class Where:
    sheet: str
    row: int


@dataclass
class MeasureRow:
    where: Where
    seq: int | None
    text: str
    orgs: list[str] = field(default_factory=list)
    deadline: Deadline | None = None
    status: str | None = None  # a MeasureStatus value
    #: the measure's id, from the hidden 措施键 of a ledger Rectify exported ("measure:41")
    key: int | None = None


@dataclass
class ProblemRow:
    where: Where
    seq: int
    category: str
    description: str
    #: the number as the document writes it, without its marks ("十" of "（十）", "序号十", "3-1");
    #: "" when it is the plain number `seq`; None when the file writes no number (nothing to compare)
    display_no: str | None = None
    goal: str | None = None
    lead: list[str] = field(default_factory=list)
    responsible: list[str] = field(default_factory=list)
    deadline: Deadline | None = None
    leader: dict[str, str] | None = None
    status: str | None = None  # an IssueStatus value
    on_schedule: bool | None = None
    completed_on: date | None = None
    progress: list[tuple[date | None, str]] = field(default_factory=list)
    measures: list[MeasureRow] = field(default_factory=list)
    #: the issue's id, from the hidden 问题键 of a ledger Rectify exported ("issue:12")
    key: int | None = None


@dataclass
class Document:
    """A 整改方案's own header: 文号, issuing bodies, date."""

    doc_no: str | None = None
    issuers: list[str] = field(default_factory=list)
    issued_on: date | None = None
    title: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "doc_no": self.doc_no,
            "issuers": self.issuers,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "title": self.title,
        }


@dataclass
class Parsed:
    kind: str  # "xlsx" | "docx"
    problems: list[ProblemRow] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    document: Document | None = None
    sheets: list[str] = field(default_factory=list)
    #: the fields the file has a column for (a field without one is left as it is on update)
    columns: set[str] = field(default_factory=set)
