"""The version of each report kind's renderer, part of a report request's key.

A finished report is reused for the same request on unchanged data (issues-api
`reports/reuse.py`); a file made by an older renderer must not be. Bump a kind's number
whenever a change to its snapshot or renderer changes the document it makes — the next
request after the deploy then renders afresh instead of reusing the old file.
"""

from .enums import ReportKind

RENDERER_VERSIONS: dict[str, int] = {
    # 2: the docx/pdf table drawn from the `ledger` template (column widths as drawn)
    ReportKind.ledger: 2,
    ReportKind.issue_progress: 1,
    # 2: indicator figures computed into the narrative ({{指标:…}}), on-schedule derived from indicators
    ReportKind.progress_report: 2,
    ReportKind.dispatch_summary: 1,
    ReportKind.escalation_notice: 1,
    # 2: drawn from the `indicators` template (数据截至 as a centred line everywhere; 本轮暂无指标 in every format)
    ReportKind.indicators: 2,
    # 2: drawn from the `petition_table` template (the line under the title centred in the PDF too)
    ReportKind.petition_table: 2,
}


def renderer_version(kind: str) -> int:
    """The kind's renderer version (1 for a kind not listed)."""
    return RENDERER_VERSIONS.get(kind, 1)
