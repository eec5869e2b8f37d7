"""The error codes the `imports` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("imports")
IMPORT_REJECTED = CATALOGUE.code(
    "import_rejected",
    422,
    "文件未导入：{len_errors}处错误，请修改后重新上传",
    "The file was not imported: {len_errors} error(s); fix them and upload it again",
)
IMPORT_STALE = CATALOGUE.code(
    "import_stale",
    409,
    "预览之后本轮台账已有变更（有人修改了问题、措施或进展），按此预览导入会覆盖这些变更；请重新上传文件，核对新的预览后再导入",
    "The round's ledger changed after this preview (a problem, measure or progress line was edited); "
    "applying it could undo those edits. Upload the file again and apply the new preview",
)
ORGS_UNMATCHED = CATALOGUE.code(
    "orgs_unmatched",
    422,
    "{len_unmatched}个单位未对应到系统中的单位，请在 org_mapping 中指定：{join_unmatched}",
    "{len_unmatched} unit(s) are not matched to an org; map them in org_mapping",
)
# refused before parsing (guard.sniff) or while parsing in the child process (isolated.parse)
EMPTY_FILE = CATALOGUE.code("empty_file", 422, "未上传文件", "No file was uploaded")
FILE_TOO_LARGE = CATALOGUE.code("file_too_large", 413, "文件超过{max_mb} MB", "The file is over the size limit")
ENCRYPTED_OR_LEGACY = CATALOGUE.code(
    "encrypted_or_legacy",
    415,
    "文件已加密或为旧版 .xls/.doc 格式：请取消密码保护并另存为 .xlsx/.docx 后上传",
    "The file is encrypted or an old .xls/.doc: remove the password and save it as .xlsx/.docx",
)
UNSUPPORTED_FILE = CATALOGUE.code(
    "unsupported_file", 415, "只接受 .xlsx 或 .docx 文件", "Only .xlsx or .docx files are accepted"
)
MACRO_ENABLED = CATALOGUE.code(
    "macro_enabled",
    415,
    "文件含宏（.xlsm/.docm），不予导入：请另存为不含宏的 .xlsx/.docx",
    "The file contains macros (.xlsm/.docm): save it as a plain .xlsx/.docx",
)
ZIP_BOMB = CATALOGUE.code(
    "zip_bomb",
    413,
    "文件解压后过大（疑似压缩炸弹），请拆分后上传",
    "The file inflates far beyond its size (a zip bomb?); split it",
)
FILE_TOO_COSTLY = CATALOGUE.code(
    "file_too_costly",
    413,
    "文件读取超过{seconds:g}秒或{memory_mb} MB内存，请拆分后上传",
    "Reading the file takes more than {seconds:g} s or {memory_mb} MB; split it",
)
UNREADABLE_FILE = CATALOGUE.code(
    "unreadable_file", 422, "文件无法读取：{payload}", "The file cannot be read: {payload}"
)
#: the file refusals, as `guard.Refused` / `isolated.ParseFailed` carry them
FILE_REFUSALS = (
    EMPTY_FILE, FILE_TOO_LARGE, ENCRYPTED_OR_LEGACY, UNSUPPORTED_FILE, MACRO_ENABLED, ZIP_BOMB, FILE_TOO_COSTLY,
    UNREADABLE_FILE,
)  # fmt: skip
