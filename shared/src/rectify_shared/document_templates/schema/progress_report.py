"""整改落实情况报告 (progress_report): the computed opening, the office's narrative (::sections) and
the ledger attachment (::attachment [numbering])."""

from datetime import date
from typing import Any

from .common import Variable

VARIABLES = [
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


KIND = "progress_report"
BLOCKS = frozenset({"mark", "signature", "date", "label", "sections", "attachment"})
DOCX = True
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = []
