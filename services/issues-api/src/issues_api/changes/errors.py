"""The error codes the `changes` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("changes")
INVALID_CURSOR = CATALOGUE.code(
    "invalid_cursor",
    422,
    "变更游标超出变更流的末尾（不是本服务给出的游标）",
    "The cursor is beyond the head of the change feed (not one this server gave)",
)
TOO_MANY_STREAMS = CATALOGUE.code(
    "too_many_streams",
    429,
    "同一调用方最多同时打开 {tail_per_caller} 个变更流",
    "At most {tail_per_caller} open streams per caller",
)
