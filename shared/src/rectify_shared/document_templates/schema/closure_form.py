"""销号审批表 (closure_form): one row per item of the write-off's approval."""

from datetime import date
from typing import Any

from .common import Variable, opinion

VARIABLES = [
    Variable("title", "str", "审批表标题", "第二轮中央生态环境保护督察整改任务销号审批表"),
    Variable("round_name", "str", "督察轮次名称", "第二轮中央生态环境保护督察"),
    Variable("inspection", "str", "督察名称（不重复“督察”）", "第二轮中央生态环境保护督察"),
    Variable("office", "str", "轮次整改办（销号单位）", "锡林郭勒盟生态环境保护督察整改工作领导小组办公室"),
    Variable("state", "str", "销号申请当前状态代码", "accepting"),
    Variable("state_text", "str", "当前环节", "逐级验收"),
    Variable("issue.seq", "int", "整改任务序号（可用 cn 过滤器写作“序号十”）", 10),
    Variable("issue.description", "str", "整改任务（反馈问题）", "部分草原存在超载过牧问题。"),
    Variable("issue.goal", "str", "整改目标（可为空）", "草畜平衡。"),
    Variable("issue.label", "str", "整改任务（默认写法）", "第10项：部分草原存在超载过牧问题。"),
    Variable("lead_org", "str", "牵头单位", "锡林郭勒盟林业和草原局"),
    Variable("units", "list[str]", "其他责任单位（不含牵头单位）", ["锡林浩特市人民政府"]),
    Variable("units_text", "str", "责任单位（默认写法：每行一个；无其他单位时为牵头单位）", "锡林浩特市人民政府"),
    Variable("completion", "str", "完成情况（完成说明与最新进展）", "已完成草畜平衡核查。"),
    Variable("applicant_org", "str", "申请单位", "锡林浩特市人民政府"),
    Variable("applied_on", "date", "申请日期", date(2025, 9, 10)),
    *opinion(
        "review", "审核", "牵头单位审核意见（锡林郭勒盟林业和草原局）", "同意\n张某　2025年9月12日", date(2025, 9, 12)
    ),
    Variable(
        "levels",
        "list[{n, org, label, actor, comment, on, text}]",
        "逐级验收意见（第n级：单位、栏目名、签署人、意见、日期、默认写法）",
        [
            {
                "n": 1,
                "org": "锡林郭勒盟生态环境局",
                "label": "第1级验收意见（锡林郭勒盟生态环境局）",
                "actor": "李某",
                "comment": "",
                "on": date(2025, 9, 20),
                "text": "验收通过\n李某　2025年9月20日",
            }
        ],
    ),
    Variable("publicity.start", "date|null", "公示开始日（未公示为空）", date(2025, 9, 26)),
    Variable("publicity.end", "date|null", "公示结束日（未公示为空）", date(2025, 10, 15)),
    Variable("publicity.period", "str", "公示期（默认写法；未公示为空）", "公示期为2025年9月26日至2025年10月15日"),
    Variable("publicity.days_text", "str", "公示天数（默认写法）", "（10个工作日）"),
    Variable("publicity.medium", "str", "公示媒介（可为空）", "锡林郭勒盟生态环境局网站"),
    Variable("publicity.objections", "int", "收到异议件数", 0),
    Variable("publicity.objections_upheld", "int", "经核实成立的异议件数", 0),
    Variable(
        "publicity.text",
        "str",
        "公示情况（默认写法）",
        "公示期为2025年9月26日至2025年10月15日（10个工作日）\n收到异议0件，其中经核实成立0件",
    ),
    *opinion("write_off", "销号", "销号意见（锡林郭勒盟生态环境保护督察整改工作领导小组办公室）", "（待销号）", None),
    Variable(
        "rows",
        "list[{label, text}]",
        "审批表各行（默认的栏目名和内容，按顺序）",
        [{"label": "整改任务", "text": "第10项：部分草原存在超载过牧问题。"}],
    ),
    Variable("as_of", "date", "数据日期", date(2025, 10, 16)),
]

KIND = "closure_form"
BLOCKS = frozenset({"masthead", "rule", "mark", "signature", "date", "label", "subtitle"})
DOCX = True
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = []
