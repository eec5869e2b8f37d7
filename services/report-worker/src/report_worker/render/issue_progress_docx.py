"""具体问题整改进展情况 — the report's attachment — laid out as in the seed report:

    锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况   title
    一、贯彻落实习近平生态文明思想还不到位方面                              黑体 heading
    1.一些地方和部门……                                                     body
    整改进展情况：已完成整改，长期坚持
    （一）盟委将……                                                         one paragraph a measure
    我盟2宗探矿权已通过……                                                  (an unnumbered measure)

Each line of a ledger text is its own paragraph, the number on the first. The day the data is
as of goes into the document's properties and the file name, not into the attachment's text.
The Markdown form is the ledger's own (`render_ledger_md`), which has exactly this layout.
"""

from typing import Any

from rectify_shared.document_templates.filters import number as numbered

from ..snapshot import IssueSnapshot, LedgerSnapshot
from .docx_common import Styles, add_paragraph, document_bytes, new_document
from .ledger_md import render_ledger_md
from .wording import chinese_date, ledger_title

EMPTY_SCOPE = "（本范围内暂无反馈问题）"
STATUS_LABEL = "整改进展情况："


def render_issue_progress_md(snapshot: LedgerSnapshot, measure_style: str | None = None) -> bytes:
    return render_ledger_md(snapshot, measure_style)


def render_issue_progress_docx(snapshot: LedgerSnapshot) -> bytes:
    doc, styles = new_document(
        title=ledger_title(snapshot.org_name, snapshot.round_name),
        author=snapshot.org_name,
        as_of=snapshot.as_of,
        subject=f"数据截至{chinese_date(snapshot.as_of)}",
    )
    add_issue_progress(doc, styles, snapshot)
    return document_bytes(doc)


def add_issue_progress(doc: Any, styles: Styles, snapshot: LedgerSnapshot, measure_style: str | None = None) -> None:
    """The attachment's title and body, appended to `doc` (`measure_style`: default the round's setting)."""
    measure_style = measure_style or snapshot.settings.measure_numbering
    add_paragraph(doc, ledger_title(snapshot.org_name, snapshot.round_name), styles.title)
    if not snapshot.categories:
        add_paragraph(doc, EMPTY_SCOPE, styles.body)
    for number, category in enumerate(snapshot.categories, start=1):
        add_paragraph(doc, f"{numbered(number, snapshot.settings.aspect_numbering)}{category.name}", styles.heading_1)
        for issue in category.issues:
            _add_issue(doc, styles, issue, measure_style)


def _add_issue(doc: Any, styles: Styles, issue: IssueSnapshot, measure_style: str = "（一）") -> None:
    for line in text_lines(issue.description, prefix=issue.prefix):
        add_paragraph(doc, line, styles.body)
    add_paragraph(doc, f"{STATUS_LABEL}{issue.status_text}", styles.body)
    for measure in issue.measures:
        prefix = numbered(measure.seq, measure_style) if measure.seq is not None else ""
        for line in text_lines(measure.text, prefix=prefix):
            add_paragraph(doc, line, styles.body)


def text_lines(text: str, prefix: str = "") -> list[str]:
    """One paragraph per non-blank line of `text`; the prefix (a number) goes on the first."""
    lines = [line.strip() for line in text.splitlines() if line.strip()] or [""]
    lines[0] = prefix + lines[0]
    return lines
