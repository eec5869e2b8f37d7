"""The error codes the `issues` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("issues")
EVIDENCE_REQUIRED = CATALOGUE.code(
    "evidence_required",
    409,
    "本轮要求完成整改须附佐证材料：请先报送进展并上传佐证材料",
    "This round requires evidence to declare a measure completed: report progress with an attachment",
)
ILLEGAL_TRANSITION = CATALOGUE.code(
    "illegal_transition",
    409,
    "责任单位不能把措施从“{measure_status_text_current}”变更为“{measure_status_text_target}”；其他变更须由整改办办理",
    "A unit cannot move a measure {current_value} → {target_value} (allowed: {allowed_or_none}); ask the office",
)
MEASURES_OPEN = CATALOGUE.code("measures_open", 409, "尚有整改措施未完成", "Measures are not completed (nor waived)")
SEQ_TAKEN = CATALOGUE.code(
    "seq_taken", 409, "本轮已有第{seq}号问题", "Problem number {seq} already exists in this round"
)
WITHDRAWN = CATALOGUE.code(
    "withdrawn", 409, "{what_zh}已撤回，不能修改", "The {what_en} was withdrawn and cannot change"
)
