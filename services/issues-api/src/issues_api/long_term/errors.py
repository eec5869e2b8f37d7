"""The error codes the `long_term` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("long_term")
NOT_FINISHED = CATALOGUE.code(
    "not_finished",
    409,
    "仅已完成整改（含长期坚持）或已销号的任务可以认定反弹",
    "Only finished tasks (completed, completed_long_term, closed) can relapse; this one is {issue_status}",
)
NOT_LONG_TERM = CATALOGUE.code(
    "not_long_term",
    409,
    "仅“已完成整改，长期坚持”的任务需要定期复核",
    "Only long-term tasks accepted as completed_long_term are re-attested; this one is {issue_status}",
)
