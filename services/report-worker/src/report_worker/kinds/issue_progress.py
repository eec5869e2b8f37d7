"""`issue_progress`: 具体问题整改进展情况, the report's attachment on its own (md, docx, pdf), drawn
from the office's `issue_progress` template (the shipped default: the seed's layout, word for word)."""

from datetime import date

from rectify_shared.enums import ReportFormat, ReportKind

from ..render.issue_progress_docx import render_issue_progress_docx, render_issue_progress_md
from ..render.md_pdf import pdf_from_markdown
from ..render.wording import ledger_title
from ..snapshot import LedgerSnapshot
from . import Kind, register
from .ledger import load_with_templates


def render(snapshot: LedgerSnapshot, fmt: ReportFormat) -> bytes:
    if fmt == ReportFormat.md:
        return render_issue_progress_md(snapshot)
    if fmt == ReportFormat.docx:
        return render_issue_progress_docx(snapshot)
    if fmt == ReportFormat.pdf:
        return pdf_from_markdown(render_issue_progress_md(snapshot))
    raise ValueError(f"issue_progress is not rendered as {fmt}")


def dated_file_name(title: str, as_of: date, extension: str) -> str:
    """<title>（截至2024-12-15）.docx; path separators and control characters never reach a file name."""
    safe = "".join("_" if ch in '/\\:*?"<>|' or ch < " " else ch for ch in title).strip() or "报告"
    return f"{safe}（截至{as_of.isoformat()}）.{extension}"


KIND = register(
    Kind(
        name=ReportKind.issue_progress.value,
        formats=frozenset({ReportFormat.md, ReportFormat.docx, ReportFormat.pdf}),
        load=load_with_templates,
        render=render,
        file_name=lambda s, fmt: dated_file_name(ledger_title(s.org_name, s.round_name), s.as_of, fmt.value),
    )
)
