"""Security review finding 1: user text never becomes XML in any workbook.

XlsxWriter copies a string of the form `<r>…</r>` verbatim as rich-text XML. Each payload below
goes through every xlsx kind (the ledger by both row paths, the petition 一览表, the indicators
table, the dispatch summary): no `<f>` element may appear, every XML part must parse, the shared
strings table must hold exactly its declared count, openpyxl must read back each payload as the
cell's text, and LibreOffice must open the file (skipped with a message when soffice is absent,
outside CI; `make office` installs libreoffice-calc-nogui).
"""

import io
import os
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest

from rectify_shared.enums import IssueStatus, MeasureStatus, ReportFormat
from rectify_shared.escalation_policy import Level
from rectify_shared.indicator_figures import Reported, Spec, figures
from rectify_shared.indicators import Direction, IndicatorKind
from rectify_shared.periods import parse_period
from report_worker.kinds import get
from report_worker.petition_data import Header, PetitionTable, TableRow
from report_worker.render.dispatch_summary import DispatchSummary, EscalationLine, UnitReport
from report_worker.render.indicators import IndicatorItem, IndicatorsSnapshot
from report_worker.render.ledger_xlsx import CellRows, render_ledger_xlsx
from report_worker.snapshot import CategorySnapshot, LedgerSnapshot, MeasureSnapshot

from .conftest import AS_OF, issue

FORMULA = (
    '<r><t>x</t></r></is></c><c r="P3" t="str"><f>HYPERLINK("http://evil.example/","点击")</f>'
    '<v>点击</v></c><c r="Q3" t="inlineStr"><is><r><t>y</t></r>'
)
SHIFT = "<r><t>x</t></r></si><si><r><t>shifted</t></r>"
BROKEN = "<r><t>x</r>"
SHARED_FORMULA = "<r><t>a</t></r></si><si><r><t>b</t></r>"
PAYLOADS = [FORMULA, SHIFT, BROKEN, "<r></r>", "<r>" + "&<>" * 12000 + "</r>"]


def ledger(payloads: list[str]) -> LedgerSnapshot:
    issues = []
    for n, text in enumerate(payloads, start=1):
        measure = MeasureSnapshot(1, text, text, date(2024, 12, 1), MeasureStatus.in_progress, text)
        issues.append(
            issue(n, text, IssueStatus.in_progress, AS_OF, lead_org=text, measures=[measure], latest_progress=text)
        )
    return LedgerSnapshot(
        "第二轮中央生态环境保护督察", "中央第三督察组", "锡林郭勒盟", AS_OF, [CategorySnapshot(SHIFT, issues)]
    )


def petition_table(payloads: list[str]) -> PetitionTable:
    header = Header("第二轮中央生态环境保护督察", "中央第三督察组", "锡林郭勒盟整改办", "锡林郭勒盟", "全盟")
    rows = [TableRow(f"D{n}", p, "锡林浩特市", "大气", p, "属实", p, p) for n, p in enumerate(payloads, start=1)]
    return PetitionTable(header, AS_OF, 1, date(2024, 11, 1), rows)


def indicators(payloads: list[str]) -> IndicatorsSnapshot:
    items = []
    for text in payloads:
        spec = Spec(text, "个", IndicatorKind.cumulative, Direction.HIGHER, target=Decimal(10))
        reported = [Reported(parse_period("2024-11"), Decimal(3))]
        items.append(IndicatorItem(spec, reported, [text], figures(spec, reported, AS_OF, AS_OF), text))
    return IndicatorsSnapshot("第二轮中央生态环境保护督察", "锡林郭勒盟", AS_OF, items)


def dispatch_summary(payloads: list[str]) -> DispatchSummary:
    cutoff = datetime(2024, 12, 13, 9, tzinfo=UTC)
    return DispatchSummary(
        round_name="第二轮中央生态环境保护督察",
        office="锡林郭勒盟",
        period="2024-W50",
        cutoff=cutoff,
        as_of=AS_OF,
        units=[UnitReport(p, None, "missing") for p in payloads],
        escalations=[EscalationLine(Level.warning, p, p, p, AS_OF, "issued") for p in payloads],
    )


def workbooks(payloads: list[str]) -> dict[str, bytes]:
    return {
        "ledger": get("ledger").render(ledger(payloads), ReportFormat.xlsx),
        "ledger_cells": render_ledger_xlsx(ledger(payloads), rows=CellRows),
        "petition_table": get("petition_table").render(petition_table(payloads), ReportFormat.xlsx),
        "indicators": get("indicators").render(indicators(payloads), ReportFormat.xlsx),
        "dispatch_summary": get("dispatch_summary").render(dispatch_summary(payloads), ReportFormat.xlsx),
    }


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def check_parts(content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if not name.endswith(".xml"):
                continue
            root = ElementTree.fromstring(z.read(name))  # raises on the broken payload
            assert not [e for e in root.iter() if local(e.tag) == "f"], f"a formula element in {name}"
            if name == "xl/sharedStrings.xml":
                items = [e for e in root if local(e.tag) == "si"]
                assert len(items) == int(root.attrib["uniqueCount"]), "the shared strings shifted"


def texts(content: bytes) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None}


@pytest.mark.parametrize("payload", PAYLOADS, ids=["formula", "shift", "broken", "empty_run", "long"])
def test_finding_01_xlsx_rich_text_injection(payload: str) -> None:
    for kind, content in workbooks([payload, "第二行"]).items():
        check_parts(content)
        found = texts(content)
        assert payload[:32767] in found or any(t.startswith(payload[:1000]) for t in found), kind
        assert "第二行" in found, kind  # the next row's text is still its own


def test_both_ledger_row_paths_stay_identical_with_the_payloads() -> None:
    snapshot = ledger(PAYLOADS)
    assert render_ledger_xlsx(snapshot) == render_ledger_xlsx(snapshot, rows=CellRows)


SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(
    SOFFICE is None and os.environ.get("CI") != "true",
    reason="LibreOffice is not installed (make office: libreoffice-calc-nogui); with CI=true this fails",
)
def test_finding_01_xlsx_with_payloads_opens_in_libreoffice(tmp_path: Path) -> None:
    assert SOFFICE is not None, "CI=true: LibreOffice is required (make office)"
    sources = []
    for kind, content in workbooks(PAYLOADS[:3]).items():
        source = tmp_path / f"{kind}.xlsx"
        source.write_bytes(content)
        sources.append(source)
    profile = f"-env:UserInstallation=file://{tmp_path / 'profile'}"
    utf8_csv = "csv:Text - txt - csv (StarCalc):44,34,76"  # 76: UTF-8
    command = [SOFFICE, profile, "--headless", "--convert-to", utf8_csv, "--outdir", str(tmp_path / "out")]
    done = subprocess.run([*command, *map(str, sources)], capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    for source in sources:
        csv = (tmp_path / "out" / (source.stem + ".csv")).read_text("utf-8")  # missing: LibreOffice could not load it
        assert "HYPERLINK" in csv and "shifted" in csv and "第二轮" in csv, source.name
