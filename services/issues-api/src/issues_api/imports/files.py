"""Reading the bytes of an .xlsx or a .docx into grids, then into the neutral rows (pure; runs in
a worker process, see `isolated`)."""

import io
import re
from datetime import date

from rectify_shared.workcalendar import WorkCalendar

from . import text as tx
from .layout import Cell, Grid, Reader
from .rows import CellError, Document, Parsed

MAX_ROWS_PER_SHEET = 50_000
MAX_COLUMNS = 60


def read_xlsx(data: bytes) -> list[Grid]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), data_only=True)
    grids = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        max_row = min(ws.max_row, MAX_ROWS_PER_SHEET)
        max_col = min(ws.max_column, MAX_COLUMNS)
        rows: list[list[Cell]] = [[Cell(None) for _ in range(max_col)] for _ in range(max_row)]
        for r, values in enumerate(ws.iter_rows(min_row=1, max_row=max_row, max_col=max_col, values_only=True)):
            for c, value in enumerate(values):
                rows[r][c].value = value
        for merged in ws.merged_cells.ranges:
            marker = object()
            top = rows[merged.min_row - 1][merged.min_col - 1].value if merged.min_row <= max_row else None
            for r in range(merged.min_row, min(merged.max_row, max_row) + 1):
                for c in range(merged.min_col, min(merged.max_col, max_col) + 1):
                    rows[r - 1][c - 1] = Cell(top, marker)
        grids.append(Grid(ws.title, rows))
    wb.close()
    return grids


_DOC_NO = re.compile(r"[\u4e00-\u9fa5]{1,12}[〔\[(（]\s*\d{4}\s*[〕\])）]\s*\d+\s*号")


def read_docx(data: bytes) -> tuple[list[tuple[Grid, bool]], Document]:
    """The tables (each flagged when it directly follows another table: a continuation candidate)
    and the document's own header."""
    import docx

    d = docx.Document(io.BytesIO(data))
    doc = Document()
    head = [p.text.strip() for p in d.paragraphs[:40] if p.text.strip()]
    for line in head:
        folded = tx.fold(line)
        if doc.doc_no is None and (m := _DOC_NO.search(folded)):
            doc.doc_no = m.group(0)
        elif line.endswith("文件") and len(line) <= 60:
            doc.issuers.append(line[: -len("文件")].strip())
        elif doc.title is None and ("方案" in line or "通知" in line) and len(line) <= 120:
            doc.title = line
    for line in [tx.fold(p.text) for p in d.paragraphs if p.text.strip()]:
        if doc.issued_on is None and re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line):
            parsed = tx.parse_date(line)
            doc.issued_on = parsed[0] if parsed else None
    # body order: a table right after a table (only empty paragraphs between) continues it
    body = d.element.body
    grids: list[tuple[Grid, bool]] = []
    previous_was_table = False
    table_no = 0
    tables = iter(d.tables)
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "tbl":
            table = next(tables)
            table_no += 1
            cells = [list(row.cells) for row in table.rows]  # row.cells: table.cell(i, j) is quadratic
            # a merged cell (across: gridSpan; down: vMerge) comes back as the same <w:tc> on every
            # grid position it covers; the proxies are kept alive above, so id() is stable here
            counts: dict[int, int] = {}
            for row_cells in cells:
                for c in row_cells:
                    counts[id(c._tc)] = counts.get(id(c._tc), 0) + 1
            markers: dict[int, object] = {}
            rows: list[list[Cell]] = [
                [Cell(c.text, markers.setdefault(id(c._tc), object()) if counts[id(c._tc)] > 1 else None) for c in rc]
                for rc in cells
            ]
            grids.append((Grid(f"表{table_no}", rows), previous_was_table))
            previous_was_table = True
        elif tag == "p":
            if "".join(child.itertext()).strip():
                previous_was_table = False
        elif tag == "sectPr":
            continue
    return grids, doc


def parse(data: bytes, kind: str, calendar: WorkCalendar | None, issued_on: date | None) -> Parsed:
    out = Parsed(kind=kind)
    if kind == "xlsx":
        grids = [(g, False) for g in read_xlsx(data)]
    else:
        grids, out.document = read_docx(data)
        issued_on = issued_on or out.document.issued_on
    reader = Reader(calendar, issued_on)
    found = False
    for grid, follows_table in grids:
        out.sheets.append(grid.name)
        if reader.read(grid, continuation=follows_table and found):
            found = True
    reader.finish()
    if not found:
        out.errors.append(
            CellError(
                grids[0][0].name if grids else "",
                None,
                None,
                None,
                "找不到任务表：需要含“问题”及“整改措施”“责任单位”“整改时限”等列的表头",
                "No task table found: a header row with 问题 and columns such as 整改措施, 责任单位, 整改时限",
            )
        )
    out.problems, out.errors = reader.problems, out.errors + reader.errors
    out.columns = reader.seen_columns
    return out
