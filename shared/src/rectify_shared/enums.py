"""Enumerations of the domain; the string values are the published API values."""

from enum import StrEnum


class OrgKind(StrEnum):
    region = "region"
    league = "league"
    county = "county"
    department = "department"
    enterprise = "enterprise"


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


MEASURE_STATUS_TEXT: dict[MeasureStatus, str] = {
    MeasureStatus.not_started: "未启动",
    MeasureStatus.in_progress: "正在推进",
    MeasureStatus.completed: "已完成",
}


class DeadlineChangeKind(StrEnum):
    """Why a deadline moved. Extensions and calendar recomputation reuse this model."""

    correction = "correction"
    extension = "extension"
    calendar_recompute = "calendar_recompute"


class ReportKind(StrEnum):
    ledger = "ledger"


class ReportFormat(StrEnum):
    md = "md"
    xlsx = "xlsx"


REPORT_MEDIA_TYPES: dict[ReportFormat, str] = {
    ReportFormat.md: "text/markdown; charset=utf-8",
    ReportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class ReportState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"
