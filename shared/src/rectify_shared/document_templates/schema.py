"""The data model of each document kind: the variables its template may use, with a Chinese
description and an example (served at `GET /api/v1/document-templates/{kind}/schema`; the examples
are also the data of the preview render that checks an uploaded template).

The report-worker builds the same variables from the database (`report_worker.templating`); a test
holds the two to the same names.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
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


def _opinion_vars(prefix: str, what: str, label: str, text: str, on: date | None) -> list[Variable]:
    return [
        Variable(f"{prefix}.org", "str", f"{what}单位", "锡林郭勒盟生态环境局"),
        Variable(f"{prefix}.label", "str", f"{what}栏目名（默认写法）", label),
        Variable(f"{prefix}.actor", "str", f"{what}签署人（待办时为空）", "张某"),
        Variable(f"{prefix}.comment", "str", f"{what}意见原文（可为空）", "同意"),
        Variable(f"{prefix}.on", "date|null", f"{what}日期（待办时为空）", on),
        Variable(f"{prefix}.text", "str", f"{what}（默认写法：意见、签署人和日期，或“（待…）”）", text),
    ]


CLOSURE_FORM = [
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
    *_opinion_vars(
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
    *_opinion_vars(
        "write_off", "销号", "销号意见（锡林郭勒盟生态环境保护督察整改工作领导小组办公室）", "（待销号）", None
    ),
    Variable(
        "rows",
        "list[{label, text}]",
        "审批表各行（默认的栏目名和内容，按顺序）",
        [{"label": "整改任务", "text": "第10项：部分草原存在超载过牧问题。"}],
    ),
    Variable("as_of", "date", "数据日期", date(2025, 10, 16)),
]

_CHINA = timezone(timedelta(hours=8))
_MEASURE = "盟住建局督促旗县加快餐厨垃圾处理设施建设。"
ESCALATION_NOTICE = [
    Variable("title", "str", "函件标题（默认写法）", "关于第二轮中央生态环境保护督察反馈第9项问题整改的约谈通知"),
    Variable("document_name", "str", "文种：预警函、通报、督办通知或约谈通知", "约谈通知"),
    Variable(
        "level", "str", "层级代码：warning（预警）、notice（通报）、supervision（督办）、summons（约谈）", "summons"
    ),
    Variable("level_text", "str", "层级：预警、通报、督办、约谈", "约谈"),
    Variable("state", "str", "状态代码：proposed（待签发）、issued、responded、resolved、withdrawn 等", "issued"),
    Variable("issued", "bool", "是否已签发", True),
    Variable("state_mark", "str", "未签发或已撤回时的标注（“（未签发）”“（已撤回）”；已签发为空）", ""),
    Variable("doc_no", "str", "文号（可为空）", "锡整改办约〔2025〕1号"),
    Variable("round_name", "str", "督察轮次名称", "第二轮中央生态环境保护督察"),
    Variable("inspection", "str", "督察名称（不重复“督察”）", "第二轮中央生态环境保护督察"),
    Variable("office", "str", "发函单位（轮次整改办，默认落款）", "锡林郭勒盟督察整改办"),
    Variable("addressee", "str", "主送单位", "盟住房和城乡建设局"),
    Variable(
        "reference", "str", "签发时填写的依据（去掉句末句号；可为空）", "《锡林郭勒盟生态环境保护督察整改工作督办办法》"
    ),
    Variable(
        "opening",
        "str",
        "开头段（默认写法，含依据）",
        "根据《锡林郭勒盟生态环境保护督察整改工作督办办法》和锡林郭勒盟督察整改办督察整改工作安排，"
        "现将约谈你单位有关负责同志的事项通知如下。",
    ),
    Variable("task", "str", "事项（默认写法，用于标题）", "第二轮中央生态环境保护督察反馈第9项问题整改"),
    Variable("issue", "object|null", "所涉整改任务（非问题类事项为空）", None),
    Variable("issue.seq", "int", "问题序号（可用 cn 过滤器写作“第九项”）", 9),
    Variable("issue.description", "str", "问题描述", "城镇现有生活垃圾处理设施与垃圾分类需求不匹配。"),
    Variable("measure", "object|null", "所涉整改措施（可为空）", None),
    Variable("measure.seq", "int|null", "措施序号", 2),
    Variable("measure.label", "str", "措施编号（默认写法“（二）”）", "（二）"),
    Variable("measure.text", "str", "措施内容", "11个旗县中有8个已建成餐厨垃圾处理设施。"),
    Variable(
        "measures",
        "list[{seq, label, text}]",
        "合并到本函的该单位整改措施（序号、编号、内容）",
        [{"seq": 3, "label": "（三）", "text": _MEASURE}],
    ),
    Variable("dispatch", "object|null", "未报送调度的事项（否则为空）", None),
    Variable("dispatch.period", "str", "调度期代码", "2024-W50"),
    Variable("dispatch.period_text", "str", "调度期（2024年第50周、2024年12月）", "2024年第50周"),
    Variable("petition", "object|null", "逾期的信访举报件（否则为空）", None),
    Variable("petition.intake_no", "str", "受理编号", "X1524000020240615001"),
    Variable("petition.content", "str", "举报内容", "某企业夜间偷排废水。"),
    Variable(
        "reason", "str", "存在情况（去掉句末句号）", "整改时限已过5个工作日，仍有3个旗县餐厨垃圾处理设施未建成投运"
    ),
    Variable(
        "requirement",
        "str",
        "该层级的默认要求句",
        "经研究，决定对你单位有关负责同志进行约谈。请按要求做好约谈准备，如实汇报整改进展和存在问题。",
    ),
    Variable(
        "requirements",
        "list[str]",
        "督办（或约谈）的工作要求，每项一条（去掉句末句号）",
        ["每周五向盟督察整改办报送建设进度"],
    ),
    Variable("response_due", "date|null", "书面报送期限", date(2024, 12, 31)),
    Variable("reply", "str", "报送要求句（默认写法）", "请于2024年12月31日前将整改情况书面报送锡林郭勒盟督察整改办。"),
    Variable("summons", "object|null", "约谈安排（约谈通知才有；否则为空）", None),
    Variable("summons.time", "datetime", "约谈时间（北京时间）", datetime(2025, 1, 8, 14, 30, tzinfo=_CHINA)),
    Variable("summons.time_text", "str", "约谈时间（默认写法）", "2025年1月8日（星期三）下午2时30分"),
    Variable("summons.place", "str", "约谈地点", "盟行署3楼第一会议室"),
    Variable("summons.interviewers", "list[str]", "约谈人", ["王某（盟行署副盟长）"]),
    Variable("summons.interviewees", "list[str]", "被约谈人", ["李某（盟住建局局长）", "赵某（盟住建局副局长）"]),
    Variable(
        "summons.agenda",
        "list[str]",
        "约谈议程，每项一条（去掉句末句号）",
        ["被约谈单位汇报整改进展", "约谈人提出整改要求"],
    ),
    Variable("issued_on", "date|null", "签发日期（未签发为空）", date(2024, 12, 16)),
    Variable("date_line", "str", "落款日期（默认写法；未签发为“年　月　日”）", "2024年12月16日"),
    Variable("as_of", "date", "数据日期", date(2024, 12, 16)),
    Variable("cc", "str", "抄送（责任领导：姓名、职务、电话；可为空）", "孙某（盟行署副盟长，13904790004）"),
]
DISPATCH_SUMMARY = [
    Variable("title", "str", "标题（默认写法）", "第二轮中央生态环境保护督察整改工作2024年第50周调度情况"),
    Variable("round_name", "str", "督察轮次名称", "第二轮中央生态环境保护督察"),
    Variable("inspection", "str", "督察名称（不重复“督察”）", "第二轮中央生态环境保护督察"),
    Variable("office", "str", "轮次所属单位（默认写在标题下）", "锡林郭勒盟"),
    Variable("period", "str", "调度期代码", "2024-W50"),
    Variable("period_text", "str", "调度期（2024年第50周、2024年12月）", "2024年第50周"),
    Variable("cutoff", "datetime", "调度截止时间（北京时间）", datetime(2024, 12, 13, 17, 0, tzinfo=_CHINA)),
    Variable("cutoff_text", "str", "调度截止时间（默认写法）", "2024年12月13日17:00"),
    Variable("as_of", "date", "数据截至日", date(2024, 12, 16)),
    Variable("figures.owed", "int", "应报送单位数", 12),
    Variable("figures.reported", "int", "已报送单位数（含逾期）", 10),
    Variable("figures.on_time", "int", "按时报送单位数", 9),
    Variable("figures.late", "int", "逾期报送单位数", 1),
    Variable("figures.missing", "int", "未报送单位数", 2),
    Variable(
        "counts_text", "str", "报送情况句（默认写法）", "本期应报送单位12家，已报送10家（其中逾期报送1家），未报送2家。"
    ),
    Variable(
        "units",
        "list[{org_name, status, status_text, reported_at, reported_at_text}]",
        "各单位报送情况（单位、状态代码 on_time/late/missing、报送情况、报送时间、报送时间默认写法）",
        [
            {
                "org_name": "东乌珠穆沁旗",
                "status": "late",
                "status_text": "逾期报送",
                "reported_at": datetime(2024, 12, 13, 18, 5, tzinfo=_CHINA),
                "reported_at_text": "2024-12-13 18:05",
            }
        ],
    ),
    Variable("missing", "list[str]", "未报送单位", ["阿巴嘎旗", "苏尼特左旗"]),
    Variable(
        "escalations",
        "list[{level, level_text, doc_no, addressee, reason, issued_on, issued_on_text, state, state_text}]",
        "本期调度发出的预警、通报、督办、约谈（层级、文号、对象单位、事由、签发日期、状态）",
        [
            {
                "level": "warning",
                "level_text": "预警",
                "doc_no": "锡整改办预〔2024〕5号",
                "addressee": "阿巴嘎旗",
                "reason": "2024年第50周调度未报送",
                "issued_on": date(2024, 12, 16),
                "issued_on_text": "2024年12月16日",
                "state": "issued",
                "state_text": "已签发",
            }
        ],
    ),
]

#: for each kind, the variants of its example data a template must also render (the preview
#: checks them all): a letter without a meeting, a measure or a task, as a 督办 prints it
EXAMPLE_VARIANTS: dict[str, list[dict[str, Any]]] = {
    "escalation_notice": [
        {
            "level": "supervision",
            "level_text": "督办",
            "document_name": "督办通知",
            "summons": None,
            "measure": None,
            "issue": None,
            "petition": None,
            "state": "proposed",
            "issued": False,
            "state_mark": "（未签发）",
            "doc_no": "",
            "reference": "",
            "cc": "",
            "issued_on": None,
            "response_due": None,
        }
    ],
    # a round where every unit reported and nothing was issued
    "dispatch_summary": [{"units": [], "missing": [], "escalations": []}],
}

SCHEMAS: dict[str, list[Variable]] = {
    "closure_notice": CLOSURE_NOTICE,
    "petition_notice": PETITION_NOTICE,
    "progress_report": PROGRESS_REPORT,
    "escalation_notice": ESCALATION_NOTICE,
    "closure_form": CLOSURE_FORM,
    "dispatch_summary": DISPATCH_SUMMARY,
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
    # ::copy — the 抄送 lines after the date (they keep with the closing)
    "escalation_notice": frozenset({"masthead", "doc_no", "rule", "mark", "addressee", "signature", "date", "copy"}),
    "closure_form": frozenset({"masthead", "rule", "mark", "signature", "date", "label", "subtitle"}),
    "dispatch_summary": frozenset({"masthead", "rule", "mark", "signature", "date"}),
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


def example_contexts(kind: str) -> list[dict[str, Any]]:
    """The example data, and its variants (`EXAMPLE_VARIANTS`): what a preview render checks."""
    base = example_context(kind)
    return [base, *({**base, **changes} for changes in EXAMPLE_VARIANTS.get(kind, []))]
