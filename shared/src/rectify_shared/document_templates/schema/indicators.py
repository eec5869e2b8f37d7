"""指标完成情况 (indicators): per indicator its target, its sentence, its schedule, a chart and the
table of its series.

::chart N — the chart of the N-th indicator (`items[].n`; Word and PDF; the Markdown has none).
The workbook (xlsx) keeps its fixed sheets (a data export)."""

from datetime import date
from typing import Any

from .common import group, header

_ITEM = {
    "n": 1,
    "name": "露天矿山地质环境治理面积",
    "unit": "平方公里",
    "kind": "cumulative",
    "qualitative": False,
    "target": "到2025年100平方公里",
    "sentence": "143家露天矿山完成地质环境治理61.11平方公里",
    "schedule": "按基线至目标的序时进度，截至报告日应达到55平方公里，达到序时进度。",
    "facts": ["目标：到2025年100平方公里。", "143家露天矿山完成地质环境治理61.11平方公里。"],
    "illustrative": "",
    "reported": True,
    "rows": [
        {"n": 1, "period": "2024年", "value": "61.11平方公里", "total": "61.11平方公里", "source": "盟自然资源局"}
    ],
}
VARIABLES = [
    *header("锡林郭勒盟第二轮中央生态环境保护督察指标完成情况", "round_name", "inspection", "org_name"),
    *group(
        "",
        [
            ("as_of", "date", "数据截至日", date(2024, 12, 15)),
            ("count", "int", "指标数", 1),
            (
                "items",
                "list[{n, name, unit, kind, qualitative, target, sentence, schedule, facts, illustrative, "
                "reported, rows}]",
                "各指标：序号、名称、单位、类型、是否定性指标、目标（无值时也有）、表述句、序时进度句、默认各段"
                "（facts）、示例数据说明、是否已填报、各期数值（rows：n、period 报告期、value 数值、total 累计、"
                "source 来源）",
                [_ITEM],
            ),
        ],
    ),
]
KIND = "indicators"
BLOCKS = frozenset({"mark", "chart"})
DOCX = False
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = [
    {"items": [{**_ITEM, "reported": False, "rows": [], "sentence": "", "facts": ["尚未填报。"]}]},
    {"items": [], "count": 0},
]
