"""The error codes the `receipts` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("receipts")
INVALID_RECEIPT = CATALOGUE.code("invalid_receipt", 422, "回执格式不正确", "Not a {provider} status report")
TOO_MANY_REPORTS = CATALOGUE.code(
    "too_many_reports", 422, "一次最多 {max_reports} 条回执", "At most {max_reports} reports per request"
)
