"""整改落实情况报告 — the narrative progress report — as Markdown and as .docx:

    锡林郭勒盟第二轮中央生态环境保护督察整改落实情况报告                       title
    2022年3月25日至4月25日，中央第三生态环境保护督察组对……截至2024年12月15日，
    12项整改任务已完成整改9项（其中长期坚持2项），正在推进3项（达到序时进度3项）。 computed
    一、坚决扛起政治责任……  （一）加强组织领导……  ……  下一步，……                  stored
    附件 / 具体问题整改进展情况                                                      the ledger

The opening paragraph is computed from the round and the ledger as of the report's day; the
sections are the office's text, printed verbatim (numbering included) except for its indicator
placeholders, which print the figures computed as of the report's day
(`{{指标:露天矿山地质环境治理面积}}` → 143家露天矿山完成地质环境治理61.11平方公里). The petition cases
(信访举报件) of the round close the progress sentence when there are any in scope:
"；转办的29批91件群众信访举报案件，已全部经自治区相关厅局认定办结。"
"""

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from rectify_shared.document_settings import status_words
from rectify_shared.document_templates import Piece
from rectify_shared.document_templates.filters import number
from rectify_shared.enums import IssueStatus, PetitionState
from rectify_shared.indicator_phrases import expand
from rectify_shared.petition_stats import PetitionFigures
from rectify_shared.titles import document_title

from ..narrative import NarrativeSection, ProgressReportSnapshot
from ..templating import draw, first_text
from . import gongwen
from . import word_layout as word
from .docx_common import add_paragraph, add_run_in_heading, document_bytes, new_document
from .issue_progress_docx import add_issue_progress, render_issue_progress_md
from .ledger_md import paragraphs
from .md_pdf import md_text
from .wording import chinese_date, inspection_title

#: how the attachment numbers measures unless `::attachment 1.` (or another style) says otherwise
DEFAULT_NUMBERING = "（一）"
_H1 = re.compile(r"^[一二三四五六七八九十百]+、")
_H2 = re.compile(r"^（[一二三四五六七八九十百]+）")
_DONE = (IssueStatus.completed, IssueStatus.completed_long_term, IssueStatus.closed)


def progress_report_title(org_name: str, round_name: str) -> str:
    return document_title("progress_report", round_name, org=org_name)


@dataclass(frozen=True)
class Figures:
    total: int
    completed: int  # completed + completed_long_term + closed
    long_term: int
    closed: int
    in_progress: int
    on_schedule: int
    behind: int
    not_started: int


def figures(snapshot: ProgressReportSnapshot) -> Figures:
    statuses = [i.status for c in snapshot.ledger.categories for i in c.issues]
    return Figures(
        total=len(statuses),
        completed=sum(1 for s in statuses if s in _DONE),
        long_term=statuses.count(IssueStatus.completed_long_term),
        closed=statuses.count(IssueStatus.closed),
        in_progress=statuses.count(IssueStatus.in_progress),
        on_schedule=snapshot.on_schedule,
        behind=snapshot.behind,
        not_started=statuses.count(IssueStatus.not_started),
    )


def opening_paragraph(snapshot: ProgressReportSnapshot) -> str:
    return _background(snapshot) + progress_sentence(snapshot)


def progress_sentence(snapshot: ProgressReportSnapshot) -> str:
    """The figures of the opening paragraph, the petition cases' clause included."""
    progress = _progress_sentence(snapshot.ledger.as_of, figures(snapshot))
    petitions = petition_clause(snapshot.petitions)
    if petitions:
        progress = progress.removesuffix("。") + "；" + petitions + "。"
    return progress


def petition_clause(p: PetitionFigures | None) -> str:
    """转办的29批91件群众信访举报案件，已全部经自治区相关厅局认定办结 — or the split by state."""
    if p is None or p.total == 0:
        return ""
    lead = f"转办的{p.batches}批{p.total}件群众信访举报案件，"
    if p.certified == p.total:
        return lead + f"已全部经{_certifiers(p.certifiers)}认定办结"
    parts = [
        f"{label}{n}件"
        for label, n in (
            ("已办结", p.by_state[PetitionState.closed]),
            ("阶段性办结", p.by_state[PetitionState.closed_in_stage]),
            ("正在办理", p.by_state[PetitionState.in_progress]),
        )
        if n
    ]
    return lead + "、".join(parts)


def _certifiers(names: list[str]) -> str:
    """One department by name; several of the region (自治区…) as 自治区相关厅局; else 上级相关部门."""
    if len(names) == 1:
        return names[0]
    if all(n.startswith("自治区") for n in names):
        return "自治区相关厅局"
    return "上级相关部门"


def _background(s: ProgressReportSnapshot) -> str:
    """2022年3月25日至4月25日，中央第三生态环境保护督察组对内蒙古自治区开展了……，并于……反馈了督察意见。"""
    stay = _period(s.stay_start, s.stay_end)
    sentence = f"{stay}，" if stay else ""
    sentence += f"{s.ledger.inspection_team}对{s.target_region}开展了{inspection_title(s.ledger.round_name)}"
    if s.feedback_date:
        sentence += f"，并于{chinese_date(s.feedback_date)}反馈了督察意见"
    return sentence + "。"


def _period(start: date | None, end: date | None) -> str:
    if start and end:
        tail = f"{end.month}月{end.day}日" if end.year == start.year else chinese_date(end)
        return f"{chinese_date(start)}至{tail}"
    return chinese_date(start) if start else ""


def _progress_sentence(as_of: date, f: Figures) -> str:
    """截至2024年12月15日，12项整改任务已完成整改9项（其中长期坚持2项），正在推进3项（达到序时进度3项）。"""
    if f.total == 0:
        return f"截至{chinese_date(as_of)}，本范围内暂无整改任务。"
    done = f"已完成整改{f.completed}项" + _aside("其中", [("长期坚持", f.long_term), ("已销号", f.closed)])
    parts = [done]
    if f.in_progress:
        parts.append(f"正在推进{f.in_progress}项" + _aside("", [("达到序时进度", f.on_schedule), ("滞后", f.behind)]))
    if f.not_started:
        parts.append(f"尚未启动{f.not_started}项")
    return f"截至{chinese_date(as_of)}，{f.total}项整改任务{'，'.join(parts)}。"


def _aside(lead: str, counts: list[tuple[str, int]]) -> str:
    items = [f"{label}{n}项" for label, n in counts if n]
    return f"（{lead}{'、'.join(items)}）" if items else ""


@dataclass(frozen=True)
class Block:
    kind: str  # "h1" 一、 heading | "h2" （一） heading | "run_in" （一）heading。text | "p" paragraph
    text: str
    rest: str = ""


def computed_sections(snapshot: ProgressReportSnapshot) -> list[NarrativeSection]:
    """The office's sections with each indicator placeholder replaced by its computed words."""
    return [
        NarrativeSection(expand(s.heading, snapshot.indicators), [expand(p, snapshot.indicators) for p in s.paragraphs])
        for s in snapshot.sections
    ]


def narrative_blocks(sections: list[NarrativeSection]) -> list[Block]:
    """The stored sections as the blocks they print as; the office's text is never changed."""
    blocks: list[Block] = []
    for section in sections:
        if section.heading:
            blocks.append(Block("h2" if _H2.match(section.heading) else "h1", section.heading))
        blocks.extend(_paragraph_block(p) for p in section.paragraphs)
    return blocks


def _paragraph_block(text: str) -> Block:
    """（一）加强组织领导 alone is a heading; （一）持续提高……。按照…… opens with a run-in heading."""
    if _H1.match(text) and "。" not in text:
        return Block("h1", text)
    if _H2.match(text):
        end = text.find("。")
        if end == -1:
            return Block("h2", text)
        if end < len(text) - 1:
            return Block("run_in", text[: end + 1], text[end + 1 :])
    return Block("p", text)


def report_context(snapshot: ProgressReportSnapshot) -> dict[str, Any]:
    """The variables of the report's template (`rectify_shared.document_templates.schema`)."""
    ledger, p = snapshot.ledger, snapshot.petitions
    f = figures(snapshot)
    return {
        "title": progress_report_title(ledger.org_name, ledger.round_name),
        "org_name": ledger.org_name,
        "round_name": ledger.round_name,
        "inspection": inspection_title(ledger.round_name),
        "inspection_team": ledger.inspection_team,
        "target_region": snapshot.target_region,
        "as_of": ledger.as_of,
        "stay_period": _period(snapshot.stay_start, snapshot.stay_end),
        "feedback_date": snapshot.feedback_date,
        "background": _background(snapshot),
        "progress": progress_sentence(snapshot),
        "aspect_count": len(ledger.categories),
        "aspects": [
            {"number": number(n, ledger.settings.aspect_numbering), "name": c.name, "tasks": len(c.issues)}
            for n, c in enumerate(ledger.categories, start=1)
        ],
        "status_words": status_words(ledger.settings),
        "aspect_numbering": ledger.settings.aspect_numbering,
        "measure_numbering": ledger.settings.measure_numbering,
        "figures": asdict(f),
        "petitions": {
            "batches": p.batches if p else 0,
            "total": p.total if p else 0,
            "closed": p.by_state[PetitionState.closed] if p else 0,
            "closed_in_stage": p.by_state[PetitionState.closed_in_stage] if p else 0,
            "in_progress": p.by_state[PetitionState.in_progress] if p else 0,
            "certified": p.certified if p else 0,
            "certifier": _certifiers(p.certifiers) if p else "",
        },
    }


def _pieces(snapshot: ProgressReportSnapshot) -> list[Piece]:
    return draw("progress_report", snapshot.template, report_context(snapshot)).pieces


def render_progress_report_md(snapshot: ProgressReportSnapshot) -> bytes:
    ledger = snapshot.ledger
    blocks: list[str] = []
    for piece in _pieces(snapshot):
        if piece.kind in _MD_HEADINGS:
            blocks.append(f"{_MD_HEADINGS[piece.kind]} {md_text(piece.text)}")
        elif piece.kind == "sections":
            blocks.extend(_narrative_md(snapshot))
        elif piece.kind == "attachment":
            md = render_issue_progress_md(ledger, piece.text or None)
            blocks.append(md.decode("utf-8").rstrip("\n"))
        elif piece.kind == "table":
            blocks.append(gongwen.render_md([_table(piece)]).decode("utf-8").rstrip("\n"))
        else:
            blocks.extend(paragraphs(piece.text))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


_MD_HEADINGS = {"title": "#", "heading": "##", "subheading": "###"}


def _narrative_md(snapshot: ProgressReportSnapshot) -> list[str]:
    blocks: list[str] = []
    for block in narrative_blocks(computed_sections(snapshot)):
        if block.kind == "h1":
            blocks.append(f"## {md_text(block.text)}")
        elif block.kind == "h2":
            blocks.append(f"### {md_text(block.text)}")
        else:
            blocks.extend(paragraphs(block.text + block.rest))
    return blocks


def _table(piece: Piece) -> gongwen.Block:
    return gongwen.Block("table", headers=piece.headers, rows=piece.rows)


def render_progress_report_docx(snapshot: ProgressReportSnapshot) -> bytes:
    ledger = snapshot.ledger
    drawn = draw("progress_report", snapshot.template, report_context(snapshot))
    if drawn.docx is not None:  # the office's Word template, its ::sections and ::attachment filled in
        return fill_word_template(drawn.docx, snapshot)
    pieces = drawn.pieces
    title = first_text(pieces, "title", progress_report_title(ledger.org_name, ledger.round_name))
    doc, styles = new_document(
        title=title, author=ledger.org_name, as_of=ledger.as_of, subject=f"数据截至{chinese_date(ledger.as_of)}"
    )
    plain = {"title": styles.title, "heading": styles.heading_1, "subheading": styles.heading_2}
    for index, piece in enumerate(pieces):
        if piece.kind == "sections":
            _narrative_docx(doc, styles, snapshot)
        elif piece.kind == "attachment":
            add_issue_progress(doc, styles, ledger, piece.text or None)
        elif piece.kind == "label":
            add_paragraph(doc, piece.text, styles.label, new_page=True)
        elif piece.kind == "mark":
            word.centred(doc, piece.text, styles)
        elif piece.kind == "table":
            word.table(doc, list(piece.headers), [list(r) for r in piece.rows], styles)
        elif piece.kind == "signature":
            follows = pieces[index + 1] if index + 1 < len(pieces) else None
            word.signature(doc, piece.text, follows.text if follows and follows.kind == "date" else "", styles)
        elif piece.kind == "date" and index and pieces[index - 1].kind == "signature":
            continue  # printed with its signature
        else:
            add_paragraph(doc, piece.text, plain.get(piece.kind, styles.body))
    return document_bytes(doc)


def _narrative_docx(doc: Any, styles: Any, snapshot: ProgressReportSnapshot) -> None:
    for block in narrative_blocks(computed_sections(snapshot)):
        if block.kind == "run_in":
            add_run_in_heading(doc, block.text, block.rest, styles)
        else:
            style = {"h1": styles.heading_1, "h2": styles.heading_2}.get(block.kind, styles.body)
            add_paragraph(doc, block.text, style)


def fill_word_template(content: bytes, snapshot: ProgressReportSnapshot) -> bytes:
    """An office's filled-in Word template with the narrative put where `::sections` stands and
    the attachment (具体问题整改进展情况) where `::attachment [numbering]` stands, in the template's
    own styles (Word's Title, Heading 1 and Heading 2 when it has them)."""
    import io

    from docx import Document

    from .ledger_templates import issue_progress_drawn

    doc = Document(io.BytesIO(content))

    def style(name: str) -> Any:
        try:
            return doc.styles[name]
        except KeyError:
            return None

    for paragraph in list(doc.paragraphs):
        text = paragraph.text.strip()
        name, _, rest = text[2:].partition(" ") if text.startswith("::") else ("", "", "")
        if name == "sections":
            for block in narrative_blocks(computed_sections(snapshot)):
                heading = {"h1": "Heading 1", "h2": "Heading 2"}.get(block.kind)
                added = paragraph.insert_paragraph_before(style=style(heading) if heading else None)
                run = added.add_run(block.text)
                if block.kind == "run_in":
                    run.bold = True
                    added.add_run(block.rest)
        elif name == "attachment":
            for piece in issue_progress_drawn(snapshot.ledger, rest.strip() or None).pieces:
                if piece.kind == "dateline" or not piece.text:
                    continue
                kind = {"title": "Title", "heading": "Heading 1", "subheading": "Heading 2"}.get(piece.kind)
                paragraph.insert_paragraph_before(piece.text, style=style(kind) if kind else None)
        else:
            continue
        paragraph._p.getparent().remove(paragraph._p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
