"""整改台账 (ledger) as a landscape table — its Word and PDF. One table row per `rows` item: a 方面's
heading row (`heading` set; its first cell spans the table), or a measure's row under its task.

::merge N — the first N columns hold the task and are merged over its measures' rows (default 5).
The row colours (overdue red, within the warning window yellow) follow the rows when the
template prints one table row per `rows` item. The Markdown is the 具体问题整改进展情况 text
(`issue_progress`'s template); the workbook (xlsx) stays fixed, as it imports back by its rows."""

from typing import Any

from .common import group, header
from .issue_progress import VARIABLES as ISSUE_PROGRESS

_ROW = {
    "heading": "",
    "first": True,
    "number": "3",
    "description": "部分草原存在超载过牧问题。",
    "status_text": "正在推进",
    "units": "锡林郭勒盟林业和草原局、锡林浩特市人民政府",
    "deadline": "2025-12-31",
    "measure": "（一）盟委将草原生态保护纳入领导干部考核。",
    "measure_deadline": "2025-06-30",
    "measure_status": "已完成",
    "overdue_workdays": "",
    "latest_progress": "已印发考核办法。",
    "fill": "",
    "issue_fill": "",
}
VARIABLES = [
    *header(
        "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告整改台账（数据截至2024年12月15日）",
        "round_name",
        "inspection",
        "org_name",
    ),
    *[v for v in ISSUE_PROGRESS if v.name not in ("title", "round_name", "inspection", "org_name")],
    *group(
        "",
        [
            ("as_of_text", "str", "数据日期（默认写法）", "2024年12月15日"),
            (
                "rows",
                "list[{heading, first, number, description, status_text, units, deadline, measure, "
                "measure_deadline, measure_status, overdue_workdays, latest_progress, fill, issue_fill}]",
                "表格各行：方面标题行（heading 非空）或一条整改措施的行（first：该任务的第一行；fill：overdue 逾期、"
                "warning 临期、空；issue_fill：该任务的颜色）",
                [{**_ROW, "heading": "一、贯彻落实习近平生态文明思想还不到位方面", "first": False}, _ROW],
            ),
        ],
    ),
]
KIND = "ledger"
BLOCKS = frozenset({"mark", "merge"})
DOCX = False
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = [{"aspects": [], "rows": [], "aspect_count": 0, "issue_count": 0}]
