"""Reading the bytes of an .xlsx or a .docx into grids, then into the neutral rows (pure; runs in
a worker process, see `isolated`)."""

import io
import re
import zipfile
from datetime import date

from rectify_shared.workcalendar import WorkCalendar

from . import text as tx
from .layout import Cell, Grid, Reader
from .rows import CellError, Document, Parsed

MAX_ROWS_PER_SHEET = 50_000
MAX_COLUMNS = 60


def read_xlsx(data: bytes) -> list[Grid]:
    """Every visible sheet as a grid. openpyxl's read-only mode streams the rows (its normal mode
    builds a cell object per cell and checks each merged range against every other one: a
    10,000-row 台账 with 20,000 merged ranges took 19 s to open, 3.5 s read-only); the merged
    ranges, which read-only mode does not give, come from the sheet's XML (`_merged_ranges`)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    grids = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for ws in wb.worksheets:
                if ws.sheet_state != "visible":
                    continue
                ws.reset_dimensions()  # a writer's <dimension> may be wrong or missing: read every row
                rows: list[list[Cell]] = []
                width = 0
                for values in ws.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                    if len(rows) >= MAX_ROWS_PER_SHEET:
                        break
                    cells = list(values)
                    while cells and cells[-1] is None:
                        cells.pop()
                    width = max(width, len(cells))
                    rows.append([Cell(v) for v in cells])
                for row in rows:
                    row.extend(Cell(None) for _ in range(width - len(row)))
                for min_col, min_row, max_col, max_row in _merged_ranges(archive, ws._worksheet_path):
                    if min_row > len(rows) or min_col > width:
                        continue
                    marker = object()
                    top = rows[min_row - 1][min_col - 1].value
                    for r in range(min_row, min(max_row, len(rows)) + 1):
                        for c in range(min_col, min(max_col, width) + 1):
                            rows[r - 1][c - 1] = Cell(top, marker)
                grids.append(Grid(ws.title, rows))
    finally:
        wb.close()
    return grids


#: <mergeCell ref="A3:A7"/>, with or without a namespace prefix
_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)\"")


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """(min col, min row, max col, max row) of each merged range of a sheet: its <mergeCells>
    follows the rows, so the part is scanned in chunks and only what follows it is kept."""
    from openpyxl.utils.cell import range_boundaries

    kept: list[bytes] = []
    tail = b""
    with archive.open(path.lstrip("/")) as part:
        while chunk := part.read(1 << 20):
            if kept:
                kept.append(chunk)
                continue
            window = tail + chunk
            at = window.find(b"mergeCells")
            if at >= 0:
                kept.append(window[max(0, at - 16) :])
            else:
                tail = window[-32:]
    out = []
    for ref in _MERGE_CELL.findall(b"".join(kept)):
        text = ref.decode()
        bounds = range_boundaries(text if ":" in text else f"{text}:{text}")
        out.append(tuple(int(b) for b in bounds))
    return out  # type: ignore[return-value]


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
