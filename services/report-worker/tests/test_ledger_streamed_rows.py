"""The ledger's data rows are serialised by `StreamedRows`, not by XlsxWriter's per-cell API:
the workbook must be byte for byte the one XlsxWriter writes through that API (`CellRows`),
whatever the text holds (escapes, control characters, whitespace, over-long cells)."""

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rectify_shared.enums import IssueStatus, MeasureStatus
from report_worker.render.ledger_xlsx import CellRows, render_ledger_xlsx
from report_worker.snapshot import CategorySnapshot, LedgerSnapshot, MeasureSnapshot

from .big_ledger import big_ledger
from .conftest import AS_OF, issue, sample_ledger

AWKWARD = [
    "",
    " leading space",
    "trailing space ",
    "trailing newline\n",
    "两行\n文字",
    "a & b <c> \"quoted\" 'single'",
    "literal _x0041_ escape",
    "bell \x07 and tab\tinside",
    "non-characters \ufffe \uffff",
    "<r>looks like rich text</r>",
    "=SUM(A1:A2) https://example.gov.cn/a",
    "表情😀" * 9000,  # over Excel's 32,767 UTF-16 units only when counted in UTF-16
    "长" * 40_000,  # truncated to 32,767 characters
    "行\n" * 400,  # taller than Excel's 409-point row limit
    "\u2028separator\x1cfile sep",
]


def _ledger(texts: list[str]) -> LedgerSnapshot:
    issues = []
    for n, text in enumerate(texts, start=1):
        measures = [
            MeasureSnapshot(1, text, text or None, date(2024, 12, 1), MeasureStatus.in_progress, text),
            MeasureSnapshot(None, f"{text}（续）", None, None, MeasureStatus.completed, None),
        ]
        issues.append(
            issue(
                n,
                text,
                IssueStatus.in_progress if n % 2 else IssueStatus.completed,
                AS_OF if n % 3 else None,
                lead_org=text,
                responsible_orgs=[text, "盟生态环境局"],
                measures=measures if n % 4 else [],
                latest_progress=text,
            )
        )
    return LedgerSnapshot(
        "第二轮中央生态环境保护督察", "中央第三督察组", "锡林郭勒盟", AS_OF, [CategorySnapshot("一、方面", issues)]
    )


def test_awkward_text_is_written_exactly_as_xlsxwriter_writes_it() -> None:
    snapshot = _ledger(AWKWARD)
    assert render_ledger_xlsx(snapshot) == render_ledger_xlsx(snapshot, rows=CellRows)


def test_sample_and_generated_ledgers_are_byte_identical() -> None:
    for snapshot in (sample_ledger(), big_ledger(300)):
        assert render_ledger_xlsx(snapshot) == render_ledger_xlsx(snapshot, rows=CellRows)


def test_an_empty_scope_is_byte_identical() -> None:
    snapshot = _ledger([])
    assert render_ledger_xlsx(snapshot) == render_ledger_xlsx(snapshot, rows=CellRows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(max_size=60), min_size=1, max_size=6))
def test_any_text_is_byte_identical(texts: list[str]) -> None:
    snapshot = _ledger(texts)
    assert render_ledger_xlsx(snapshot) == render_ledger_xlsx(snapshot, rows=CellRows)
