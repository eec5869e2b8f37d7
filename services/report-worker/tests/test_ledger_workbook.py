"""The Excel ledger, read back with openpyxl."""

import io
from dataclasses import replace
from datetime import datetime

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.worksheet.worksheet import Worksheet

from rectify_shared.enums import IssueStatus
from report_worker.render import render_ledger_xlsx
from report_worker.snapshot import CategorySnapshot, LedgerSnapshot

from .conftest import AS_OF, issue

HEADERS = [
    "序号",
    "方面",
    "反馈问题",
    "整改状态",
    "牵头单位",
    "责任单位",
    "完成时限",
    "措施序号",
    "整改措施",
    "措施责任单位",
    "措施时限",
    "措施状态",
    "逾期工作日",
    "最新进展",
    "问题键",
    "措施键",
]
RED = "FFFFC7CE"


def sheet_of(snapshot: LedgerSnapshot) -> Worksheet:
    workbook = openpyxl.load_workbook(io.BytesIO(render_ledger_xlsx(snapshot)))
    assert workbook.sheetnames == ["整改台账"]
    return workbook["整改台账"]


def is_red(ws: Worksheet, ref: str) -> bool:
    fill = ws[ref].fill
    return fill.fill_type == "solid" and fill.fgColor.rgb == RED


@pytest.fixture
def ws(ledger: LedgerSnapshot) -> Worksheet:
    return sheet_of(ledger)


def test_title_and_header_rows(ws: Worksheet) -> None:
    assert ws["A1"].value == "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告整改台账（数据截至2024年12月15日）"
    assert "A1:N1" in {str(r) for r in ws.merged_cells.ranges}
    assert [c.value for c in ws[2]] == HEADERS
    assert all(c.font.b for c in ws[2])


def test_row_keys_are_in_hidden_columns(ws: Worksheet) -> None:
    """问题键/措施键: what an edited copy imports back by; hidden, so the office sees its ledger."""
    keys = ws.column_dimensions["O"]  # O and P, written as one range
    assert keys.hidden and (keys.min, keys.max) == (15, 16)
    assert not any(ws.column_dimensions[c].hidden for c in "ABCDEFGHIJKLMN")


def test_one_row_per_measure_with_issue_columns_merged(ws: Worksheet) -> None:
    merged = {str(r) for r in ws.merged_cells.ranges}
    # issue 3 has three measures: rows 3-5, its seven issue columns merged over them
    assert {f"{col}3:{col}5" for col in "ABCDEFG"} <= merged
    # measure columns are never merged; one-row issues are not merged either
    assert not any(r.startswith(("H", "I", "J", "K", "L", "M", "N")) for r in merged)
    assert not any(r.endswith(("6", "7")) for r in merged - {"A1:N1"})
    assert [ws[f"H{row}"].value for row in (3, 4, 5)] == ["（一）", "（二）", "（三）"]
    assert [ws[f"L{row}"].value for row in (3, 4, 5)] == ["正在推进", "已完成", "正在推进"]
    assert ws["A3"].value == 3 and ws["D3"].value == "正在推进"
    assert ws["F3"].value == "盟自然资源局、盟能源局"
    assert ws["N3"].value == "已下发通知"


def test_unnumbered_measure_and_issue_without_measures(ws: Worksheet) -> None:
    assert ws["A6"].value == 4 and ws["H6"].value is None
    assert ws["I6"].value == "我盟2宗探矿权已通过缩小矿区范围方式退出自然保护地。"
    # issue 9 has no measures: one row, the issue's own latest progress in 最新进展
    assert ws["A7"].value == 9 and ws["B7"].value == "其他需要关注的问题方面"
    assert ws["I7"].value is None and ws["N7"].value == "11个旗县中有8个已建成"
    assert ws.max_row == 7


def test_frozen_header_autofilter_and_print_setup(ws: Worksheet) -> None:
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == "A2:N7"
    assert ws.print_title_rows == "$2:$2"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert ws.page_setup.fitToWidth in (None, 1)  # 1 is the default and may be omitted
    assert ws.page_setup.fitToHeight == 0


def test_cells_wrap_and_text_columns_are_wide(ws: Worksheet) -> None:
    # (openpyxl reads the covered cells of a merge as unstyled MergedCells: check the others)
    cells = [ws.cell(row, col) for row in range(3, 8) for col in range(1, 15)]
    assert all(c.alignment.wrap_text for c in cells if not isinstance(c, MergedCell))
    assert ws.column_dimensions["C"].width > 40 and ws.column_dimensions["I"].width > 40
    assert ws.column_dimensions["A"].width < 10
    # the issue-4 row is tall enough for its category, which wraps to three lines
    assert ws.row_dimensions[6].height > ws.row_dimensions[7].height


def test_dates_are_real_excel_dates(ws: Worksheet) -> None:
    expected_dates = {"G3": datetime(2024, 12, 31), "K3": datetime(2024, 6, 30), "G7": datetime(2024, 11, 30)}
    for ref, expected in expected_dates.items():
        assert ws[ref].is_date, ref
        assert ws[ref].value == expected
        assert ws[ref].number_format == "yyyy-mm-dd"
    assert ws["K5"].value is None  # no deadline of its own: left blank


def test_overdue_rows_are_light_red(ws: Worksheet) -> None:
    # measure (一): due 2024-06-30, still in progress on 2024-12-15
    assert all(is_red(ws, f"{col}3") for col in "HIJKLMN")
    # measure (二) is completed; measure (三) is due with its issue (2024-12-31)
    assert not any(is_red(ws, f"{col}{row}") for col in "HIJKLMN" for row in (4, 5))
    # issue 3 itself is not overdue, so its merged cells are not red
    assert not is_red(ws, "A3") and not is_red(ws, "C3")
    # issue 4 was due in 2022 but is completed
    assert not any(is_red(ws, f"{col}6") for col in "ABCDEFGHIJKLMN")
    # issue 9: due 2024-11-30, in progress, no measures: the whole row
    assert all(is_red(ws, f"{col}7") for col in "ABCDEFGHIJKLMN")


def test_nothing_is_overdue_on_the_deadline_day(ledger: LedgerSnapshot) -> None:
    kitchen = ledger.categories[1].issues[0]
    on_the_day = replace(ledger, categories=[CategorySnapshot("方面", [replace(kitchen, deadline=AS_OF)])])
    assert not is_red(sheet_of(on_the_day), "A3")


def test_text_that_looks_like_a_formula_or_link_stays_text() -> None:
    odd = issue(1, "=SUM(A1:A2) 见 https://example.gov.cn/a", IssueStatus.not_started, None)
    snap = LedgerSnapshot("第二轮中央生态环境保护督察", "督察组", "某旗", AS_OF, [CategorySnapshot("某方面", [odd])])
    ws = sheet_of(snap)
    assert ws["C3"].value == "=SUM(A1:A2) 见 https://example.gov.cn/a"
    assert ws["C3"].data_type == "s" and ws["C3"].hyperlink is None


def test_same_snapshot_same_bytes(ledger: LedgerSnapshot) -> None:
    assert render_ledger_xlsx(ledger) == render_ledger_xlsx(ledger)


def test_empty_scope_still_has_the_header() -> None:
    ws = sheet_of(LedgerSnapshot("第二轮中央生态环境保护督察", "督察组", "某旗", AS_OF, []))
    assert [c.value for c in ws[2]] == HEADERS
    assert ws.auto_filter.ref == "A2:N2"
