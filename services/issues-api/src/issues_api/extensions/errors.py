"""The error codes the `extensions` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("extensions")
ALREADY_DECIDED = CATALOGUE.code("already_decided", 409, "该延期申请已审批", "The request was already decided")
DEADLINE_PASSED = CATALOGUE.code(
    "deadline_passed",
    409,
    "完成时限（{issue_deadline_isoformat}）已过，须在到期前申请延期",
    "The deadline ({issue_deadline_isoformat}) has passed; extensions are asked before it",
)
EXTENSION_PENDING = CATALOGUE.code(
    "extension_pending", 409, "已有待审批的延期申请", "An extension request is already pending"
)
NO_DEADLINE = CATALOGUE.code("no_deadline", 409, "该任务没有完成时限，无需延期", "The task has no deadline to extend")
TASK_DONE = CATALOGUE.code("task_done", 409, "任务已完成，不能申请延期", "The task is done; no extension")
