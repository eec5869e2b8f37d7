"""The error codes the `attachments` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("attachments")
CONTENT_MISSING = CATALOGUE.code(
    "content_missing", 410, "文件内容已不在存储中", "The file's content is no longer in the storage"
)
FILE_TOO_LARGE = CATALOGUE.code(
    "file_too_large", 413, "文件超过大小上限（{max_bytes} 字节）", "The file exceeds the size limit ({max_bytes} bytes)"
)
STORAGE_UNAVAILABLE = CATALOGUE.code(
    "storage_unavailable", 503, "文件存储暂不可用，请稍后再试", "File storage unavailable: {exc}"
)
UNSUPPORTED_FILE_TYPE = CATALOGUE.code(
    "unsupported_file_type",
    415,
    "不支持的文件类型，允许：{join_sorted_allowed}（按文件内容识别，不看扩展名）",
    "Unsupported file type; allowed: {join_sorted_allowed_} (recognised from the content, not the name)",
)
