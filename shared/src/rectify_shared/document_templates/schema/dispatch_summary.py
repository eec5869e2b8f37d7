"""调度情况汇总 (dispatch_summary): one dispatch round — who reported, who did not, escalations."""

from datetime import date, datetime
from typing import Any

from .common import CHINA as _CHINA
from .common import Variable

VARIABLES = [
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

KIND = "dispatch_summary"
BLOCKS = frozenset({"masthead", "rule", "mark", "signature", "date"})
DOCX = True
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = [
    {"units": [], "missing": [], "escalations": []}
]  # every unit reported, nothing issued
