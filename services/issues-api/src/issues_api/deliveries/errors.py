"""The error codes the `deliveries` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("deliveries")
NOT_FAILED = CATALOGUE.code(
    "not_failed", 409, "只有失败的投递可以重发", "Only a failed delivery can be retried; this one is {row_state}"
)
