"""预警函 / 通报 / 督办通知 / 约谈通知 (escalation_notice); ::copy — the 抄送 lines after the date."""

from datetime import date, datetime
from typing import Any

from .common import CHINA as _CHINA
from .common import Variable

_MEASURE = "盟住建局督促旗县加快餐厨垃圾处理设施建设。"
VARIABLES = [
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

KIND = "escalation_notice"
BLOCKS = frozenset({"masthead", "doc_no", "rule", "mark", "addressee", "signature", "date", "copy"})
DOCX = True
#: variants of the example data a template must also render (the preview checks them all)
VARIANTS: list[dict[str, Any]] = [
    {  # a 督办 without a meeting, a measure or a task, not yet issued
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
]
