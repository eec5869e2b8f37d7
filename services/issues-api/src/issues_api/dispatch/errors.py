"""The error codes the `dispatch` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("dispatch")
DISPATCH_ROUND_EXISTS = CATALOGUE.code(
    "dispatch_round_exists", 409, "本轮{period}调度已开启", "Dispatch round {period} is already open"
)
