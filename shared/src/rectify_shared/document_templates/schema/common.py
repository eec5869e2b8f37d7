"""What every kind's data model is made of: `Variable`, the examples' common dates, and the
helpers that write the repeated parts (a group of fields under one prefix, the round's header
fields, a petition figures block, an opinion block)."""

from dataclasses import dataclass
from datetime import date, timedelta, timezone
from typing import Any


@dataclass(frozen=True)
class Variable:
    name: str  # dotted: issue.seq is {{ issue.seq }}
    type: str
    description: str
    example: Any


CHINA = timezone(timedelta(hours=8))
ROUND = "第二轮中央生态环境保护督察"
OFFICE = "锡林郭勒盟生态环境保护督察整改工作领导小组办公室"


def group(prefix: str, rows: list[tuple[str, str, str, Any]]) -> list[Variable]:
    """Fields under one prefix: group("batch", [("no", "int", "批次号", 17)]) → batch.no."""
    dot = f"{prefix}." if prefix else ""
    return [Variable(f"{dot}{name}", kind, description, example) for name, kind, description, example in rows]


#: the round's fields most kinds share: name → (type, description, example)
_HEADER: dict[str, tuple[str, str, Any]] = {
    "round_name": ("str", "督察轮次名称", ROUND),
    "inspection": ("str", "督察名称（轮次名称，必要时补“督察”，不重复）", ROUND),
    "org_name": ("str", "报告单位（地区）", "锡林郭勒盟"),
    "office": ("str", "轮次整改办（默认落款单位）", OFFICE),
}


def header(title: str, *names: str, **overrides: tuple[str, str, Any]) -> list[Variable]:
    """`title` (its example) and the round's shared fields, each as `_HEADER` has it unless overridden."""
    out = [Variable("title", "str", "标题（默认写法）", title)]
    for name in names:
        kind, description, example = overrides.get(name, _HEADER[name])
        out.append(Variable(name, kind, description, example))
    return out


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


def petition_figures(prefix: str, what: str, total: int, closed: int, stage: int, going: int) -> list[Variable]:
    out = [
        Variable(f"{prefix}.total", "int", f"{what}信访举报件数", total),
        Variable(f"{prefix}.closed", "int", f"{what}已办结件数", closed),
        Variable(f"{prefix}.closed_in_stage", "int", f"{what}阶段性办结件数", stage),
        Variable(f"{prefix}.in_progress", "int", f"{what}正在办理（未办结）件数", going),
        Variable(f"{prefix}.fine", "str", f"{what}罚款金额（按所选单位，含“元”或“万元”）", "18.3万元"),
    ]
    out += [Variable(f"{prefix}.{key}", "int", f"{what}{label}", n) for key, label, n in _ACC]
    return out


def opinion(prefix: str, what: str, label: str, text: str, on: date | None) -> list[Variable]:
    return [
        Variable(f"{prefix}.org", "str", f"{what}单位", "锡林郭勒盟生态环境局"),
        Variable(f"{prefix}.label", "str", f"{what}栏目名（默认写法）", label),
        Variable(f"{prefix}.actor", "str", f"{what}签署人（待办时为空）", "张某"),
        Variable(f"{prefix}.comment", "str", f"{what}意见原文（可为空）", "同意"),
        Variable(f"{prefix}.on", "date|null", f"{what}日期（待办时为空）", on),
        Variable(f"{prefix}.text", "str", f"{what}（默认写法：意见、签署人和日期，或“（待…）”）", text),
    ]
