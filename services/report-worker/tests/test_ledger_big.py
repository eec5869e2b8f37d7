"""A 10,000-problem ledger (≈46,000 measure rows) renders as a streamed workbook with every row
and every merge (bench/ledger_memory.py measures its memory)."""

import io
import zipfile
from xml.etree.ElementTree import iterparse

from report_worker.render.ledger_xlsx import render_ledger_xlsx

from .big_ledger import big_ledger, expected_rows

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def test_a_ten_thousand_problem_ledger_has_every_row_and_merge() -> None:
    snapshot = big_ledger(10_000)
    data_rows, problem_merges = expected_rows(snapshot)
    content = render_ledger_xlsx(snapshot)

    with zipfile.ZipFile(io.BytesIO(content)) as book:
        # written row by row: inline strings, no shared-strings table held in memory to the end
        assert "xl/sharedStrings.xml" not in book.namelist()
        rows, merges, inline, first_cells = 0, [], 0, {}
        with book.open("xl/worksheets/sheet1.xml") as sheet:
            for _, element in iterparse(sheet):
                if element.tag == f"{NS}row":
                    rows += 1
                    element.clear()
                elif element.tag == f"{NS}c":
                    inline += element.get("t") == "inlineStr"
                    if element.get("r") in ("A3", "A8", "I3"):
                        first_cells[element.get("r")] = "".join(element.itertext())
                elif element.tag == f"{NS}mergeCell":
                    merges.append(element.get("ref"))
                elif element.tag == f"{NS}autoFilter":
                    autofilter = element.get("ref")

    assert rows == 2 + data_rows
    assert len(merges) == 1 + problem_merges and len(set(merges)) == len(merges)
    # problem 1 has five measures (rows 3-7), problem 2 the next five
    assert {"A1:N1", "A3:A7", "G3:G7", "A8:A12"} <= set(merges)
    assert first_cells == {"A3": "1", "A8": "2", "I3": snapshot.categories[0].issues[0].measures[0].text}
    assert inline > data_rows
    assert autofilter == f"A2:N{2 + data_rows}"


def test_the_ledger_renderer_loads_no_database_code() -> None:
    """A process that renders a snapshot (the bench's render process, whose peak RSS has a goal of
    150 MiB at 100,000 measures) starts without SQLAlchemy and the models: ~45 MiB of its imports."""
    import subprocess
    import sys

    probe = (
        "import sys; import report_worker.render.ledger_xlsx, report_worker.snapshot; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'sqlmodel', 'asyncpg') "
        "or m == 'rectify_shared.models'))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
