"""Enumerations of the domain; the string values are the published API values."""

from enum import StrEnum


class OrgKind(StrEnum):
    region = "region"
    league = "league"
    county = "county"
    department = "department"
    enterprise = "enterprise"
    office = "office"  # 督察整改办: the office that keeps a round's ledger and issues its letters


class IssueStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    completed = "completed"
    completed_long_term = "completed_long_term"
    closed = "closed"


ISSUE_STATUS_TEXT: dict[IssueStatus, str] = {
    IssueStatus.not_started: "未启动",
    IssueStatus.in_progress: "正在推进",
    IssueStatus.completed: "已完成整改",
    IssueStatus.completed_long_term: "已完成整改，长期坚持",
    IssueStatus.closed: "已销号",
}


class MeasureStatus(StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    completed = "completed"
    #: the office decided the measure need not be carried out (with a reason): it no longer holds
    #: its issue open
    waived = "waived"


MEASURE_STATUS_TEXT: dict[MeasureStatus, str] = {
    MeasureStatus.not_started: "未启动",
    MeasureStatus.in_progress: "正在推进",
    MeasureStatus.completed: "已完成",
    MeasureStatus.waived: "经批准不再实施",
}

#: measure statuses that no longer hold an issue open (closure may be applied for and accepted)
MEASURE_DONE: frozenset[MeasureStatus] = frozenset({MeasureStatus.completed, MeasureStatus.waived})


class DeadlineChangeKind(StrEnum):
    """Why a deadline moved. Extensions and calendar recomputation reuse this model."""

    correction = "correction"
    extension = "extension"
    calendar_recompute = "calendar_recompute"


class ReportKind(StrEnum):
    ledger = "ledger"  # 整改台账 (xlsx, md, docx, pdf)
    issue_progress = "issue_progress"  # 具体问题整改进展情况 (the report's attachment)
    progress_report = "progress_report"  # 整改落实情况报告 (narrative + attachment)
    dispatch_summary = "dispatch_summary"  # one dispatch round: who reported, who did not
    escalation_notice = "escalation_notice"  # 督办通知 / 约谈通知 for one escalation
    indicators = "indicators"  # 指标: a table and a chart (series against the target) per indicator
    petition_notice = "petition_notice"  # 边督边改: the day's batch and the running totals of petition cases
    petition_table = "petition_table"  # 信访举报件办理情况一览表 of one batch
    closure_notice = "closure_notice"  # 销号公示 of one closure, with the completion table
    closure_form = "closure_form"  # 销号审批表 of one closure: each level's opinion and date


class ReportFormat(StrEnum):
    md = "md"
    xlsx = "xlsx"
    docx = "docx"
    pdf = "pdf"
    #: GB/T 33190 版式文档, experimental: letters only
    ofd = "ofd"


REPORT_MEDIA_TYPES: dict[ReportFormat, str] = {
    ReportFormat.md: "text/markdown; charset=utf-8",
    ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.pdf: "application/pdf",
    ReportFormat.ofd: "application/ofd",
}


_F = ReportFormat
#: the formats each kind is published in (the API refuses others; the report-worker renders these)
REPORT_FORMATS: dict[ReportKind, frozenset[ReportFormat]] = {
    ReportKind.ledger: frozenset({_F.md, _F.xlsx, _F.docx, _F.pdf}),
    ReportKind.issue_progress: frozenset({_F.md, _F.docx, _F.pdf}),
    ReportKind.progress_report: frozenset({_F.md, _F.docx, _F.pdf}),
    ReportKind.dispatch_summary: frozenset({_F.md, _F.docx, _F.pdf, _F.xlsx}),
    ReportKind.escalation_notice: frozenset({_F.md, _F.docx, _F.pdf, _F.ofd}),
    ReportKind.indicators: frozenset({_F.md, _F.xlsx, _F.docx, _F.pdf}),
    ReportKind.petition_notice: frozenset({_F.md, _F.docx, _F.pdf, _F.ofd}),
    ReportKind.petition_table: frozenset({_F.md, _F.xlsx, _F.docx, _F.pdf}),
    ReportKind.closure_notice: frozenset({_F.md, _F.docx, _F.pdf, _F.ofd}),
    ReportKind.closure_form: frozenset({_F.md, _F.docx, _F.pdf, _F.ofd}),
}


class ReportState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class ClosureState(StrEnum):
    """验收 → 公示 → 销号 (see closure_workflow for the transitions)."""

    applied = "applied"  # the unit applied; the lead unit reviews
    under_review = "under_review"  # re-applied after a rejection or an upheld objection; the lead unit reviews
    accepting = "accepting"  # the lead unit agreed; acceptance levels accept in turn
    accepted = "accepted"  # every level accepted (the issue is completed / completed_long_term)
    in_publicity = "in_publicity"  # 公示: objections may be filed
    written_off = "written_off"  # 已销号 (the issue is closed)
    rejected = "rejected"  # sent back to the unit with a reason
    reopened = "reopened"  # an objection was upheld (the issue is in_progress again)


CLOSURE_STATE_TEXT: dict[ClosureState, str] = {
    ClosureState.applied: "已申请",
    ClosureState.under_review: "审核中",
    ClosureState.accepting: "验收中",
    ClosureState.accepted: "已验收",
    ClosureState.in_publicity: "公示中",
    ClosureState.written_off: "已销号",
    ClosureState.rejected: "已退回",
    ClosureState.reopened: "已重新打开",
}


class PetitionChannel(StrEnum):
    """How a citizen's complaint reached the inspection team (举报方式)."""

    phone = "phone"  # 来电
    letter = "letter"  # 来信
    online = "online"  # 网络


PETITION_CHANNEL_TEXT: dict[PetitionChannel, str] = {
    PetitionChannel.phone: "来电",
    PetitionChannel.letter: "来信",
    PetitionChannel.online: "网络",
}


class PollutionType(StrEnum):
    """The pollution types the deployment started with. The list is data now (`rectify_shared.pollution`,
    the `pollution_type` table): cases may carry codes beyond these, so never parse a stored code with
    this enum."""

    air = "air"
    water = "water"
    soil = "soil"
    noise = "noise"
    ecology = "ecology"
    solid_waste = "solid_waste"
    radiation = "radiation"
    other = "other"


POLLUTION_TYPE_TEXT: dict[PollutionType, str] = {
    PollutionType.air: "大气",
    PollutionType.water: "水",
    PollutionType.soil: "土壤",
    PollutionType.noise: "噪声",
    PollutionType.ecology: "生态",
    PollutionType.solid_waste: "固废",
    PollutionType.radiation: "辐射",
    PollutionType.other: "其他",
}


class PetitionVerdict(StrEnum):
    """是否属实: the investigation's finding on the complaint."""

    substantiated = "substantiated"
    partly_substantiated = "partly_substantiated"
    largely_substantiated = "largely_substantiated"
    unsubstantiated = "unsubstantiated"


PETITION_VERDICT_TEXT: dict[PetitionVerdict, str] = {
    PetitionVerdict.substantiated: "属实",
    PetitionVerdict.partly_substantiated: "部分属实",
    PetitionVerdict.largely_substantiated: "基本属实",
    PetitionVerdict.unsubstantiated: "不属实",
}


class PetitionState(StrEnum):
    in_progress = "in_progress"
    closed_in_stage = "closed_in_stage"
    closed = "closed"


PETITION_STATE_TEXT: dict[PetitionState, str] = {
    PetitionState.in_progress: "正在办理",
    PetitionState.closed_in_stage: "阶段性办结",
    PetitionState.closed: "已办结",
}


class MoneyUnit(StrEnum):
    """How a report states sums of money: in 元 or in 万元 (the office chooses)."""

    yuan = "yuan"
    wan_yuan = "wan_yuan"


class PetitionDayKind(StrEnum):
    """How a petition time limit counts: calendar days or working days (on the work calendar)."""

    calendar = "calendar"
    working = "working"
