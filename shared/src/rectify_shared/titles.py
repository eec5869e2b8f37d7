"""One place that builds every document's and every public page's title from the round.

A round is named as the office names it: "第二轮中央生态环境保护督察", "中央生态环境保护督察“回头看”",
"第二轮自治区生态环境保护督察", or a bare "第二轮中央生态环境保护" that still needs its 督察. The
name already says 督察 when it holds the word anywhere (a "…督察“回头看”" must not become
"…督察“回头看”督察"); only a bare name gets it appended.
"""

from typing import Literal

TitleKind = Literal[
    "closure_notice",
    "closure_form",
    "ledger",
    "ledger_sheet",
    "progress_report",
    "indicators",
    "petition_notice",
    "petition_table",
    "dispatch_summary",
    "issue_task",
]

#: each title, around `{inspection}` (the round's name with its 督察) and the caller's own parts
_PATTERNS: dict[str, str] = {
    "closure_notice": "关于{inspection}整改任务销号的公示",
    "closure_form": "{inspection}整改任务销号审批表",
    "ledger": "{org}贯彻落实{inspection}报告具体问题整改进展情况",
    "ledger_sheet": "{org}贯彻落实{inspection}报告整改台账",
    "progress_report": "{org}{inspection}整改落实情况报告",
    "indicators": "{org}{inspection}整改指标完成情况",
    "petition_notice": "{org}{inspection}边督边改信访举报件办理情况",
    "petition_table": "{org}{inspection}第{batch}批信访举报件办理情况一览表",
    "dispatch_summary": "{inspection}整改工作{period}调度情况",
    # the task an escalation letter is about: 关于{issue_task}的督办通知
    "issue_task": "{inspection}反馈第{seq}项问题整改",
}


def inspection_name(round_name: str) -> str:
    """The round's name as a title says it: 督察 appended only when the name lacks it."""
    name = (round_name or "").strip()
    if not name:
        return "督察"
    return name if "督察" in name else f"{name}督察"


def document_title(kind: TitleKind, round_name: str, *, org: str = "", **parts: object) -> str:
    """The title of a document or public page of `kind` for the round named `round_name`.

    `org` is the org the document speaks for (锡林郭勒盟); `parts` fill the kind's own slots
    (`batch` for a petition table, `period` for a dispatch summary, `seq` for a letter's task).
    """
    return _PATTERNS[kind].format(inspection=inspection_name(round_name), org=org, **parts)
