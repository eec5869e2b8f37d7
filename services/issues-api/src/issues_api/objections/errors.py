"""The error codes the `objections` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("objections")
ALREADY_DECIDED = CATALOGUE.code("already_decided", 409, "该异议已处理", "The objection was already decided")
NOTICE_NOT_RUNNING = CATALOGUE.code(
    "notice_not_running", 409, "该任务不在公示期内，不能提出异议", "The task's notice is not running; no objection now"
)
