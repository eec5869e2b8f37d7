"""信访举报件办理情况一览表 (petition_table): one batch's cases in the published columns — as Word
and PDF (a landscape table), Markdown and a workbook, all drawn from the template's title, its
lines and its table (the workbook: the title, the first line under it and the table)."""

from datetime import date
from typing import Any

from .common import group, header

_ROW = {
    "n": 1,
    "intake_no": "X1524000020240615001",
    "content": "某企业夜间偷排废水。",
    "locality": "锡林浩特市",
    "pollution": "水",
    "findings": "经现场核查，该企业存在超标排放问题。",
    "verdict": "属实",
    "handling": "责令停产整改，立案处罚。",
    "accountability": "无",
}
VARIABLES = [
    *header(
        "锡林郭勒盟第二轮中央生态环境保护督察第17批信访举报件办理情况一览表",
        "round_name",
        "inspection",
        "org_name",
        "office",
    ),
    *group(
        "",
        [
            ("team", "str", "交办的督察组（全称）", "中央第三生态环境保护督察组"),
            ("area", "str", "地区的全称说法（全盟、全市、全旗…）", "全盟"),
            ("as_of", "date", "数据截至日", date(2022, 4, 20)),
            ("batch_no", "int", "批次号（可用 cn 过滤器写作“第十七批”）", 17),
            ("transferred_on", "date", "交办日期", date(2022, 4, 19)),
            (
                "intro",
                "str",
                "标题下的说明（默认写法）",
                "中央第三生态环境保护督察组2022年4月19日交办；数据截至2022年4月20日。",
            ),
            ("count", "int", "本批件数", 1),
            (
                "rows",
                "list[{n, intake_no, content, locality, pollution, findings, verdict, handling, accountability}]",
                "各件：序号、受理编号、交办问题基本情况、行政区域、污染类型、调查核实情况、是否属实、处理和整改情况、"
                "责任追究情况",
                [_ROW],
            ),
        ],
    ),
]
KIND = "petition_table"
BLOCKS = frozenset({"mark"})
DOCX = True
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = [{"rows": [], "count": 0}]  # a batch with no case in scope
