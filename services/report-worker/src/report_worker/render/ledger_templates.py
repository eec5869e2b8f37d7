"""The ledger's two documents drawn from the office's templates (`rectify_shared.document_templates`):

- `issue_progress` (具体问题整改进展情况): headings and paragraphs — md, docx and pdf (from the md);
  it is also the `ledger` kind's Markdown and the progress report's attachment
  (`issue_progress_docx` draws it);
- `ledger` (整改台账): the landscape table of `ledger_document` — docx and pdf.

The snapshot carries the templates in force (`LedgerSnapshot.templates`, attached by the kinds'
loaders); none is the shipped default, which reproduces the fixed layout word for word.
"""

from typing import Any

from rectify_shared.document_templates import Piece
from rectify_shared.document_templates.filters import number as numbered
from rectify_shared.enums import MEASURE_STATUS_TEXT

from ..snapshot import IssueSnapshot, LedgerSnapshot, MeasureSnapshot
from ..templating import Drawn, draw
from . import docx_common
from . import word_layout as word
from .gongwen import Block, render_md
from .ledger_xlsx import sheet_title
from .md_pdf import md_line, md_text
from .wording import chinese_date, inspection_title, ledger_title

ISSUE_PROGRESS, LEDGER = "issue_progress", "ledger"


def text_lines(text: str) -> list[str]:
    """The non-blank lines of a ledger text, stripped (one paragraph each)."""
    return [line.strip() for line in text.splitlines() if line.strip()] or [""]


def _measure(m: MeasureSnapshot, style: str) -> dict[str, Any]:
    return {
        "seq": m.seq,
        "label": numbered(m.seq, style) if m.seq is not None else "",
        "text": m.text,
        "lines": text_lines(m.text),
        "responsible_org": m.responsible_org or "",
        "deadline": m.deadline,
        "status": m.status.value,
        "status_text": MEASURE_STATUS_TEXT[m.status],
        "latest_progress": m.latest_progress or "",
    }


def _issue(i: IssueSnapshot, style: str) -> dict[str, Any]:
    return {
        "seq": i.seq,
        "number": i.number,
        "display_no": i.display_no or "",
        "prefix": i.prefix,
        "description": i.description,
        "lines": text_lines(i.description),
        "status": i.status.value,
        "status_text": i.status_text,
        "lead_org": i.lead_org or "",
        "units": list(dict.fromkeys(o for o in [i.lead_org, *i.responsible_orgs] if o)),
        "deadline": i.deadline,
        "latest_progress": i.latest_progress or "",
        "measures": [_measure(m, style) for m in i.measures],
    }


def issue_progress_context(s: LedgerSnapshot, measure_style: str | None = None) -> dict[str, Any]:
    """The variables of the `issue_progress` template (`rectify_shared.document_templates.schema`);
    `measure_style`: how measures are numbered (default: the round's setting)."""
    settings = s.settings
    measure_style = measure_style or settings.measure_numbering
    return {
        "title": ledger_title(s.org_name, s.round_name),
        "round_name": s.round_name,
        "inspection": inspection_title(s.round_name),
        "org_name": s.org_name,
        "as_of": s.as_of,
        "aspect_numbering": settings.aspect_numbering,
        "measure_numbering": measure_style,
        "aspect_count": len(s.categories),
        "issue_count": sum(len(c.issues) for c in s.categories),
        "aspects": [
            {
                "number": numbered(n, settings.aspect_numbering),
                "name": c.name,
                "issues": [_issue(i, measure_style) for i in c.issues],
            }
            for n, c in enumerate(s.categories, start=1)
        ],
    }


def ledger_context(s: LedgerSnapshot) -> dict[str, Any]:
    """The variables of the `ledger` template: those of `issue_progress` and the table's rows."""
    from .ledger_document import Heading, rows

    table: list[dict[str, Any]] = []
    for item in rows(s):
        if isinstance(item, Heading):
            table.append({**_EMPTY_ROW, "heading": item.text})
            continue
        keys: tuple[str, ...] = ("number", "description", "status_text", "units", "deadline")
        keys += ("measure", "measure_deadline", "measure_status", "overdue_workdays", "latest_progress")
        table.append(
            {
                **dict(zip(keys, item.cells, strict=True)),
                "heading": "",
                "first": item.span > 0,
                "fill": item.fill or "",
                "issue_fill": item.issue_fill or "",
            }
        )
    return {
        **issue_progress_context(s),
        "title": sheet_title(s),
        "as_of_text": chinese_date(s.as_of),
        "rows": table,
    }


_EMPTY_ROW: dict[str, Any] = {
    "number": "",
    "description": "",
    "status_text": "",
    "units": "",
    "deadline": "",
    "measure": "",
    "measure_deadline": "",
    "measure_status": "",
    "overdue_workdays": "",
    "latest_progress": "",
    "first": False,
    "fill": "",
    "issue_fill": "",
}


def issue_progress_drawn(s: LedgerSnapshot, measure_style: str | None = None) -> Drawn:
    return draw(ISSUE_PROGRESS, s.templates.get(ISSUE_PROGRESS), issue_progress_context(s, measure_style))


def pieces_md(pieces: list[Piece]) -> bytes:
    """Headings and paragraphs as the ledger's Markdown (ledger text escaped, never structure)."""
    heads = {"title": "#", "heading": "##", "subheading": "###"}
    blocks: list[str] = []
    for p in pieces:
        if p.kind in heads:
            blocks.append(f"{heads[p.kind]} {md_text(p.text)}")
        elif p.kind == "table":
            blocks.append(render_md([Block("table", headers=p.headers, rows=p.rows)]).decode("utf-8").rstrip("\n"))
        elif p.text:
            blocks.append(md_line(p.text))
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def add_pieces(doc: Any, styles: Any, pieces: list[Piece]) -> None:
    """The template's headings and paragraphs appended to a Word document (::dateline left out:
    the day is in the document's properties and its file name)."""
    plain = {"title": styles.title, "heading": styles.heading_1, "subheading": styles.heading_2}
    for p in pieces:
        if p.kind == "dateline":
            continue
        if p.kind == "mark":
            word.centred(doc, p.text, styles)
        elif p.kind == "table":
            word.table(doc, list(p.headers), [list(r) for r in p.rows], styles)
        else:
            docx_common.add_paragraph(doc, p.text, plain.get(p.kind, styles.body))


def drop_placeholders(content: bytes, names: set[str]) -> bytes:
    """A filled-in Word template without its `::name` lines that print nothing in Word."""
    import io

    from docx import Document

    doc = Document(io.BytesIO(content))
    for paragraph in list(doc.paragraphs):
        text = paragraph.text.strip()
        if text.startswith("::") and text[2:].split(" ", 1)[0] in names:
            paragraph._p.getparent().remove(paragraph._p)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
