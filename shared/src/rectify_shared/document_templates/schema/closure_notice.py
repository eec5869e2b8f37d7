"""销号公示 (closure_notice): the notice of a task's write-off and its attached completion table."""

from datetime import date
from typing import Any

from .common import Variable

VARIABLES = [
    Variable("title", "str", "公示标题", "关于第二轮中央生态环境保护督察整改任务销号的公示"),
    Variable("round_name", "str", "督察轮次名称", "第二轮中央生态环境保护督察"),
    Variable("inspection", "str", "督察名称（轮次名称，必要时补“督察”）", "第二轮中央生态环境保护督察"),
    Variable("office", "str", "轮次整改办（默认落款单位）", "锡林郭勒盟生态环境保护督察整改工作领导小组办公室"),
    Variable(
        "issuer",
        "str",
        "发布（落款）单位：公示时选定的单位，未选定时为轮次整改办",
        "锡林郭勒盟河湖管理中心",
    ),
    Variable("lead_org", "str", "牵头单位", "锡林郭勒盟林业和草原局"),
    Variable("units", "list[str]", "责任单位（牵头单位在前）", ["锡林郭勒盟林业和草原局", "锡林浩特市人民政府"]),
    Variable(
        "units_text",
        "str",
        "责任单位（默认写法：牵头单位标“（牵头）”，每行一个）",
        "锡林郭勒盟林业和草原局（牵头）\n锡林浩特市人民政府",
    ),
    Variable("acceptors", "list[str]", "逐级验收单位", ["锡林郭勒盟生态环境局"]),
    Variable("issue.seq", "int", "整改任务序号（整数，可用 cn 过滤器写作“序号十”）", 10),
    Variable(
        "issue.display_no", "str", "整改任务的台账编号（单位自己的写法，如“序号十”“十”“3-1”；未填为空）", "序号十"
    ),
    Variable("issue.number", "str", "整改任务编号（默认写法：第10项；有台账编号时为“序号十”或“第3-1项”）", "第10项"),
    Variable("issue.description", "str", "整改任务（反馈问题）", "部分草原存在超载过牧问题。"),
    Variable("issue.goal", "str", "整改目标（可为空）", "草畜平衡。"),
    Variable("issue.label", "str", "整改任务（默认写法）", "第10项：部分草原存在超载过牧问题。"),
    Variable(
        "measures",
        "list[str]",
        "整改措施（已编号，每项一条）",
        ["（一）开展草畜平衡核查。", "（二）落实禁牧休牧制度。"],
    ),
    Variable("completion", "str", "完成情况（完成说明与最新进展）", "已完成草畜平衡核查。"),
    Variable("publicity.start", "date", "公示开始日", date(2025, 12, 29)),
    Variable("publicity.end", "date", "公示结束日", date(2026, 1, 12)),
    Variable("publicity.days", "int", "公示天数", 10),
    Variable("publicity.day_kind", "str", "公示天数口径：working（工作日）或 calendar（自然日）", "working"),
    Variable("publicity.period", "str", "公示期（默认写法）", "公示期为2025年12月29日至2026年1月12日"),
    Variable("publicity.days_text", "str", "公示天数（按 days_shown 的写法；不写时为空）", "（10个工作日）"),
    Variable("publicity.medium", "str", "公示媒介（可为空）", "锡林郭勒盟生态环境局网站"),
    Variable("publicity.contact", "str", "联系方式（一段文字，可为空）", "0479-8888888"),
    Variable(
        "publicity.contacts",
        "list[{label, value}]",
        "联系方式（多行，各有名称；默认模板每行写作“名称：内容”）",
        [{"label": "联系电话", "value": "0479-8888888"}, {"label": "电子邮箱", "value": "dcb@xlgl.gov.cn"}],
    ),
    Variable(
        "publicity.legal_basis",
        "str",
        "法律依据（可为空；默认模板为空时写“根据<督察>整改工作安排”）",
        "根据《锡林郭勒盟生态环境保护督察整改工作实施办法》",
    ),
    Variable("publicity.closing", "str", "结束语（可为空，如“特此公示”；默认模板另加句号）", "特此公示"),
    Variable(
        "publicity.days_shown",
        "str",
        "公示天数的写法：working（N个工作日）、calendar（N日）、none（不写）；空为按计算口径",
        "",
    ),
    Variable("how_to_object", "str", "提出异议的默认说明", "公示期间，任何单位和个人对该整改任务销号有异议的，……"),
    Variable("attachment_title", "str", "附件名称（公示时填写的，未填为“整改任务完成情况表”）", "整改任务完成情况表"),
    Variable("ended", "bool", "公示是否已终止（异议成立或退回）", False),
    Variable("state", "str", "销号申请当前状态代码", "publicizing"),
    Variable("objections", "int", "收到异议件数", 0),
    Variable("as_of", "date", "数据日期", date(2025, 12, 29)),
]

KIND = "closure_notice"
BLOCKS = frozenset({"masthead", "doc_no", "rule", "mark", "addressee", "signature", "date", "label", "subtitle"})
DOCX = True
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = []
