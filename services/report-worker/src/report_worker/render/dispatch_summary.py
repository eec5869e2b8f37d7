"""One dispatch round (调度) at a glance: who owed a report, who reported and when, who did not,
and the escalations issued for it. The office's template (kind `dispatch_summary`; the shipped
default is `defaults/dispatch_summary.j2`) lays it out as blocks; Markdown, HTML (for the PDF) and
Word draw the same blocks. The workbook has one sheet per table (fixed, not templated).
"""

import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

import xlsxwriter

from rectify_shared.escalation_policy import LEVEL_TEXT, Level
from rectify_shared.escalation_states import STATE_TEXT
from rectify_shared.timezone import CHINA_TZ
from rectify_shared.titles import document_title

from ..pdf import html_to_pdf
from ..templating import draw, gongwen_blocks
from . import gongwen
from .escalation_notice import period_text
from .html_common import document, escape
from .md_pdf import md_text
from .wording import chinese_date, inspection_title
from .xlsx_text import merge_text, write_text, write_texts

ReportStatus = Literal["on_time", "late", "missing"]
STATUS_TEXT: dict[ReportStatus, str] = {"on_time": "按时报送", "late": "逾期报送", "missing": "未报送"}
UNIT_HEADERS = ["序号", "单位", "报送情况", "报送时间"]
ESCALATION_HEADERS = ["序号", "类别", "文号", "对象单位", "事由", "签发日期", "状态"]


@dataclass(frozen=True)
class UnitReport:
    org_name: str
    #: None: not reported by the report's as-of day
    reported_at: datetime | None
    status: ReportStatus


@dataclass(frozen=True)
class EscalationLine:
    level: Level
    doc_no: str | None
    addressee: str
    reason: str
    issued_on: date | None
    state: str


@dataclass(frozen=True)
class DispatchSummary:
    round_name: str
    office: str
    period: str
    cutoff: datetime
    as_of: date
    units: list[UnitReport] = field(default_factory=list)
    escalations: list[EscalationLine] = field(default_factory=list)
    #: the office's template in force (`templating.TemplateChoice`; None: the shipped one)
    template: Any = None

    def count(self, *statuses: ReportStatus) -> int:
        return sum(1 for unit in self.units if unit.status in statuses)


def summary_title(summary: DispatchSummary) -> str:
    return document_title("dispatch_summary", summary.round_name, period=period_text(summary.period))


def summary_file_name(summary: DispatchSummary, extension: str) -> str:
    safe = "".join("_" if ch in '/\\:*?"<>|' or ch < " " else ch for ch in summary_title(summary))
    return f"{safe}（截至{summary.as_of.isoformat()}）.{extension}"


def china_time(moment: datetime | None) -> str:
    return moment.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def counts_text(summary: DispatchSummary) -> str:
    return (
        f"本期应报送单位{len(summary.units)}家，已报送{summary.count('on_time', 'late')}家"
        f"（其中逾期报送{summary.count('late')}家），未报送{summary.count('missing')}家。"
    )


def unit_rows(summary: DispatchSummary) -> list[list[str]]:
    return [
        [str(n), u.org_name, STATUS_TEXT[u.status], china_time(u.reported_at)]
        for n, u in enumerate(summary.units, start=1)
    ]


def escalation_rows(summary: DispatchSummary) -> list[list[str]]:
    return [
        [
            str(n),
            LEVEL_TEXT[e.level],
            e.doc_no or "",
            e.addressee,
            e.reason,
            chinese_date(e.issued_on) if e.issued_on else "",
            STATE_TEXT.get(e.state, e.state),
        ]
        for n, e in enumerate(summary.escalations, start=1)
    ]


def summary_context(summary: DispatchSummary) -> dict[str, Any]:
    """The variables of the summary's template (`rectify_shared.document_templates.schema`)."""
    cutoff = summary.cutoff.astimezone(CHINA_TZ)
    return {
        "title": summary_title(summary),
        "round_name": summary.round_name,
        "inspection": inspection_title(summary.round_name),
        "office": summary.office,
        "period": summary.period,
        "period_text": period_text(summary.period),
        "cutoff": cutoff,
        "cutoff_text": f"{chinese_date(cutoff.date())}{cutoff:%H:%M}",
        "as_of": summary.as_of,
        "figures": {
            "owed": len(summary.units),
            "reported": summary.count("on_time", "late"),
            "on_time": summary.count("on_time"),
            "late": summary.count("late"),
            "missing": summary.count("missing"),
        },
        "counts_text": counts_text(summary),
        "units": [
            {
                "org_name": u.org_name,
                "status": u.status,
                "status_text": STATUS_TEXT[u.status],
                "reported_at": u.reported_at.astimezone(CHINA_TZ) if u.reported_at is not None else None,
                "reported_at_text": china_time(u.reported_at),
            }
            for u in summary.units
        ],
        "missing": [u.org_name for u in summary.units if u.status == "missing"],
        "escalations": [
            {
                "level": e.level.value,
                "level_text": LEVEL_TEXT[e.level],
                "doc_no": e.doc_no or "",
                "addressee": e.addressee,
                "reason": e.reason,
                "issued_on": e.issued_on,
                "issued_on_text": chinese_date(e.issued_on) if e.issued_on else "",
                "state": e.state,
                "state_text": STATE_TEXT.get(e.state, e.state),
            }
            for e in summary.escalations
        ],
    }


def summary_blocks(summary: DispatchSummary) -> list[gongwen.Block]:
    """The summary as the template in force draws it; a table without rows is left out."""
    pieces = draw("dispatch_summary", summary.template, summary_context(summary)).pieces
    return [b for b in gongwen_blocks(pieces) if b.kind != "table" or b.rows]


def _title(summary: DispatchSummary, blocks: list[gongwen.Block]) -> str:
    return next((b.text for b in blocks if b.kind == "title"), summary_title(summary))


def render_summary_md(summary: DispatchSummary) -> bytes:
    out: list[str] = []
    for b in summary_blocks(summary):
        if b.kind == "table":  # one line a row: a cell's line breaks become spaces
            lines = ["| " + " | ".join(b.headers) + " |", "|" + "---|" * len(b.headers)]
            lines += ["| " + " | ".join(md_text(c).replace("\n", " ") for c in row) + " |" for row in b.rows]
            out.append("\n".join(lines))
        else:
            out.append(gongwen.render_md([b]).decode("utf-8").rstrip("\n"))
    return ("\n\n".join(out) + "\n").encode("utf-8")


def render_summary_html(summary: DispatchSummary) -> str:
    blocks = summary_blocks(summary)
    parts: list[str] = []
    for b in blocks:
        if b.kind == "title":
            parts.append(f"<h1>{escape(b.text)}</h1>")
        elif b.kind == "heading":
            parts.append(f"<h2>{escape(b.text)}</h2>")
        elif b.kind == "para":
            parts.append(f"<p>{escape(b.text)}</p>")
        elif b.kind == "rule":
            parts.append('<hr class="red-rule">')
        elif b.kind == "table":
            head = "".join(f"<th>{escape(h)}</th>" for h in b.headers)
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in b.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        else:
            parts.append(f'<p class="{b.kind.replace("_", "-")}">{escape(b.text)}</p>')
    return document(_title(summary, blocks), "\n".join(parts))


def render_summary_pdf(summary: DispatchSummary) -> bytes:
    return html_to_pdf(render_summary_html(summary))


def render_summary_docx(summary: DispatchSummary) -> bytes:
    drawn = draw("dispatch_summary", summary.template, summary_context(summary))
    if drawn.docx is not None:
        return drawn.docx  # the office's Word template, filled in
    blocks = summary_blocks(summary)
    return gongwen.render_docx(blocks, title=_title(summary, blocks), author=summary.office, as_of=summary.as_of)


def render_summary_xlsx(summary: DispatchSummary) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": summary_title(summary), "created": datetime.combine(summary.as_of, time())})
    title = book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    head = book.add_format({"bold": True, "border": 1, "align": "center", "bg_color": "#D9E1F2"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    late = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "bg_color": "#FFC7CE"})

    def sheet(name: str, headers: list[str], rows: list[list[str]], widths: list[int], intro: list[str]) -> None:
        ws = book.add_worksheet(name)
        for index, width in enumerate(widths):
            ws.set_column(index, index, width)
        merge_text(ws, 0, 0, 0, len(headers) - 1, summary_title(summary), title)
        for offset, text in enumerate(intro, start=1):
            merge_text(ws, offset, 0, offset, len(headers) - 1, text)
        top = len(intro) + 1
        write_texts(ws, top, 0, headers, head)
        for r, row in enumerate(rows, start=top + 1):
            fmt = late if STATUS_TEXT["missing"] in row[2:3] else cell
            for c, value in enumerate(row):
                if c == 0:
                    ws.write_number(r, c, int(value), fmt)
                else:
                    write_text(ws, r, c, value, fmt)
        ws.freeze_panes(top + 1, 0)
        ws.autofilter(top, 0, top + max(len(rows), 1), len(headers) - 1)
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(top)

    intro = [counts_text(summary), f"调度截止时间：{china_time(summary.cutoff)}；数据截至{chinese_date(summary.as_of)}"]
    sheet("报送情况", UNIT_HEADERS, unit_rows(summary), [6, 30, 12, 18], intro)
    missing = [[str(n), u.org_name] for n, u in enumerate((u for u in summary.units if u.status == "missing"), 1)]
    sheet("未报送单位", ["序号", "单位"], missing, [6, 30], [])
    sheet("预警督办", ESCALATION_HEADERS, escalation_rows(summary), [6, 8, 22, 24, 40, 16, 10], [])
    book.close()
    return buffer.getvalue()
