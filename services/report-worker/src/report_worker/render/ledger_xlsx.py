"""The ledger as an Excel workbook (sheet 整改台账): one row per measure, issue columns merged.

Written in XlsxWriter's normal mode, not `constant_memory`: the issue columns are merged
vertically over their measure rows, and in `constant_memory` mode a vertical merge_range pads
the rows below with blanks, which flushes rows before their measure cells are written (and a
merge issued later, from the last row, is refused for rows already flushed). A ledger is
hundreds to a few thousand rows, well within normal mode.
"""

import io
import math
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from rectify_shared.enums import MEASURE_STATUS_TEXT, IssueStatus, MeasureStatus

from ..snapshot import IssueSnapshot, LedgerSnapshot, MeasureSnapshot
from .wording import chinese_date, inspection_title, measure_label

SHEET_NAME = "整改台账"
#: (header, width in Excel character units, style)
COLUMNS: tuple[tuple[str, float, str], ...] = (
    ("序号", 6, "center"),
    ("方面", 16, "text"),
    ("反馈问题", 46, "text"),
    ("整改状态", 12, "center"),
    ("牵头单位", 16, "text"),
    ("责任单位", 22, "text"),
    ("完成时限", 12, "date"),
    ("措施序号", 8, "center"),
    ("整改措施", 46, "text"),
    ("措施责任单位", 16, "text"),
    ("措施时限", 12, "date"),
    ("措施状态", 10, "center"),
    ("最新进展", 36, "text"),
)
#: the first columns describe the issue and are merged over its measure rows
ISSUE_COLUMNS = 7
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2
OVERDUE_FILL = "#FFC7CE"  # Excel's own "light red fill"
A4 = 9
_ISSUE_OPEN = (IssueStatus.not_started, IssueStatus.in_progress)
_LINE_POINTS = 13.5
_ROW_PADDING = 4.0
_MAX_ROW_POINTS = 409.0  # Excel's limit


def render_ledger_xlsx(snapshot: LedgerSnapshot) -> bytes:
    buffer = io.BytesIO()
    # strings stay strings: ledger text starting with "=" or holding a URL is not a formula or link
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    title = sheet_title(snapshot)
    # a fixed creation time keeps the output a function of the snapshot (same data, same bytes)
    workbook.set_properties({"title": title, "created": datetime.combine(snapshot.as_of, time())})
    formats = _formats(workbook)
    sheet = workbook.add_worksheet(SHEET_NAME)

    for index, (_, width, _) in enumerate(COLUMNS):
        sheet.set_column(index, index, width)
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, len(COLUMNS) - 1, title, formats["title"])
    sheet.set_row(TITLE_ROW, 30)
    for index, (header, _, _) in enumerate(COLUMNS):
        sheet.write_string(HEADER_ROW, index, header, formats["header"])
    sheet.set_row(HEADER_ROW, 24)

    row = FIRST_DATA_ROW
    for category in snapshot.categories:
        for issue in category.issues:
            row += _write_issue(sheet, formats, row, category.name, issue, snapshot.as_of)
    last_row = max(row - 1, HEADER_ROW)

    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.autofilter(HEADER_ROW, 0, last_row, len(COLUMNS) - 1)
    sheet.set_landscape()
    sheet.set_paper(A4)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(HEADER_ROW)
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    workbook.close()
    return buffer.getvalue()


def sheet_title(snapshot: LedgerSnapshot) -> str:
    return (
        f"{snapshot.org_name}贯彻落实{inspection_title(snapshot.round_name)}报告整改台账"
        f"（数据截至{chinese_date(snapshot.as_of)}）"
    )


def issue_overdue(issue: IssueSnapshot, as_of: date) -> bool:
    return issue.deadline is not None and issue.deadline < as_of and issue.status in _ISSUE_OPEN


def measure_overdue(measure: MeasureSnapshot, issue: IssueSnapshot, as_of: date) -> bool:
    """A measure without its own deadline is due with its issue."""
    deadline = measure.deadline or issue.deadline
    return deadline is not None and deadline < as_of and measure.status != MeasureStatus.completed


def _write_issue(
    sheet: Worksheet,
    formats: dict[tuple[str, bool], Format],
    first: int,
    category: str,
    issue: IssueSnapshot,
    as_of: date,
) -> int:
    """Writes the issue's rows from `first`; returns how many rows it took."""
    issue_values: list[Any] = [
        issue.seq,
        category,
        issue.description,
        issue.status_text,
        issue.lead_org,
        "、".join(issue.responsible_orgs),
        issue.deadline,
    ]
    rows: list[tuple[list[Any], bool]] = [
        (
            [
                measure_label(m.seq) if m.seq is not None else None,
                m.text,
                m.responsible_org,
                m.deadline,
                MEASURE_STATUS_TEXT[m.status],
                m.latest_progress,
            ],
            measure_overdue(m, issue, as_of),
        )
        for m in issue.measures
    ] or [([None, None, None, None, None, issue.latest_progress], issue_overdue(issue, as_of))]
    last = first + len(rows) - 1

    late = issue_overdue(issue, as_of)
    for column, value in enumerate(issue_values):
        fmt = formats[(COLUMNS[column][2], late)]
        if last > first:
            sheet.merge_range(first, column, last, column, None, fmt)
        _write_value(sheet, first, column, value, fmt)
    for offset, (values, overdue) in enumerate(rows):
        for column, value in enumerate(values, start=ISSUE_COLUMNS):
            _write_value(sheet, first + offset, column, value, formats[(COLUMNS[column][2], overdue)])

    heights = [
        _height([_lines(v, COLUMNS[c][1]) for c, v in enumerate(values, start=ISSUE_COLUMNS)]) for values, _ in rows
    ]
    needed = _height([_lines(v, COLUMNS[c][1]) for c, v in enumerate(issue_values)])
    deficit = needed - sum(heights)
    for offset, height in enumerate(heights):
        share = deficit / len(heights) if deficit > 0 else 0.0
        sheet.set_row(first + offset, min(round(height + share, 1), _MAX_ROW_POINTS))
    return len(rows)


def _write_value(sheet: Worksheet, row: int, column: int, value: Any, fmt: Format) -> None:
    if value is None or value == "":
        sheet.write_blank(row, column, None, fmt)
    elif isinstance(value, date):
        sheet.write_datetime(row, column, datetime.combine(value, time()), fmt)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value, fmt)
    else:
        sheet.write_string(row, column, str(value), fmt)


def _lines(value: Any, width: float) -> int:
    """How many wrapped lines a value needs in a column (CJK characters are two units wide)."""
    if value is None or isinstance(value, int | float | date):
        return 1
    usable = max(width - 1, 1)
    total = 0
    for line in str(value).splitlines() or [""]:
        units = sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
        total += max(1, math.ceil(units / usable))
    return total


def _height(lines: Sequence[int]) -> float:
    return max(lines, default=1) * _LINE_POINTS + _ROW_PADDING


def _formats(workbook: xlsxwriter.Workbook) -> dict[Any, Any]:
    cell = {"text_wrap": True, "valign": "top", "border": 1, "font_size": 10}
    styles = {
        "text": {},
        "center": {"align": "center"},
        "date": {"align": "center", "num_format": "yyyy-mm-dd"},
    }
    formats: dict[Any, Any] = {
        "title": workbook.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "header": workbook.add_format(
            {**cell, "bold": True, "align": "center", "valign": "vcenter", "bg_color": "#D9E1F2"}
        ),
    }
    for name, extra in styles.items():
        formats[(name, False)] = workbook.add_format({**cell, **extra})
        formats[(name, True)] = workbook.add_format({**cell, **extra, "bg_color": OVERDUE_FILL})
    return formats
