"""Files as an office keeps them, made from the demo round (for the tests, the docs and `make bench`).

`clerk_ledger_xlsx()`: the demo round's 台账 as a clerk would keep it — a title row, the header,
方面 heading rows ("一、…方面"), each problem merged over its measures' rows, several units in one
cell (short names), Chinese dates, statuses in words, dated progress lines, and one misspelt unit
(盟生态环境局 written 盟生太环境局). `plan_docx()`: a 整改方案 with its document header and the task
table as the appendix, cut into two tables (as a table continued on the next page is pasted).
"""

import io
from datetime import date
from typing import Any

from rectify_shared.enums import ISSUE_STATUS_TEXT, MEASURE_STATUS_TEXT

from ..demo.loader import read_demo
from .text import month_end

_CN_NUMBERS = "一二三四五六七八九十"
TYPO = ("盟生态环境局", "盟生太环境局")
LEDGER_HEADER = [
    "序号",
    "存在问题",
    "整改目标",
    "整改措施",
    "措施责任单位",
    "措施时限",
    "措施状态",
    "牵头单位",
    "责任单位",
    "整改时限",
    "责任领导",
    "整改状态",
    "完成时间",
    "整改进展",
]


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def cn_deadline(d: date | None, long_term: bool = False) -> str:
    if d is None:
        return "长期坚持" if long_term else ""
    text = f"{d.year}年{d.month}月底前" if d == month_end(d.year, d.month) else cn_date(d)
    return f"{text}，长期坚持" if long_term else text


def _org_names(data: dict[str, Any]) -> dict[str, str]:
    """The name a clerk writes: the short name when there is one."""
    return {o["key"]: o.get("short_name") or o["name"] for o in data["orgs"]}


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 40 → 四十, 99 → 九十九 (as documents number their items)."""
    if n <= 10:
        return _CN_NUMBERS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else _CN_NUMBERS[tens - 1]
    return f"{head}十{_CN_NUMBERS[ones - 1] if ones else ''}"


def ledger_rows(data: dict[str, Any] | None = None, *, typo: bool = True) -> list[dict[str, Any]]:
    """One dict per problem: the cells a clerk writes (what both fixtures lay out)."""
    data = data or read_demo()
    names = _org_names(data)
    out = []
    typo_done = False
    for spec in data["issues"]:
        lead = names[spec["lead_org"]]
        responsible = [names[k] for k in spec.get("responsible_orgs") or []]
        if typo and not typo_done and TYPO[0] in responsible:
            responsible[responsible.index(TYPO[0])] = TYPO[1]
            typo_done = True
        leader = spec.get("responsible_leader") or {}
        status = ISSUE_STATUS_TEXT[spec["status"]] if isinstance(spec["status"], str) is False else None
        from rectify_shared.enums import IssueStatus, MeasureStatus

        status = ISSUE_STATUS_TEXT[IssueStatus(spec["status"])]
        if spec["status"] == "in_progress" and spec.get("on_schedule") is not None:
            status += "（达到序时进度）" if spec["on_schedule"] else "（滞后）"
        progress = []
        if spec.get("started_on"):
            progress.append(f"{cn_date(spec['started_on'])}，启动整改，制定整改工作方案。")
        measures = []
        for m in spec.get("measures") or []:
            prefix = f"（{_cn(m['seq'])}）" if m.get("seq") else ""
            measures.append(
                {
                    "text": prefix + m["text"],
                    "org": names[m["responsible_org"]] if m.get("responsible_org") else "",
                    "deadline": cn_deadline(m.get("deadline")),
                    "status": MEASURE_STATUS_TEXT[MeasureStatus(m.get("status") or "not_started")],
                }
            )
        out.append(
            {
                "seq": spec["seq"],
                "category": spec["category"],
                "description": spec["description"],
                "goal": spec.get("goal") or "",
                "lead": lead,
                "responsible": "、".join(responsible),
                "deadline": cn_deadline(spec.get("deadline"), bool(spec.get("long_term"))),
                "leader": f"{leader['name']}（{leader['title']}）" if leader.get("title") else leader.get("name", ""),
                "status": status,
                "completed_on": cn_date(spec["completed_on"]) if spec.get("completed_on") else "",
                "progress": "\n".join(progress),
                "measures": measures,
            }
        )
    return out


def clerk_ledger_xlsx(rows: list[dict[str, Any]] | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment

    rows = rows if rows is not None else ledger_rows()
    wb = Workbook()
    ws = wb.active
    ws.title = "整改台账"
    width = len(LEDGER_HEADER)
    ws.append(["锡林郭勒盟贯彻落实第二轮中央生态环境保护督察反馈意见整改工作台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.append(
        [
            "填报单位：锡林郭勒盟督察整改办",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            "截至：2024年12月15日",
        ]
    )
    ws.append(LEDGER_HEADER)
    category = None
    headings = 0
    wrap = Alignment(wrap_text=True, vertical="center")
    for p in rows:
        if p["category"] != category:
            category = p["category"]
            headings += 1
            ws.append([f"{_cn(headings)}、{category}"])
            ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        first = ws.max_row + 1
        measures = p["measures"] or [{"text": "", "org": "", "deadline": "", "status": ""}]
        for i, m in enumerate(measures):
            problem = [p["seq"], p["description"], p["goal"]] if i == 0 else [None, None, None]
            tail = (
                [p["lead"], p["responsible"], p["deadline"], p["leader"], p["status"], p["completed_on"], p["progress"]]
                if i == 0
                else [None] * 7
            )
            ws.append([*problem, m["text"], m["org"], m["deadline"], m["status"], *tail])
        last = ws.max_row
        if last > first:
            for col in (1, 2, 3, 8, 9, 10, 11, 12, 13, 14):
                ws.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)
        for r in ws.iter_rows(min_row=first, max_row=last):
            for c in r:
                c.alignment = wrap
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


PLAN_HEADER = ["序号", "问题", "整改目标", "整改措施", "牵头单位", "责任单位", "整改时限", "责任领导"]


def plan_docx(
    rows: list[dict[str, Any]] | None = None, *, split_at: int = 6, issued_on: date = date(2022, 11, 1)
) -> bytes:
    """The 整改方案: title, 文号, issuing bodies, date, a paragraph, and the appendix task table
    (problems merged over their measures' rows; measures numbered in one column), cut in two
    after `split_at` problems (the second part without a header row, as a page break leaves it)."""
    import docx

    rows = rows if rows is not None else ledger_rows()
    d = docx.Document()
    d.add_paragraph("中共锡林郭勒盟委员会文件")
    d.add_paragraph("锡林郭勒盟行政公署文件")
    d.add_paragraph("锡党发〔2022〕15号")
    d.add_paragraph("关于印发《锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告整改方案》的通知")
    d.add_paragraph("各旗县市（区）党委和人民政府，盟直各部门：现将整改方案印发给你们，请认真贯彻落实。")
    d.add_paragraph("中共锡林郭勒盟委员会　锡林郭勒盟行政公署")
    d.add_paragraph(cn_date(issued_on))
    d.add_page_break()
    d.add_paragraph("附件：锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告整改任务清单")

    def table(part: list[dict[str, Any]], header: bool) -> None:
        n = sum(max(1, len(p["measures"])) for p in part) + (1 if header else 0)
        categories = list(dict.fromkeys(p["category"] for p in part))
        t = d.add_table(rows=n + len(categories), cols=len(PLAN_HEADER))
        t.style = "Table Grid"
        r = 0
        if header:
            for cell, name in zip(t.rows[0].cells, PLAN_HEADER, strict=True):
                cell.text = name
            r = 1
        category = None
        for p in part:
            if p["category"] != category:
                category = p["category"]
                row = t.rows[r].cells
                merged = row[0].merge(row[-1])
                merged.text = f"{_cn(all_categories.index(category) + 1)}、{category}"
                r += 1
            span = max(1, len(p["measures"]))
            for i, m in enumerate(p["measures"] or [{"text": ""}]):
                t.rows[r + i].cells[3].text = m["text"]
            for col, value in (
                (0, str(p["seq"])),
                (1, p["description"]),
                (2, p["goal"]),
                (4, p["lead"]),
                (5, p["responsible"]),
                (6, p["deadline"]),
                (7, p["leader"]),
            ):
                top = t.rows[r].cells[col]
                if span > 1:
                    top = top.merge(t.rows[r + span - 1].cells[col])
                top.text = value
            r += span

    all_categories = list(dict.fromkeys(p["category"] for p in rows))
    table(rows[:split_at], True)
    d.add_paragraph("")
    table(rows[split_at:], False)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
