"""The error codes the `escalations` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("escalations")
ILLEGAL_TRANSITION = CATALOGUE.code(
    "illegal_transition",
    409,
    "“{states_state_text_e_state}”状态不能{states_act_text_act}",
    "An escalation that is {state} cannot be {act}ed; allowed: {join_exc_allowed_or_none}",
)
INVALID_POLICY = CATALOGUE.code(
    "invalid_policy",
    422,
    "督办规则不能发给签发单位（督察整改办或其所属单位）自己",
    "A rule would address the issuer itself (the round's office or the org it belongs to)",
)
SCAN_IN_FUTURE = CATALOGUE.code(
    "scan_in_future",
    422,
    "不能按未来日期（{as_of_isoformat}）发出督办，可用 dry_run 预演",
    "A scan as of a future date ({as_of_isoformat}) would send real notices; use dry_run",
)
SCAN_NOT_WITHDRAWABLE = CATALOGUE.code(
    "scan_not_withdrawable", 409, "该次扫描不能撤回（预演、未完成或已撤回）", "The scan cannot be withdrawn: {why}"
)
