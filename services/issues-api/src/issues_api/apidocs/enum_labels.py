"""Chinese labels of the API's enum values, for `x-enum-descriptions` (the `enum` stays, so
generated clients keep their enums; the labels are for people and UI pickers)."""

from rectify_shared.enums import (
    CLOSURE_STATE_TEXT,
    ISSUE_STATUS_TEXT,
    MEASURE_STATUS_TEXT,
    PETITION_CHANNEL_TEXT,
    PETITION_STATE_TEXT,
    PETITION_VERDICT_TEXT,
    POLLUTION_TYPE_TEXT,
)
from rectify_shared.escalation_policy import LEVEL_TEXT

#: labels by enum (component schema name): where one value means different things in two enums
BY_SCHEMA: dict[str, dict[str, str]] = {
    "IssueStatus": {str(k): v for k, v in ISSUE_STATUS_TEXT.items()},
    "MeasureStatus": {str(k): v for k, v in MEASURE_STATUS_TEXT.items()},
    "ClosureState": {str(k): v for k, v in CLOSURE_STATE_TEXT.items()},
    "PetitionState": {str(k): v for k, v in PETITION_STATE_TEXT.items()},
}

#: labels by value, for every other enum (inline `Literal`s included)
BY_VALUE: dict[str, str] = {
    **{str(k): v for k, v in PETITION_CHANNEL_TEXT.items()},
    **{str(k): v for k, v in POLLUTION_TYPE_TEXT.items()},
    **{str(k): v for k, v in PETITION_VERDICT_TEXT.items()},
    **{str(k): v for k, v in LEVEL_TEXT.items()},
    **{str(k): v for k, v in CLOSURE_STATE_TEXT.items()},
    **{str(k): v for k, v in ISSUE_STATUS_TEXT.items()},
    # orgs
    "region": "自治区/省",
    "league": "盟市",
    "county": "旗县市区",
    "department": "部门",
    "enterprise": "企业",
    # roles
    "office_admin": "整改办管理员",
    "unit_operator": "责任单位经办人",
    "leader": "领导（只读）",
    "integration": "系统对接（接口密钥）",
    # jobs and reports
    "queued": "排队中",
    "running": "生成中",
    "done": "已完成",
    "failed": "失败",
    "ledger": "整改台账",
    "issue_progress": "具体问题整改进展情况",
    "progress_report": "整改进展",
    "dispatch_summary": "调度情况汇总",
    "escalation_notice": "督办/约谈通知",
    "indicators": "指标情况",
    "petition_notice": "边督边改情况通报",
    "petition_table": "信访举报件办理情况一览表",
    "md": "Markdown",
    "xlsx": "Excel 表格",
    "docx": "Word 文档",
    "pdf": "PDF",
    "ofd": "OFD 版式文档（试行）",
    # calendar, dispatch, cycles
    "weekly": "每周",
    "monthly": "每月",
    "quarterly": "每季度",
    "yearly": "每年",
    "workday": "工作日",
    "weekend": "周末",
    "holiday": "节假日",
    "makeup_workday": "调休上班",
    "working": "工作日",
    "calendar": "自然日",
    "date": "指定日期",
    "working_days_after": "若干工作日后",
    # escalations, extensions, objections
    "proposed": "拟制",
    "issued": "已签发",
    "responded": "已回复",
    "resolved": "已解决",
    "withdrawn": "已撤回",
    "pending": "待审批",
    "approved": "已批准",
    "rejected": "已驳回",
    "upheld": "异议成立",
    "dismissed": "异议不成立",
    # notifications
    "email": "电子邮件",
    "sms": "短信",
    "webhook": "Webhook",
    "inbox": "站内消息",
    "immediate": "即时",
    "digest": "每日汇总",
    "off": "关闭",
    "delivered": "已送达",
    "undelivered": "未送达",
    "sent": "已发送",
    "dead": "投递失败（已放弃）",
    "aliyun": "阿里云",
    "tencent": "腾讯云",
    "generic": "通用",
    "SUCCESS": "成功",
    "FAIL": "失败",
    # relapses, deadlines, money
    "petition_case": "信访举报件",
    "inspection": "检查发现",
    "other": "其他",
    "correction": "更正",
    "extension": "延期",
    "calendar_recompute": "按日历重算",
    "yuan": "元",
    "wan_yuan": "万元",
    # sorts
    "seq": "按序号",
    "-seq": "按序号倒序",
    "deadline": "按完成时限",
    "-deadline": "按完成时限倒序",
    "updated_at": "按更新时间",
    "-updated_at": "按更新时间倒序",
    "created_at": "按创建时间",
    "-created_at": "按创建时间倒序",
    # schedule
    "on_schedule": "达到序时进度",
    "behind": "滞后",
    # closure policies, indicators, copies, health
    "certification": "认定办结",
    "writeoff": "销号",
    "higher": "越高越好",
    "lower": "越低越好",
    "cumulative": "累计值",
    "level": "水平值",
    "ratio": "比率",
    "count_by_stage": "分阶段计数",
    "qualitative": "定性目标（达标认定）",
    "responsible_org": "责任单位",
    "parent_org": "上级单位",
    "responsible_leader": "责任领导",
    "ready": "就绪",
    "not_ready": "未就绪",
    "ok": "正常",
    "unavailable": "不可用",
    "unknown": "未知",
}


def labels(schema_name: str | None, values: list[object]) -> list[str]:
    """A label for each value (the value itself where none is known)."""
    own = BY_SCHEMA.get(schema_name or "", {})
    return [own.get(str(v)) or BY_VALUE.get(str(v)) or str(v) for v in values]
