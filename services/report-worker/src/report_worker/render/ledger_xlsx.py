"""The ledger as an Excel workbook (sheet 整改台账): one row per measure, issue columns merged.

Written in XlsxWriter's `constant_memory` mode, so a ledger of tens of thousands of measures
takes a few megabytes however long it is: each row goes to a temporary file as soon as the
next one starts. That mode needs rows written strictly in order, which `merge_range` breaks (it
pads the merged area's lower rows at once, flushing the row still being written). So the issue's
first row is written whole, its lower rows get formatted blanks in the issue columns as they
come, and the merged ranges are registered without padding (`_register_merge`), to be written
after the rows as Excel expects.

Colours: light red for overdue (with the working days overdue in 逾期工作日), light yellow for
a deadline within the escalation policy's warning window (see `ledger_marks`).
"""

import io
import math
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from rectify_shared.enums import MEASURE_STATUS_TEXT

from ..snapshot import IssueSnapshot, LedgerSnapshot
from .ledger_marks import DeadlineMarks
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
    ("逾期工作日", 10, "center"),
    ("最新进展", 36, "text"),
)
#: the first columns describe the issue and are merged over its measure rows
ISSUE_COLUMNS = 7
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2
FILLS = {"overdue": "#FFC7CE", "warning": "#FFEB9C"}  # Excel's own light red and light yellow
A4 = 9
_LINE_POINTS = 13.5
_ROW_PADDING = 4.0
_MAX_ROW_POINTS = 409.0  # Excel's limit

Formats = dict[Any, Format]


def render_ledger_xlsx(snapshot: LedgerSnapshot, tmpdir: str | None = None) -> bytes:
    buffer = io.BytesIO()
    # strings stay strings: ledger text starting with "=" or holding a URL is not a formula or link
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "tmpdir": tmpdir}
    workbook = xlsxwriter.Workbook(buffer, options)
    title = sheet_title(snapshot)
    # a fixed creation time keeps the output a function of the snapshot (same data, same bytes)
    workbook.set_properties({"title": title, "created": datetime.combine(snapshot.as_of, time())})
    formats = _formats(workbook)
    sheet = workbook.add_worksheet(SHEET_NAME)

    for index, (_, width, _) in enumerate(COLUMNS):
        sheet.set_column(index, index, width)
    sheet.set_row(TITLE_ROW, 30)
    sheet.merge_range(TITLE_ROW, 0, TITLE_ROW, len(COLUMNS) - 1, title, formats["title"])
    sheet.set_row(HEADER_ROW, 24)
    for index, (header, _, _) in enumerate(COLUMNS):
        sheet.write_string(HEADER_ROW, index, header, formats["header"])

    marks = DeadlineMarks(snapshot)
    row = FIRST_DATA_ROW
    for category in snapshot.categories:
        for issue in category.issues:
            row += _write_issue(sheet, formats, marks, row, category.name, issue)
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


def _register_merge(sheet: Worksheet, first_row: int, col: int, last_row: int) -> None:
    """Merge a column's cells over rows already (or about to be) written, without merge_range's
    padding: the covered cells are written by the caller, row by row."""
    sheet.merge.append([first_row, col, last_row, col])


def _write_issue(
    sheet: Worksheet, formats: Formats, marks: DeadlineMarks, first: int, category: str, issue: IssueSnapshot
) -> int:
    """Writes the issue's rows from `first`, in order; returns how many rows it took."""
    issue_values: list[Any] = [
        issue.seq,
        category,
        issue.description,
        issue.status_text,
        issue.lead_org,
        "、".join(issue.responsible_orgs),
        issue.deadline,
    ]
    issue_mark = marks.issue(issue)
    rows: list[tuple[list[Any], str | None]] = []
    for m in issue.measures:
        mark = marks.measure(m, issue)
        label = measure_label(m.seq) if m.seq is not None else None
        status = MEASURE_STATUS_TEXT[m.status]
        values = [label, m.text, m.responsible_org, m.deadline, status, mark.overdue_workdays, m.latest_progress]
        rows.append((values, mark.fill))
    if not rows:
        rows.append(
            ([None, None, None, None, None, issue_mark.overdue_workdays, issue.latest_progress], issue_mark.fill)
        )

    heights = [
        _height([_lines(v, COLUMNS[c][1]) for c, v in enumerate(values, start=ISSUE_COLUMNS)]) for values, _ in rows
    ]
    needed = _height([_lines(v, COLUMNS[c][1]) for c, v in enumerate(issue_values)])
    deficit = needed - sum(heights)
    share = deficit / len(heights) if deficit > 0 else 0.0

    last = first + len(rows) - 1
    for offset, (values, fill) in enumerate(rows):
        row = first + offset
        sheet.set_row(row, min(round(heights[offset] + share, 1), _MAX_ROW_POINTS))
        for column, value in enumerate(issue_values):
            fmt = formats[(COLUMNS[column][2], issue_mark.fill)]
            if offset == 0:
                _write_value(sheet, row, column, value, fmt)
                if last > first:
                    _register_merge(sheet, first, column, last)
            else:
                sheet.write_blank(row, column, None, fmt)
        for column, value in enumerate(values, start=ISSUE_COLUMNS):
            _write_value(sheet, row, column, value, formats[(COLUMNS[column][2], fill)])
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
        total += max(1, math.ceil(_units(line) / usable))
    return total


def _units(line: str) -> int:
    """Display width: CJK characters (three bytes in UTF-8, U+0800–U+FFFF) count two. Counted
    from the encoded length (C speed) rather than per character: this runs for every cell."""
    if line.isascii():
        return len(line)
    return len(line) + (len(line.encode("utf-8")) - len(line)) // 2


def _height(lines: Sequence[int]) -> float:
    return max(lines, default=1) * _LINE_POINTS + _ROW_PADDING


def _formats(workbook: xlsxwriter.Workbook) -> Formats:
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
        formats[(name, None)] = workbook.add_format({**cell, **extra})
        for fill, colour in FILLS.items():
            formats[(name, fill)] = workbook.add_format({**cell, **extra, "bg_color": colour})
    return formats
