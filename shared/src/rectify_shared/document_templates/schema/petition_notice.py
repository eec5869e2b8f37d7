"""边督边改信访举报件办理情况 (petition_notice): the day's batch and the running totals."""

from datetime import date
from typing import Any

from .common import Variable, petition_figures

VARIABLES = [
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
    *petition_figures("batch", "本批", 5, 3, 1, 1),
    Variable(
        "published_late",
        "list[{batch_no, cases}]",
        "今日公开的往批次信访件（按批次：批次号、件数；默认模板不写）",
        [{"batch_no": 15, "cases": 2}],
    ),
    Variable("cumulative.batch_range", "str", "累计批次范围（第1-17批）", "第1-17批"),
    Variable("cumulative.batches", "int", "累计批次数", 17),
    *petition_figures("cumulative", "累计", 91, 80, 8, 3),
]

KIND = "petition_notice"
BLOCKS = frozenset({"masthead", "rule", "mark", "addressee", "signature", "date", "label", "subtitle"})
DOCX = True
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = []
