"""Finding the task table in a grid of cells, whatever template the office used.

A grid is what the file shows: rows of cells, each with its text and the id of the merge it
belongs to (a problem spanning its measures' rows is one merged cell repeated on each row).
Headers are found by content (NFKC, known variants); 方面 come from the sheet's name, a 方面
column, or heading rows ("一、…方面"); problems start where the 问题 cell changes, and the rows
below it until the next are its measures.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rectify_shared.workcalendar import WorkCalendar

from . import text as tx
from .deadlines import DeadlineError, parse_deadline
from .rows import CellError, MeasureRow, ProblemRow, Where

#: field -> the headers it is known by (compared folded, without whitespace)
HEADERS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "问题序号", "问题编号"),
    "category": ("方面", "问题类别", "类别", "问题方面"),
    "description": ("问题", "存在问题", "反馈问题", "问题描述", "具体问题", "反馈问题内容", "问题内容"),
    "goal": ("整改目标", "目标"),
    "measures": ("整改措施", "措施", "具体措施", "整改举措"),
    "lead": ("牵头单位", "牵头部门", "牵头责任单位"),
    "responsible": ("责任单位", "配合单位", "责任部门", "责任单位(部门)"),
    "measure_seq": ("措施序号", "措施编号"),
    "measure_orgs": ("措施责任单位", "具体责任单位", "措施责任部门"),
    "deadline": ("整改时限", "完成时限", "时限", "整改期限"),
    "measure_deadline": ("措施时限", "措施完成时限"),
    "leader": ("责任领导", "包联领导", "牵头领导"),
    "progress": ("整改进展", "进展情况", "整改进展情况", "工作进展"),
    "status": ("整改状态", "完成情况", "状态", "整改情况"),
    "measure_status": ("措施状态", "措施完成情况"),
    "completed_on": ("完成时间", "完成日期", "实际完成时间"),
    # Rectify's exported ledger: hidden columns with each row's ids (an edited copy matches by them)
    "issue_key": ("问题键", "行键", "row_key"),
    "measure_key": ("措施键",),
}
_KNOWN = {tx.key(name): f for f, names in HEADERS.items() for name in names}
HEADER_SEARCH_ROWS = 15
_KEY = re.compile(r"(issue|measure):(\d{1,18})")


class Cell:
    """A cell's value, its text (as written, trimmed; computed once: the reader asks for it often)
    and the merge it belongs to (the same object for every cell of one merged range; None when not
    merged)."""

    __slots__ = ("merge", "text", "value")

    def __init__(self, value: Any, merge: Any = None) -> None:
        self.value = value
        self.merge = merge
        self.text = tx.plain(value)


@dataclass
class Grid:
    name: str
    rows: list[list[Cell]]
    #: the first row's number as the file shows it (a .docx table counts from 1)
    first_row: int = 1
    #: a table continuing the one before it (a .docx table cut by a page)
    columns: dict[str, int] | None = None
    written: dict[str, str] = field(default_factory=dict)


def find_header(rows: list[list[Cell]]) -> tuple[int, dict[str, int], dict[str, str]] | None:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        positions: dict[str, int] = {}
        written: dict[str, str] = {}
        for col, cell in enumerate(row):
            f = _KNOWN.get(tx.key(cell.value))
            if f is not None and f not in positions:
                positions[f], written[f] = col, tx.fold(cell.value)
        if "description" in positions and len(positions) >= 3:
            return index, positions, written
    return None


class Reader:
    """Reads grids into problems; keeps the numbering and the 方面 across grids (sheets, tables)."""

    def __init__(self, calendar: WorkCalendar | None, issued_on: date | None) -> None:
        self.calendar = calendar
        self.issued_on = issued_on
        self.problems: list[ProblemRow] = []
        self.errors: list[CellError] = []
        self.category = ""
        self.columns: dict[str, int] | None = None
        self.written: dict[str, str] = {}
        self.seen_columns: set[str] = set()
        #: a problem's first measures cell: split ("1.…；2.…") when it turns out to be its only one
        self.first_measure_text: dict[int, str] = {}

    def finish(self) -> None:
        for p in self.problems:
            if len(p.measures) == 1 and id(p) in self.first_measure_text:
                items = tx.split_measures(self.first_measure_text[id(p)])
                if len(items) > 1:
                    only = p.measures[0]
                    p.measures = [
                        MeasureRow(only.where, seq, body, only.orgs, only.deadline, only.status) for seq, body in items
                    ]

    def error(self, where: Where, field_name: str | None, value: Any, zh: str, en: str) -> None:
        column = self.written.get(field_name or "", field_name)
        self.errors.append(CellError(where.sheet, where.row, column, tx.plain(value) or None, zh, en))

    def read(self, grid: Grid, *, continuation: bool = False) -> bool:
        """False when the grid holds no task table (and is not a continuation of one)."""
        found = find_header(grid.rows)
        if found is not None:
            start, self.columns, self.written = found[0] + 1, found[1], found[2]
            self.seen_columns.update(found[1])
        elif continuation and self.columns is not None:
            start = 0
        else:
            return False
        sheet_category = tx.heading(grid.name) if grid.name.endswith("方面") else None
        if sheet_category:
            self.category = sheet_category
        cols = self.columns
        assert cols is not None
        current: ProblemRow | None = None
        current_merge: Any = None
        seen_merges: set[int] = set()
        for offset, row in enumerate(grid.rows[start:], start=start):
            where = Where(grid.name, grid.first_row + offset)

            def cell(name: str, row: list[Cell] = row) -> Cell | None:
                i = cols.get(name)
                return row[i] if i is not None and i < len(row) else None

            filled = [(i, c) for i, c in enumerate(row) if c.text]
            if not filled:
                continue
            title = _heading_row(filled, cols)
            if title is not None:
                self.category, current, current_merge = title, None, None
                continue
            desc = cell("description")
            if (
                desc is not None
                and desc.text
                and (current is None or desc.merge is None or desc.merge is not current_merge)
            ):
                current = self._problem(where, row, cell)
                current_merge = desc.merge
                self.problems.append(current)
                seen_merges = set()
            if current is None:
                continue
            self._measure_row(current, where, cell, seen_merges)
        return True

    def _problem(self, where: Where, row: list[Cell], cell: Any) -> ProblemRow:
        desc = cell("description")
        seq_cell = cell("seq")
        seq: int | None = None
        if seq_cell is not None and seq_cell.text:
            seq = tx.number(tx.split_number(seq_cell.text)[1] or seq_cell.text) or tx.split_number(seq_cell.text)[0]
            if seq is None:
                seq = tx.number(seq_cell.text.replace("序号", "").replace("第", "").replace("项", ""))
            if seq is None:
                self.error(where, "seq", seq_cell.value, "序号不是数字", "the number is not a number")
        number, description = tx.split_number(desc.text)
        if seq is None:
            seq = number if number is not None else (self.problems[-1].seq + 1 if self.problems else 1)
        if seq_cell is not None and seq_cell.text:  # the number as written: the 序号 cell, else the text's own
            display_no: str | None = tx.number_label(seq_cell.text, seq)
        else:
            display_no = tx.leading_label(desc.text, seq)
        category_cell = cell("category")
        category = self.category
        if category_cell is not None and category_cell.text:
            category = tx.heading(category_cell.text) or category_cell.text
        if not category:
            self.error(where, "category", None, "找不到问题所属方面", "no 方面 (category) for this problem")
        p = ProblemRow(where=where, seq=seq, category=category, description=description, display_no=display_no)
        for name in ("goal",):
            c = cell(name)
            if c is not None and c.text:
                p.goal = c.text
        if (c := cell("lead")) is not None:
            p.lead = tx.units(c.text)
        if (c := cell("responsible")) is not None:
            p.responsible = tx.units(c.text)
        if (c := cell("leader")) is not None:
            p.leader = tx.leader(c.text)
        if (c := cell("deadline")) is not None:
            p.deadline = self._deadline(where, "deadline", c)
        if (c := cell("status")) is not None and c.text:
            status = tx.issue_status(c.text)
            if status is None:
                self.error(
                    where,
                    "status",
                    c.value,
                    "无法识别的整改状态（未启动/正在推进/已完成整改/已完成整改，长期坚持/已销号）",
                    "unreadable status (未启动, 正在推进, 已完成整改, 已完成整改，长期坚持, 已销号)",
                )
            else:
                p.status, p.on_schedule = status[0].value, status[1]
        if (c := cell("completed_on")) is not None and c.text:
            day = tx.parse_date(c.value)
            if day is None:
                self.error(where, "completed_on", c.value, "完成时间不是日期", "the completion date is not a date")
            else:
                p.completed_on = day[0]
        if (c := cell("progress")) is not None and c.text:
            p.progress = tx.progress_lines(c.text)
        if (c := cell("issue_key")) is not None and c.text:
            p.key = self._key(where, "issue_key", c, "issue")
        return p

    def _key(self, where: Where, name: str, c: Cell, kind: str) -> int | None:
        found = _KEY.fullmatch(c.text.strip())
        if found is None or found.group(1) != kind:
            self.error(
                where,
                name,
                c.value,
                f"行键不可识别（应为 {kind}:编号；请勿修改导出台账的隐藏列）",
                f"unreadable row key (expected {kind}:N; leave the exported ledger's hidden columns as they are)",
            )
            return None
        return int(found.group(2))

    def _deadline(self, where: Where, name: str, c: Cell) -> Any:
        try:
            return parse_deadline(c.value, self.calendar, self.issued_on)
        except DeadlineError as exc:
            self.error(where, name, c.value, exc.zh, exc.en)
            return None

    def _measure_row(self, p: ProblemRow, where: Where, cell: Any, seen: set[int]) -> None:
        c = cell("measures")
        if c is None or not c.text:
            return
        if c.merge is not None:
            if id(c.merge) in seen:
                return
            seen.add(id(c.merge))
        if not p.measures:
            self.first_measure_text[id(p)] = c.text
        items = [tx.split_number(c.text)]
        seq_cell = cell("measure_seq")
        if seq_cell is not None:  # numbered in a column of its own (Rectify's export): the text is as written
            label = seq_cell.text
            items = [((tx.number(label) or tx.split_number(label)[0]) if label else None, c.text)]
        orgs_cell = cell("measure_orgs")
        dl_cell = cell("measure_deadline")
        st_cell = cell("measure_status")
        orgs = tx.units(orgs_cell.text) if orgs_cell is not None else []
        deadline = self._deadline(where, "measure_deadline", dl_cell) if dl_cell is not None and dl_cell.text else None
        status = None
        if st_cell is not None and st_cell.text:
            s = tx.measure_status(st_cell.text)
            if s is None:
                self.error(
                    where,
                    "measure_status",
                    st_cell.value,
                    "无法识别的措施状态（未启动/正在推进/已完成）",
                    "unreadable measure status (未启动, 正在推进, 已完成)",
                )
            else:
                status = s.value
        key_cell = cell("measure_key")
        key = self._key(where, "measure_key", key_cell, "measure") if key_cell is not None and key_cell.text else None
        for seq, body in items:
            if body:
                p.measures.append(MeasureRow(where, seq, body, orgs, deadline, status, key))


def _heading_row(filled: list[tuple[int, Cell]], cols: dict[str, int]) -> str | None:
    """A row holding one text only — merged across the row, or in the first or 序号 column — that
    reads as a 方面 heading ("一、…", "…方面")."""
    texts = {c.text for _, c in filled}
    if len(texts) != 1:
        return None
    merged_across = len(filled) > 1
    first = filled[0][0]
    if not merged_across and first not in (0, cols.get("seq"), cols.get("category")):
        return None
    if first == cols.get("measures") and not merged_across:
        return None
    return tx.heading(next(iter(texts)))
