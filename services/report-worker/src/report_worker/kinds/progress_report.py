"""`progress_report`: 整改落实情况报告 — computed opening, the office's narrative, the attachment (md, docx, pdf)."""

from rectify_shared.enums import ReportFormat, ReportKind

from ..narrative import ProgressReportSnapshot, load_progress_report
from ..render.md_pdf import pdf_from_markdown
from ..render.progress_report import progress_report_title, render_progress_report_docx, render_progress_report_md
from . import Kind, register
from .issue_progress import dated_file_name


def render(snapshot: ProgressReportSnapshot, fmt: ReportFormat) -> bytes:
    if fmt == ReportFormat.md:
        return render_progress_report_md(snapshot)
    if fmt == ReportFormat.docx:
        return render_progress_report_docx(snapshot)
    if fmt == ReportFormat.pdf:
        return pdf_from_markdown(render_progress_report_md(snapshot))
    raise ValueError(f"progress_report is not rendered as {fmt}")


def file_name(snapshot: ProgressReportSnapshot, fmt: ReportFormat) -> str:
    ledger = snapshot.ledger
    return dated_file_name(progress_report_title(ledger.org_name, ledger.round_name), ledger.as_of, fmt.value)


KIND = register(
    Kind(
        name=ReportKind.progress_report.value,
        formats=frozenset({ReportFormat.md, ReportFormat.docx, ReportFormat.pdf}),
        load=load_progress_report,
        render=render,
        file_name=file_name,
    )
)
