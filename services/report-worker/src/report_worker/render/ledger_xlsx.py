"""The ledger as an Excel workbook (sheet 整改台账): one row per measure, issue columns merged.

Written in XlsxWriter's `constant_memory` mode: the title and header go through XlsxWriter's
API, the data rows (one per measure, 100,000 in a province's ledger) are serialised by
`StreamedRows` straight into the worksheet's row file, in exactly the XML XlsxWriter writes for
the same `write_*` calls (`CellRows`, kept as the reference, does it through the API; a test
compares the two byte for byte). The API path costs a cell object, a row-info entry and a
row-size entry per row, kept to the end: at 100,000 measures that was 2.7× the time of a bare
XlsxWriter dump and ~50 MiB. Merged issue columns are kept as one (first, last) pair per issue
(`IssueMerges`), expanded only when XlsxWriter writes `<mergeCells>` after the rows, as Excel
expects.

Two hidden columns after 最新进展 carry each row's keys (问题键 "issue:12", 措施键 "measure:41"):
an office edits its copy in Excel and imports it back (issues-api's round import), matched by them.

Colours: light red for overdue (with the working days overdue in 逾期工作日), light yellow for
a deadline within the escalation policy's warning window (see `ledger_marks`).
"""

import functools
import io
import math
import re
from array import array
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from typing import Any, Protocol, overload

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import _datetime_to_excel_datetime, xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from rectify_shared.enums import MEASURE_STATUS_TEXT
from rectify_shared.titles import document_title

from ..snapshot import IssueSnapshot, LedgerSnapshot
from .ledger_marks import DeadlineMarks
from .wording import chinese_date, measure_label
from .xlsx_text import inline_string_xml, merge_text, write_text, xlsxwriter_text

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
    # hidden: the row keys an edited copy imports back by (issues_api.imports: 问题键/措施键)
    ("问题键", 12, "text"),
    ("措施键", 12, "text"),
)
#: the first columns describe the issue and are merged over its measure rows
ISSUE_COLUMNS = 7
#: the columns shown; the row keys after them are hidden
VISIBLE_COLUMNS = len(COLUMNS) - 2
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2
FILLS = {"overdue": "#FFC7CE", "warning": "#FFEB9C"}  # Excel's own light red and light yellow
A4 = 9
_LINE_POINTS = 13.5
_ROW_PADDING = 4.0
_MAX_ROW_POINTS = 409.0  # Excel's limit

Formats = dict[Any, Format]


def render_ledger_xlsx(
    snapshot: LedgerSnapshot, tmpdir: str | None = None, rows: "type[RowSink] | None" = None
) -> bytes:
    """`rows`: how data rows reach the sheet (default `StreamedRows`; `CellRows` is the reference)."""
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
        sheet.set_column(index, index, width, None, {"hidden": index >= VISIBLE_COLUMNS})
    sheet.set_row(TITLE_ROW, 30)
    merge_text(sheet, TITLE_ROW, 0, TITLE_ROW, VISIBLE_COLUMNS - 1, title, formats["title"])
    sheet.set_row(HEADER_ROW, 24)
    for index, (header, _, _) in enumerate(COLUMNS):
        write_text(sheet, HEADER_ROW, index, header, formats["header"])

    marks = DeadlineMarks(snapshot)
    sink = (rows or StreamedRows)(sheet, FIRST_DATA_ROW)
    merges = IssueMerges(sheet.merge)
    # the reference path keeps XlsxWriter's own <mergeCells> writer, so the test compares both
    merges.install(sheet, write_xml=isinstance(sink, StreamedRows))
    row = FIRST_DATA_ROW
    for category in snapshot.categories:
        for issue in category.issues:
            row += _write_issue(sink, merges, formats, marks, row, category.name, issue)
    last_row = max(row - 1, HEADER_ROW)
    sink.close(last_row)

    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.autofilter(HEADER_ROW, 0, last_row, VISIBLE_COLUMNS - 1)
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
        document_title("ledger_sheet", snapshot.round_name, org=snapshot.org_name)
        + f"（数据截至{chinese_date(snapshot.as_of)}）"
    )


class IssueMerges(Sequence[list[int]]):
    """The sheet's merged ranges: the ones already registered, then each multi-row issue's
    first ISSUE_COLUMNS columns, stored as one (first row, last row) pair per issue."""

    def __init__(self, before: list[list[int]]) -> None:
        self._before = list(before)
        self._rows = array("l")

    def add_issue(self, first_row: int, last_row: int) -> None:
        self._rows.extend((first_row, last_row))

    def __len__(self) -> int:
        return len(self._before) + len(self._rows) // 2 * ISSUE_COLUMNS

    def __iter__(self) -> Iterator[list[int]]:
        yield from self._before
        rows = self._rows
        for i in range(0, len(rows), 2):
            first, last = rows[i], rows[i + 1]
            for column in range(ISSUE_COLUMNS):
                yield [first, column, last, column]

    @overload
    def __getitem__(self, index: int) -> list[int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[list[int]]: ...
    def __getitem__(self, index: int | slice) -> list[int] | list[list[int]]:
        return list(self)[index]  # not on the render path: XlsxWriter only counts and iterates

    def append(self, merged: list[int]) -> None:
        raise NotImplementedError("merge_range after the ledger rows is not supported")

    def install(self, sheet: Worksheet, *, write_xml: bool) -> None:
        """Become the sheet's merged ranges; with `write_xml`, written by `write_xml` rather than
        XlsxWriter's `_write_merge_cells` (a few calls per range on escaping and cell names)."""
        sheet.merge = self  # type: ignore[assignment]  # a sequence of [r1, c1, r2, c2] is all it reads
        if write_xml:
            sheet._write_merge_cells = lambda: self.write_xml(sheet.fh)  # type: ignore[method-assign]

    def write_xml(self, fh: Any) -> None:
        """`<mergeCells>` exactly as XlsxWriter writes it."""
        if not len(self):
            return
        fh.write(f'<mergeCells count="{len(self)}">')
        for r1, c1, r2, c2 in self._before:
            fh.write(f'<mergeCell ref="{xl_rowcol_to_cell(r1, c1)}:{xl_rowcol_to_cell(r2, c2)}"/>')
        names = [xl_col_to_name(c) for c in range(ISSUE_COLUMNS)]
        rows = self._rows
        chunk: list[str] = []
        for i in range(0, len(rows), 2):
            first, last = rows[i] + 1, rows[i + 1] + 1
            chunk.extend(f'<mergeCell ref="{name}{first}:{name}{last}"/>' for name in names)
            if len(chunk) > 4096:
                fh.write("".join(chunk))
                chunk.clear()
        fh.write("".join(chunk))
        fh.write("</mergeCells>")


class RowSink(Protocol):
    def __init__(self, sheet: Worksheet, first_row: int) -> None: ...

    def row(self, row: int, height: float, values: Sequence[Any], formats: Sequence[Format]) -> None:
        """One data row, columns 0.. in order; `height` in points. `formats` is one of a few
        lists reused row after row."""

    def close(self, last_row: int) -> None: ...


class CellRows:
    """Data rows through XlsxWriter's API: one `write_*` per cell (the reference for StreamedRows)."""

    def __init__(self, sheet: Worksheet, first_row: int) -> None:
        self.sheet = sheet

    def row(self, row: int, height: float, values: Sequence[Any], formats: Sequence[Format]) -> None:
        sheet = self.sheet
        sheet.set_row(row, height)
        for column, (value, fmt) in enumerate(zip(values, formats, strict=True)):
            if value is None or value == "":
                sheet.write_blank(row, column, None, fmt)
            elif isinstance(value, date):
                sheet.write_datetime(row, column, datetime.combine(value, time()), fmt)
            elif isinstance(value, int | float):
                sheet.write_number(row, column, value, fmt)
            else:
                write_text(sheet, row, column, value, fmt)

    def close(self, last_row: int) -> None:
        pass


#: text that needs more than copying into `<t>`: XML escapes (and the `<r>` form, see
#: xlsx_text), control characters, literal `_xHHHH_`, leading/trailing whitespace (xml:space)
_SPECIAL = re.compile("^\\s|\\s$|_x[0-9a-fA-F]{4}_|[&<>\\x00-\\x08\\x0b-\\x1f\\ufffe\\uffff]")


class StreamedRows:
    """Data rows serialised straight into the constant_memory row file, as XlsxWriter's
    `_write_single_row` would for the same `set_row` and `write_*` calls (see `CellRows`): the
    `<row>` element with its height, `<c>` elements with the same style indexes (taken from each
    format the first time it is used, as XlsxWriter does), numbers as `%.16G`, dates as Excel
    serials, text as inline strings with the same escaping, whitespace preservation, truncation
    to Excel's 32,767 UTF-16 units (all through `xlsx_text`, as `CellRows`' `write_text`)."""

    def __init__(self, sheet: Worksheet, first_row: int) -> None:
        if not sheet.constant_memory:
            raise ValueError("StreamedRows writes into constant_memory mode's row file")
        sheet._write_single_row(first_row)  # flush the header row, as the first write_* would
        self.sheet = sheet
        self.fh = sheet.fh
        self.first_row = first_row
        self.default_height = sheet.default_row_height
        self._style: dict[int, list[str]] = {}
        self._keep: list[Sequence[Format]] = []
        self._days: dict[date, str] = {}
        self._column_names = [xl_col_to_name(c) for c in range(len(COLUMNS))]
        self._buffer: list[str] = []

    def _styles(self, formats: Sequence[Format]) -> list[str]:
        """The ` s="…"` attribute of each format, taken in column order the first time a format
        list is used (XlsxWriter numbers formats in order of first use)."""
        styles = self._style.get(id(formats))
        if styles is None:
            styles = []
            for fmt in formats:
                index = fmt._get_xf_index()
                styles.append(f' s="{index}"' if index else "")
            self._style[id(formats)] = styles
            self._keep.append(formats)  # the id stays this list's while it is cached
        return styles

    def row(self, row: int, height: float, values: Sequence[Any], formats: Sequence[Format]) -> None:
        out = self._buffer
        number = row + 1
        pixels = int(height * 4.0 / 3.0 + 0.5)
        if pixels == 0:
            raise ValueError("a ledger row is never hidden")
        if pixels != self.default_height:
            out.append(f'<row r="{number}" ht="{pixels * 0.75:.16g}" customHeight="1">')
        else:
            out.append(f'<row r="{number}">')
        for name, style, value in zip(self._column_names, self._styles(formats), values, strict=True):
            if value is None or value == "":
                out.append(f'<c r="{name}{number}"{style}/>')
            elif value.__class__ is str:
                if _SPECIAL.search(value) is None and len(value) <= 16383:
                    out.append(f'<c r="{name}{number}"{style} t="inlineStr"><is><t>{value}</t></is></c>')
                else:
                    out.append(self._string(f"{name}{number}", style, value))
            elif isinstance(value, date):
                serial = self._days.get(value)
                if serial is None:
                    day = datetime.combine(value, time())
                    serial = self._days[value] = f"{_datetime_to_excel_datetime(day, False, False):.16G}"
                out.append(f'<c r="{name}{number}"{style}><v>{serial}</v></c>')
            elif isinstance(value, int | float):
                if not math.isfinite(value):
                    raise TypeError("NAN/INF not supported in a ledger cell")
                out.append(f'<c r="{name}{number}"{style}><v>{value:.16G}</v></c>')
            else:
                out.append(self._string(f"{name}{number}", style, str(value)))
        out.append("</row>")
        if len(out) > 4096:
            self._flush()

    @staticmethod
    def _string(ref: str, style: str, text: str) -> str:
        if not xlsxwriter_text(text):  # nothing left once cleaned (a lone control character): blank, as write_text
            return f'<c r="{ref}"{style}/>'
        return f'<c r="{ref}"{style} t="inlineStr"><is>{inline_string_xml(text)}</is></c>'

    def _flush(self) -> None:
        self.fh.write("".join(self._buffer))
        self._buffer.clear()

    def close(self, last_row: int) -> None:
        self._flush()
        sheet = self.sheet
        if last_row >= self.first_row:
            sheet.dim_rowmax = max(sheet.dim_rowmax or 0, last_row)
            sheet.dim_colmax = max(sheet.dim_colmax or 0, len(COLUMNS) - 1)
            sheet.dim_colmin = min(sheet.dim_colmin if sheet.dim_colmin is not None else 0, 0)
        sheet.previous_row = last_row + 1  # nothing left for XlsxWriter's last flush


def _write_issue(
    sink: RowSink,
    merges: IssueMerges,
    formats: Formats,
    marks: DeadlineMarks,
    first: int,
    category: str,
    issue: IssueSnapshot,
) -> int:
    """Writes the issue's rows from `first`, in order; returns how many rows it took."""
    issue_values: list[Any] = [
        issue.display_no or issue.seq,
        category,
        issue.description,
        issue.status_text,
        issue.lead_org,
        "、".join(issue.responsible_orgs),
        issue.deadline,
    ]
    issue_mark = marks.issue(issue)
    issue_key = f"issue:{issue.id}" if issue.id is not None else None
    rows: list[tuple[list[Any], str | None, str | None]] = []
    for m in issue.measures:
        mark = marks.measure(m, issue)
        label = _measure_label(m.seq) if m.seq is not None else None
        status = MEASURE_STATUS_TEXT[m.status]
        values = [label, m.text, m.responsible_org, m.deadline, status, mark.overdue_workdays, m.latest_progress]
        rows.append((values, mark.fill, f"measure:{m.id}" if m.id is not None else None))
    if not rows:
        rows.append(
            ([None, None, None, None, None, issue_mark.overdue_workdays, issue.latest_progress], issue_mark.fill, None)
        )

    heights = [_height([_lines(v, w) for v, w in zip(values, _MEASURE_WIDTHS, strict=True)]) for values, _, _ in rows]
    needed = _height([_lines(v, w) for v, w in zip(issue_values, _ISSUE_WIDTHS, strict=True)])
    deficit = needed - sum(heights)
    share = deficit / len(heights) if deficit > 0 else 0.0

    blanks = [None] * ISSUE_COLUMNS
    last = first + len(rows) - 1
    if last > first:
        merges.add_issue(first, last)
    for offset, (values, fill, measure_key) in enumerate(rows):
        height = min(round(heights[offset] + share, 1), _MAX_ROW_POINTS)
        row_values = (issue_values if offset == 0 else blanks) + values + [issue_key, measure_key]
        sink.row(first + offset, height, row_values, formats[("row", issue_mark.fill, fill)])
    return len(rows)


_measure_label = functools.lru_cache(maxsize=256)(measure_label)
_ISSUE_WIDTHS = [width for _, width, _ in COLUMNS[:ISSUE_COLUMNS]]
_MEASURE_WIDTHS = [width for _, width, _ in COLUMNS[ISSUE_COLUMNS:VISIBLE_COLUMNS]]


def _lines(value: Any, width: float) -> int:
    """How many wrapped lines a value needs in a column (CJK characters are two units wide)."""
    if value.__class__ is not str:
        if value is None or isinstance(value, int | float | date):
            return 1
        value = str(value)
    usable = max(width - 1, 1)
    if "\n" not in value and "\r" not in value and not _OTHER_BREAKS.search(value):
        return max(1, math.ceil(_units(value) / usable))
    total = 0
    for line in value.splitlines() or [""]:
        total += max(1, math.ceil(_units(line) / usable))
    return total


#: line boundaries `str.splitlines` knows besides \n and \r
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


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
    # each column's format per fill, looked up once per row rather than once per cell
    for issue_fill in (None, *FILLS):
        for measure_fill in (None, *FILLS):
            formats[("row", issue_fill, measure_fill)] = [
                formats[(style, issue_fill if column < ISSUE_COLUMNS else measure_fill)]
                for column, (_, _, style) in enumerate(COLUMNS)
            ]
    return formats
