"""具体问题整改进展情况 (issue_progress): the ledger as the report's attachment — each 方面 a heading,
each task its text, its status line and its measures, one paragraph a line. The `ledger` kind's
Markdown is this text too (its Word and PDF are the `ledger` kind's table).

::dateline — a line the Markdown (and so the PDF) prints and the Word file keeps in its
properties instead (数据截至…)."""

from datetime import date
from typing import Any

from .common import Variable, group, header

_MEASURES = [
    {
        "seq": 1,
        "label": "（一）",
        "text": "盟委将草原生态保护纳入领导干部考核。",
        "lines": ["盟委将草原生态保护纳入领导干部考核。"],
        "responsible_org": "锡林郭勒盟林业和草原局",
        "deadline": date(2025, 6, 30),
        "status": "completed",
        "status_text": "已完成",
        "latest_progress": "已印发考核办法。",
    }
]
_ISSUE = {
    "seq": 3,
    "number": "3",
    "display_no": "",
    "prefix": "3.",
    "description": "部分草原存在超载过牧问题。",
    "lines": ["部分草原存在超载过牧问题。"],
    "status": "in_progress",
    "status_text": "正在推进",
    "lead_org": "锡林郭勒盟林业和草原局",
    "units": ["锡林郭勒盟林业和草原局", "锡林浩特市人民政府"],
    "deadline": date(2025, 12, 31),
    "latest_progress": "已完成草畜平衡核查。",
    "measures": _MEASURES,
}
#: the fields of one task and of its measures (`aspects[].issues[]`), shared with the ledger's rows
ISSUE_FIELDS = (
    "aspects[].issues[]：seq 序号（整数）、number 台账编号或序号、display_no 单位自己的编号、prefix 默认编号"
    "（“3.”）、description 反馈问题、lines 反馈问题按行、status/status_text 整改状态代码与表述、lead_org 牵头单位、"
    "units 责任单位、deadline 完成时限、latest_progress 最新进展、measures 整改措施"
    "（seq、label 按轮次编号样式的编号、text、lines、responsible_org、deadline、status、status_text、latest_progress）"
)

VARIABLES = [
    *header(
        "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况",
        "round_name",
        "inspection",
        "org_name",
    ),
    Variable("as_of", "date", "数据截至日", date(2024, 12, 15)),
    *group(
        "",
        [
            ("aspect_numbering", "str", "方面的编号样式（轮次设置，默认“一、”）", "一、"),
            ("measure_numbering", "str", "整改措施的编号样式（轮次设置，默认“（一）”）", "（一）"),
            ("aspect_count", "int", "方面数", 1),
            ("issue_count", "int", "整改任务数", 1),
            (
                "aspects",
                "list[{number, name, issues}]",
                "各方面：编号（按轮次样式）、名称、整改任务；" + ISSUE_FIELDS,
                [{"number": "一、", "name": "贯彻落实习近平生态文明思想还不到位方面", "issues": [_ISSUE]}],
            ),
        ],
    ),
]
KIND = "issue_progress"
BLOCKS = frozenset({"mark", "dateline"})
DOCX = True
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = [{"aspects": [], "aspect_count": 0, "issue_count": 0}]  # nothing in scope
