"""The error codes the `reports` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("reports")
PDF_TOO_LONG = CATALOGUE.code(
    "pdf_too_long",
    422,
    "该报告的PDF预计至少{pages}页，超过上限{cap}页，请改用xlsx或docx格式",
    "The PDF of this report would have at least {pages} pages, over the limit of {cap}; "
    "request it as xlsx or docx instead",
)
REPORT_NOT_READY = CATALOGUE.code("report_not_ready", 409, "报告尚未生成完成", "The report is {job_state}, not done")
REPORT_QUOTA = CATALOGUE.code(
    "report_quota",
    429,
    "您已有{quota}份报告在排队或生成中，请待其完成后再申请",
    "You already have {quota} reports queued or rendering; wait for one to finish",
)
