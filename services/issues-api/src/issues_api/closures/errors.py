"""The error codes the `closures` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("closures")
CERTIFICATION_POLICY = CATALOGUE.code(
    "certification_policy",
    409,
    "本轮信访件按上级部门认定办结，不走销号流程",
    "This round closes petition cases by certification, not through the closure workflow",
)
CLOSURE_EXISTS = CATALOGUE.code(
    "closure_exists",
    409,
    "该任务已在销号流程中（{closure_state_text_closurestate_closure_}）",
    "The task already has a closure ({closure_state})",
)
ILLEGAL_TRANSITION = CATALOGUE.code(
    "illegal_transition",
    409,
    "销号流程处于“{closure_state_text_current}”，不能{action_zh}",
    "The closure is {current_value}; it cannot {action_en} now",
)
NO_REVIEWER = CATALOGUE.code(
    "no_reviewer",
    409,
    "{lead_name}之上没有可审核、验收其销号申请的单位：请{keeper}在本轮销号规则中指定验收单位（如 office）",
    "No org above {lead_name} can review or accept its application: "
    "{keeper} must name an acceptor in the round's closure policy (e.g. office)",
)
NOT_APPLICABLE = CATALOGUE.code(
    "not_applicable",
    409,
    "仅正在推进或已完成整改的任务可以申请销号",
    "Only tasks in progress or completed can apply for closure",
)
NOTICE_RUNNING = CATALOGUE.code(
    "notice_running",
    409,
    "公示期至{closure_publicity_end_isoformat}，期满后方可销号",
    "The notice runs until {closure_publicity_end_isoformat}; write-off comes after it ends",
)
OBJECTIONS_PENDING = CATALOGUE.code(
    "objections_pending", 409, "尚有未处理的异议", "Objections are still pending a decision"
)
OWN_APPLICATION = CATALOGUE.code(
    "own_application",
    403,
    "申请单位（人）不能{action_zh}本单位的销号申请",
    "The applicant (org or user) cannot {action_en} its own application",
)
