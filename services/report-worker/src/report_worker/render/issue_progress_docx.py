"""具体问题整改进展情况 — the report's attachment — laid out as in the seed report:

    锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况   title
    一、贯彻落实习近平生态文明思想还不到位方面                              黑体 heading
    1.一些地方和部门……                                                     body
    整改进展情况：已完成整改，长期坚持
    （一）盟委将……                                                         one paragraph a measure
    我盟2宗探矿权已通过……                                                  (an unnumbered measure)

Each line of a ledger text is its own paragraph, the number on the first. The day the data is
as of goes into the document's properties and the file name, not into the attachment's text
(the Markdown ends with it: `::dateline`). The words are the `issue_progress` template's
(`ledger_templates`): the shipped default prints exactly this; an office's prints its own.
"""

from typing import Any

from ..snapshot import LedgerSnapshot
from .docx_common import Styles, document_bytes, new_document
from .ledger_templates import add_pieces, drop_placeholders, issue_progress_drawn, pieces_md
from .wording import chinese_date, ledger_title

EMPTY_SCOPE = "（本范围内暂无反馈问题）"


def render_issue_progress_md(snapshot: LedgerSnapshot, measure_style: str | None = None) -> bytes:
    """`measure_style`: how measures are numbered (default: the round's setting)."""
    return pieces_md(issue_progress_drawn(snapshot, measure_style).pieces)


def render_issue_progress_docx(snapshot: LedgerSnapshot) -> bytes:
    drawn = issue_progress_drawn(snapshot)
    if drawn.docx is not None:
        return drop_placeholders(drawn.docx, {"dateline"})  # the office's Word template, filled in
    title = next(
        (p.text for p in drawn.pieces if p.kind == "title"), ledger_title(snapshot.org_name, snapshot.round_name)
    )
    doc, styles = new_document(
        title=title,
        author=snapshot.org_name,
        as_of=snapshot.as_of,
        subject=f"数据截至{chinese_date(snapshot.as_of)}",
    )
    add_pieces(doc, styles, drawn.pieces)
    return document_bytes(doc)


def add_issue_progress(doc: Any, styles: Styles, snapshot: LedgerSnapshot, measure_style: str | None = None) -> None:
    """The attachment's title and body, appended to `doc` (`measure_style`: default the round's setting)."""
    add_pieces(doc, styles, issue_progress_drawn(snapshot, measure_style).pieces)
