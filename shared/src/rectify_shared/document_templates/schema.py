"""The data model of each document kind: the variables its template may use, with a Chinese
description and an example (served at `GET /api/v1/document-templates/{kind}/schema`; the examples
are also the data of the preview render that checks an uploaded template).

The report-worker builds the same variables from the database (`report_worker.templating`); a test
holds the two to the same names.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from .filters import NUMBERING_STYLES


@dataclass(frozen=True)
class Variable:
    name: str  # dotted: issue.seq is {{ issue.seq }}
    type: str
    description: str
    example: Any


_ACC = (
    ("ordered_rectification", "责令整改（家）", 3),
    ("penalty_cases", "立案处罚（家）", 2),
    ("fine_yuan", "罚款（元）", 183000),
    ("criminal_investigations", "立案侦查（件）", 0),
    ("administrative_detentions", "行政拘留（人）", 0),
    ("criminal_detentions", "刑事拘留（人）", 0),
    ("interviews", "约谈（人）", 1),
    ("accountable_persons", "问责（人）", 0),
)


def _figures(prefix: str, what: str, total: int, closed: int, stage: int, going: int) -> list[Variable]:
    out = [
        Variable(f"{prefix}.total", "int", f"{what}信访举报件数", total),
        Variable(f"{prefix}.closed", "int", f"{what}已办结件数", closed),
        Variable(f"{prefix}.closed_in_stage", "int", f"{what}阶段性办结件数", stage),
        Variable(f"{prefix}.in_progress", "int", f"{what}正在办理（未办结）件数", going),
        Variable(f"{prefix}.fine", "str", f"{what}罚款金额（按所选单位，含“元”或“万元”）", "18.3万元"),
    ]
    out += [Variable(f"{prefix}.{key}", "int", f"{what}{label}", n) for key, label, n in _ACC]
    return out


CLOSURE_NOTICE = [
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

PETITION_NOTICE = [
    Variable("title", "str", "通报标题（默认）", "锡林郭勒盟第二轮中央生态环境保护督察边督边改信访举报件办理情况"),
    Variable("round_name", "str", "督察轮次名称", "第二轮中央生态环境保护督察"),
    Variable("inspection", "str", "督察名称", "第二轮中央生态环境保护督察"),
    Variable("team", "str", "交办的督察组（中央督察组）", "中央督察组"),
    Variable("office", "str", "轮次整改办（默认落款）", "锡林郭勒盟生态环境保护督察整改工作领导小组办公室"),
    Variable("org_name", "str", "本报告的地区", "锡林郭勒盟"),
    Variable("area", "str", "地区的全称说法（全盟、全市、全旗…）", "全盟"),
    Variable("as_of", "date", "通报日期", date(2025, 12, 29)),
    Variable("month_day", "str", "通报日期（月日）", "12月29日"),
    Variable("batch", "object|null", "本批（无交办批次时为空）", None),
    Variable("batch.no", "int", "批次号（可用 cn 过滤器写作“第十七批”）", 17),
    Variable("batch.transferred_on", "date", "交办日期", date(2025, 12, 28)),
    *_figures("batch", "本批", 5, 3, 1, 1),
    Variable(
        "published_late",
        "list[{batch_no, cases}]",
        "今日公开的往批次信访件（按批次：批次号、件数；默认模板不写）",
        [{"batch_no": 15, "cases": 2}],
    ),
    Variable("cumulative.batch_range", "str", "累计批次范围（第1-17批）", "第1-17批"),
    Variable("cumulative.batches", "int", "累计批次数", 17),
    *_figures("cumulative", "累计", 91, 80, 8, 3),
]

PROGRESS_REPORT = [
    Variable("title", "str", "报告标题（默认）", "锡林郭勒盟第二轮中央生态环境保护督察整改落实情况报告"),
    Variable("org_name", "str", "报告单位", "锡林郭勒盟"),
    Variable("round_name", "str", "督察轮次名称", "第二轮中央生态环境保护督察"),
    Variable("inspection", "str", "督察名称", "第二轮中央生态环境保护督察"),
    Variable("inspection_team", "str", "督察组", "中央第三生态环境保护督察组"),
    Variable("target_region", "str", "被督察地区", "内蒙古自治区"),
    Variable("as_of", "date", "数据截至日", date(2024, 12, 15)),
    Variable("stay_period", "str", "督察进驻期间", "2022年3月25日至4月25日"),
    Variable("feedback_date", "date|null", "反馈督察意见日期", date(2022, 7, 8)),
    Variable(
        "background",
        "str",
        "督察背景句（默认写法）",
        "2022年3月25日至4月25日，中央第三生态环境保护督察组对内蒙古自治区开展了……。",
    ),
    Variable(
        "progress", "str", "整改进展句（默认写法，含信访件）", "截至2024年12月15日，25项整改任务已完成整改20项……。"
    ),
    Variable("aspect_count", "int", "方面数（台账的一级标题数）", 4),
    Variable(
        "aspects",
        "list[{number, name, tasks}]",
        "各方面：按轮次编号样式的编号、名称、整改任务数",
        [{"number": "一、", "name": "贯彻落实习近平生态文明思想还不到位方面", "tasks": 6}],
    ),
    Variable(
        "status_words",
        "dict[str, str]",
        "整改状态的表述（轮次设置；未设置的为默认表述），键为 not_started、in_progress、completed、"
        "completed_long_term、closed",
        {
            "not_started": "未启动",
            "in_progress": "正在推进",
            "completed": "已完成整改",
            "completed_long_term": "已经完成，长期坚持",
            "closed": "已销号",
        },
    ),
    Variable(
        "aspect_numbering",
        "str",
        "方面的编号样式（轮次设置，默认“一、”）；可写 {{ 2 | number(aspect_numbering) }}",
        "一、",
    ),
    Variable("measure_numbering", "str", "附件中整改措施的编号样式（轮次设置，默认“（一）”）", "1."),
    Variable("figures.total", "int", "整改任务总数", 25),
    Variable("figures.completed", "int", "已完成整改（含长期坚持、已销号）", 20),
    Variable("figures.long_term", "int", "其中长期坚持", 2),
    Variable("figures.closed", "int", "其中已销号", 0),
    Variable("figures.in_progress", "int", "正在推进", 5),
    Variable("figures.on_schedule", "int", "达到序时进度", 4),
    Variable("figures.behind", "int", "滞后", 1),
    Variable("figures.not_started", "int", "尚未启动", 0),
    Variable("petitions.batches", "int", "转办信访举报件批次数（无则为0）", 29),
    Variable("petitions.total", "int", "信访举报件数", 91),
    Variable("petitions.closed", "int", "已办结", 91),
    Variable("petitions.closed_in_stage", "int", "阶段性办结", 0),
    Variable("petitions.in_progress", "int", "正在办理", 0),
    Variable("petitions.certified", "int", "经认定办结件数", 91),
    Variable("petitions.certifier", "str", "认定单位（默认写法）", "自治区相关厅局"),
]

SCHEMAS: dict[str, list[Variable]] = {
    "closure_notice": CLOSURE_NOTICE,
    "petition_notice": PETITION_NOTICE,
    "progress_report": PROGRESS_REPORT,
}

#: the `::kind` block names each kind's template may use (beyond #, ##, ###, tables and paragraphs)
BLOCK_KINDS: dict[str, frozenset[str]] = {
    "closure_notice": frozenset(
        {"masthead", "doc_no", "rule", "mark", "addressee", "signature", "date", "label", "subtitle"}
    ),
    "petition_notice": frozenset({"masthead", "rule", "mark", "addressee", "signature", "date", "label", "subtitle"}),
    # ::sections — the office's narrative; ::attachment [style] — the ledger, its measures numbered
    # （一） or in the style given (::attachment 1.)
    "progress_report": frozenset({"mark", "signature", "date", "label", "sections", "attachment"}),
}

FILTER_DOCS = [
    {"name": "cn", "description": "中文数字：{{ 17 | cn }} → 十七；序号{{ 10 | cn }} → 序号十"},
    {"name": "cn_date", "description": "中文日期：{{ as_of | cn_date }} → 2025年12月29日"},
    {"name": "count", "description": "为零时消失的计数：{{ 3 | count('责令整改', '家') }} → 责令整改3家；0 → 空"},
    {"name": "aspects", "description": "方面计数：{{ aspect_count | aspects(figures.total) }} → 4个方面25项"},
    {
        "name": "number",
        "description": "编号样式：{{ 3 | number('（一）') }} → （三）；样式 " + " ".join(NUMBERING_STYLES),
    },
    {"name": "join_nonempty", "description": "只连接非空项：{{ [a, b] | join_nonempty('、') }}"},
]


def example_context(kind: str) -> dict[str, Any]:
    """The variables of a kind filled with their examples (nested by the dotted names)."""
    context: dict[str, Any] = {}
    for v in SCHEMAS[kind]:
        node = context
        *parents, leaf = v.name.split(".")
        for p in parents:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        if isinstance(node.get(leaf), dict):
            continue
        node[leaf] = v.example
    return context
