"""The error codes the `petitions` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("petitions")
BATCH_NO_TAKEN = CATALOGUE.code(
    "batch_no_taken", 409, "本轮已有第{batch_no}批", "Batch {batch_no} already exists in this round"
)
CLOSURE_REQUIRED = CATALOGUE.code(
    "closure_required",
    409,
    "本轮信访件须经销号流程办结，请通过 POST /api/v1/closures 申请销号",
    "This round closes petition cases through the closure workflow: use POST /api/v1/closures",
)
EMPTY_FILE = CATALOGUE.code("empty_file", 422, "未上传文件", "No file was uploaded")
IMPORT_REJECTED = CATALOGUE.code(
    "import_rejected",
    422,
    "第{batch_batch_no}批信访件未导入：{n}处错误，请修改后重新上传整批",
    "Batch {batch_batch_no} was not imported: {n} error(s); fix them and upload the whole batch",
)
INTAKE_NO_TAKEN = CATALOGUE.code(
    "intake_no_taken", 409, "本轮已有受理编号{intake_no}", "Intake number {intake_no} already exists"
)
NOT_XLSX = CATALOGUE.code(
    "not_xlsx", 415, "只接受 Excel 工作簿（.xlsx）文件", "Only an Excel workbook (.xlsx) is accepted"
)
POLLUTION_TYPE_EXISTS = CATALOGUE.code(
    "pollution_type_exists",
    409,
    "“{word}”已是污染类型“{types_name_of_spellings_word}”的代码、名称或别称",
    "{word!r} already names the pollution type {spellings_word!r}",
)
WORKBOOK_TOO_LARGE = CATALOGUE.code(
    "workbook_too_large",
    413,
    "工作簿解压后过大或读取开销过大，请拆分后上传",
    "The workbook is too large to read (unpacked size, strings, time or memory); split it",
)
