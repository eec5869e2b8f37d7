"""`petition_notice`: the daily 边督边改 notice on petition cases (md, docx, pdf, ofd).

Optional parameters: `batch_id` (default: the round's latest batch transferred by the day) and
`money_unit` (`yuan` or `wan_yuan`). The figures come from `rectify_shared.petition_stats`, as
the API's `/stats/petitions` do.
"""

from rectify_shared.enums import REPORT_FORMATS, ReportFormat, ReportKind

from ..petition_data import PetitionNotice, load_notice
from ..render.petition_notice import (
    notice_file_name,
    render_notice_docx,
    render_notice_md,
    render_notice_ofd,
    render_notice_pdf,
)
from . import Kind, register

RENDERERS = {
    ReportFormat.md: render_notice_md,
    ReportFormat.docx: render_notice_docx,
    ReportFormat.pdf: render_notice_pdf,
    ReportFormat.ofd: render_notice_ofd,
}


def render(notice: PetitionNotice, fmt: ReportFormat) -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(f"a petition notice is not rendered as {fmt}")
    return RENDERERS[fmt](notice)


KIND = register(
    Kind(
        name=ReportKind.petition_notice.value,
        formats=REPORT_FORMATS[ReportKind.petition_notice],
        load=load_notice,
        render=render,
        file_name=lambda notice, fmt: notice_file_name(notice, fmt.value),
    )
)
