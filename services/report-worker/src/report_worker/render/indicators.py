"""The `indicators` report (指标完成情况): per indicator its sentence, a table of its series and
a chart of the series against the target line. Markdown and the workbook carry the tables;
Word and PDF also embed the charts (PNG).

Markdown, Word and PDF say what the `indicators` template says (`rectify_shared.document_templates`;
`::chart N` places the N-th indicator's chart); the workbook keeps its fixed sheets (a data export).
"""

import base64
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

import xlsxwriter
from docx.shared import Cm

from rectify_shared.document_templates import Piece
from rectify_shared.indicator_figures import Figures, Reported, Spec, met_text, target_text
from rectify_shared.indicators import SCHEDULE_TEXT, IndicatorKind, fmt, period_text
from rectify_shared.titles import document_title

from ..pdf import html_to_pdf
from ..templating import draw
from . import docx_common
from . import word_layout as word
from .html_common import document, escape
from .indicator_chart import ChartData, chart_png
from .md_pdf import md_line, md_text
from .wording import chinese_date, inspection_title
from .xlsx_text import write_text, write_texts

HEADERS = ["序号", "报告期", "数值", "累计", "来源"]


@dataclass(frozen=True)
class IndicatorItem:
    spec: Spec
    reported: list[Reported]
    sources: list[str]
    figures: Figures
    sentence: str | None
    illustrative: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IndicatorsSnapshot:
    round_name: str
    org_name: str
    as_of: date
    items: list[IndicatorItem] = field(default_factory=list)
    #: the office's template in force (`templating.TemplateChoice`; None: the shipped one)
    template: Any = None


def title(s: IndicatorsSnapshot) -> str:
    return document_title("indicators", s.round_name, org=s.org_name)


def _value_text(r: Reported, unit: str) -> str:
    if r.met is not None or (r.value is None and r.stages is None):
        return met_text(r.met)
    if r.stages is not None:
        return "，".join(f"{label}{n}" for _, label, n in r.stages) + unit
    return f"{fmt(r.figure)}{unit}"


def rows(item: IndicatorItem) -> list[list[str]]:
    out, running = [], None
    for n, (r, source) in enumerate(zip(item.reported, item.sources, strict=True), start=1):
        if item.spec.kind == IndicatorKind.cumulative:
            running = r.figure if running is None else running + r.figure
        total = f"{fmt(running)}{item.spec.unit}" if running is not None else ""
        out.append([str(n), period_text(r.period), _value_text(r, item.spec.unit), total, source])
    return out


def chart(item: IndicatorItem) -> bytes:
    spec, values, running = item.spec, [], None
    for r in item.reported:
        running = r.figure if running is None else running + r.figure
        values.append(running if spec.kind == IndicatorKind.cumulative else r.figure)
    suffix = "（累计）" if spec.kind == IndicatorKind.cumulative else ""
    by = f"（{spec.target_date.year}年）" if spec.target_date else ""
    target_label = f"目标{fmt(spec.target)}{spec.unit}{by}" if spec.target is not None else ""
    return chart_png(
        ChartData(
            spec.name + suffix,
            spec.unit,
            [period_text(r.period) for r in item.reported],
            values,
            spec.target,
            target_label,
        )
    )


def facts(item: IndicatorItem) -> list[str]:
    """The target first (stated before any value exists), then the sentence and the schedule."""
    spec, out = item.spec, []
    target = target_text(spec)
    if target:
        out.append(f"目标：{target}。")
    if item.sentence:
        out.append(item.sentence + "。")
    elif not item.reported:
        out.append("尚未填报。")
    if _schedule(item):
        out.append(_schedule(item))
    if item.illustrative:
        out.append(f"（示例数据：{'、'.join(item.illustrative)}）")
    return out


def _schedule(item: IndicatorItem) -> str:
    f = item.figures
    if f.expected is None or f.schedule is None:
        return ""
    return f"按基线至目标的序时进度，截至报告日应达到{fmt(f.expected)}{item.spec.unit}，{SCHEDULE_TEXT[f.schedule]}。"


def report_context(s: IndicatorsSnapshot) -> dict[str, Any]:
    """The variables of the report's template (`rectify_shared.document_templates.schema`)."""
    keys = ("n", "period", "value", "total", "source")
    return {
        "title": title(s),
        "round_name": s.round_name,
        "inspection": inspection_title(s.round_name),
        "org_name": s.org_name,
        "as_of": s.as_of,
        "count": len(s.items),
        "items": [
            {
                "n": n,
                "name": item.spec.name,
                "unit": item.spec.unit,
                "kind": item.spec.kind.value,
                "qualitative": item.spec.kind == IndicatorKind.qualitative,
                "target": target_text(item.spec) or "",
                "sentence": item.sentence or "",
                "schedule": _schedule(item),
                "facts": facts(item),
                "illustrative": "、".join(item.illustrative),
                "reported": bool(item.reported),
                "rows": [dict(zip(keys, row, strict=True)) for row in rows(item)],
            }
            for n, item in enumerate(s.items, start=1)
        ],
    }


def pieces(s: IndicatorsSnapshot) -> list[Piece]:
    return draw("indicators", s.template, report_context(s)).pieces


def _chart_of(s: IndicatorsSnapshot, text: str) -> bytes | None:
    """The chart `::chart N` asks for (none for an indicator without values)."""
    n = int(text) if text.strip().isdigit() else 0
    if not 1 <= n <= len(s.items) or not s.items[n - 1].reported:
        return None
    return chart(s.items[n - 1])


def render_md(s: IndicatorsSnapshot) -> bytes:
    heads = {"title": "#", "heading": "##", "subheading": "###"}
    blocks: list[str] = []
    for p in pieces(s):
        if p.kind in heads:
            blocks.append(f"{heads[p.kind]} {md_text(p.text)}")
        elif p.kind == "table":
            lines = ["| " + " | ".join(md_text(h) for h in p.headers) + " |", "|" + "---|" * len(p.headers)]
            lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in p.rows]
            blocks.append("\n".join(lines))
        elif p.kind != "chart" and p.text:
            blocks.append(md_line(p.text))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def render_html(s: IndicatorsSnapshot) -> str:
    parts: list[str] = []
    tags = {"title": "h1", "heading": "h2", "subheading": "h3"}
    for p in pieces(s):
        if p.kind in tags:
            parts.append(f"<{tags[p.kind]}>{escape(p.text)}</{tags[p.kind]}>")
        elif p.kind == "chart":
            png = _chart_of(s, p.text)
            if png is not None:
                data = base64.b64encode(png).decode()
                parts.append(f'<p class="plain"><img src="data:image/png;base64,{data}" style="width:100%"></p>')
        elif p.kind == "table":
            head = "".join(f"<th>{escape(h)}</th>" for h in p.headers)
            body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in p.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif p.kind == "mark":
            parts.append(f'<p class="mark">{escape(p.text)}</p>')
        elif p.text:
            parts.append(f"<p>{escape(p.text)}</p>")
    heading = next((p.text for p in pieces(s) if p.kind == "title"), title(s))
    return document(heading, "\n".join(parts))


def render_pdf(s: IndicatorsSnapshot) -> bytes:
    return html_to_pdf(render_html(s))


def render_docx(s: IndicatorsSnapshot) -> bytes:
    drawn = pieces(s)
    heading = next((p.text for p in drawn if p.kind == "title"), title(s))
    doc, styles = docx_common.new_document(title=heading, author=s.org_name, as_of=s.as_of)
    plain = {"title": styles.title, "heading": styles.heading_1, "subheading": styles.heading_2}
    for p in drawn:
        if p.kind == "chart":
            png = _chart_of(s, p.text)
            if png is not None:
                doc.add_picture(io.BytesIO(png), width=Cm(15.5))
        elif p.kind == "table":
            word.table(doc, list(p.headers), [list(r) for r in p.rows], styles)
        elif p.kind == "mark":
            word.centred(doc, p.text, styles)
        elif p.text:
            docx_common.add_paragraph(doc, p.text, plain.get(p.kind, styles.body))
    return docx_common.document_bytes(doc)


def render_xlsx(s: IndicatorsSnapshot) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    book.set_properties({"title": title(s), "created": datetime.combine(s.as_of, time())})
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "border": 1, "align": "center", "bg_color": "#D9E1F2"})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    ws = book.add_worksheet("指标")
    for index, width in enumerate([6, 34, 10, 12, 12, 12, 12, 14, 12, 60]):
        ws.set_column(index, index, width)
    write_text(ws, 0, 0, f"{title(s)}（数据截至{chinese_date(s.as_of)}）", bold)
    headers = ["序号", "指标", "单位", "最新报告期", "最新值", "累计", "目标值", "完成目标(%)", "序时进度", "表述"]
    write_texts(ws, 2, 0, headers, head)
    for r, item in enumerate(s.items, start=3):
        f = item.figures
        cells = [
            str(r - 2),
            item.spec.name,
            item.spec.unit,
            period_text(f.latest.period) if f.latest else "",
            fmt(f.latest_value) if f.latest_value is not None else "",
            fmt(f.cumulative) if f.cumulative is not None else "",
            fmt(item.spec.target) if item.spec.target is not None else (item.spec.target_text or ""),
            fmt(f.percent_of_target) if f.percent_of_target is not None else "",
            SCHEDULE_TEXT[f.schedule] if f.schedule else "",
            item.sentence or "",
        ]
        write_texts(ws, r, 0, cells, cell)
    series = book.add_worksheet("数据")
    write_texts(series, 0, 0, ["指标", *HEADERS], head)
    line = 1
    for item in s.items:
        for row in rows(item):
            write_texts(series, line, 0, [item.spec.name, *row], cell)
            line += 1
    book.close()
    return buffer.getvalue()
