"""The error codes the `progress` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("progress")
WITHDRAWN = CATALOGUE.code(
    "withdrawn", 409, "任务已撤回，不能报送进展", "The task was withdrawn; no progress can be reported"
)
