"""An indicator's figure in the words of a report, and the narrative's placeholders for it.

The office writes the narrative of a progress report; where it states a figure, it writes a
placeholder instead of the number, and the report computes it as of its day:

    发布自治区重要湿地3处、盟级重要湿地23处、小微湿地3处，{{指标:露天矿山地质环境治理面积}}。
    → …小微湿地3处，143家露天矿山完成地质环境治理61.11平方公里。

`{{指标:<name or id>}}` is the indicator's phrase; `{{指标:<name or id>|<item>}}` one bare figure
(`ITEMS`: 累计, 最新, 完成率, 变化, 序时进度) or the whole sentence (句子). A placeholder for an
indicator that is unknown (or out of the report's scope) or has no value yet prints as a
visible 〔…〕 note, never as a made-up number.

The phrase: `{subject}{verb}{figure}{unit}{noun}` — the verb defaults to the indicator's name —
where the figure is the total (cumulative), the latest value (level, ratio; followed by the change
against the same period last year when it was reported), or for counts by stage
`{total}{unit}{subject}中，{verb}{n}{unit}{label}，…`.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .indicator_figures import Figures, Reported, Spec, change_clause, met_text, sentence
from .indicators import SCHEDULE_TEXT, IndicatorKind, fmt

PLACEHOLDER = re.compile(r"\{\{\s*指标\s*[:：]\s*(?P<ref>[^{}|]+?)\s*(?:\|\s*(?P<item>[^{}]+?)\s*)?\}\}")
#: the bare figures a placeholder can ask for (numbers without their unit)
ITEMS = ("累计", "最新", "完成率", "变化", "序时进度", "句子")


def phrase(spec: Spec, f: Figures) -> str | None:
    """The figure in the report's words (None before any value was reported)."""
    latest = f.latest
    if latest is None:
        return None
    subject, noun = spec.subject or "", spec.noun or ""
    if spec.kind == IndicatorKind.qualitative:
        return f"{subject}{spec.verb if spec.verb is not None else spec.name}{met_text(latest.met)}"
    if spec.kind == IndicatorKind.count_by_stage:
        stages = "，".join(f"{n}{spec.unit}{label}" for _, label, n in latest.stages or ())
        lead = f"{f.stages_total}{spec.unit}{subject}中，" if subject else f"{spec.name}共{f.stages_total}{spec.unit}，"
        return f"{lead}{spec.verb or ''}{stages}"
    verb = spec.verb if spec.verb is not None else spec.name
    if spec.kind == IndicatorKind.cumulative and f.cumulative is not None:
        return f"{subject}{verb}{fmt(f.cumulative)}{spec.unit}{noun}"
    return f"{subject}{verb}{fmt(latest.figure)}{spec.unit}{noun}{change_clause(f)}"


def items(spec: Spec, reported: Sequence[Reported], f: Figures) -> dict[str, str]:
    """The bare figures a placeholder can name; a figure that cannot be computed is left out."""
    out: dict[str, str] = {}
    if f.cumulative is not None:
        out["累计"] = fmt(f.cumulative)
    if f.latest_value is not None:
        out["最新"] = fmt(f.latest_value)
    if f.percent_of_target is not None:
        out["完成率"] = fmt(f.percent_of_target)
    if f.change is not None:
        out["变化"] = fmt(abs(f.change.delta))
    if f.schedule is not None:
        out["序时进度"] = SCHEDULE_TEXT[f.schedule]
    if (text := sentence(spec, reported, f)) is not None:
        out["句子"] = text
    return out


@dataclass(frozen=True)
class IndicatorWords:
    """What a report may say of one indicator, computed as of the report's day."""

    id: int
    name: str
    phrase: str | None
    items: dict[str, str] = field(default_factory=dict)


def words(indicator_id: int, spec: Spec, reported: Sequence[Reported], f: Figures) -> IndicatorWords:
    return IndicatorWords(indicator_id, spec.name, phrase(spec, f), items(spec, reported, f))


def expand(text: str, known: Sequence[IndicatorWords]) -> str:
    """The text with every placeholder replaced by its computed words (or a visible note)."""
    if "{{" not in text:
        return text
    by_name: dict[str, IndicatorWords] = {}
    for w in known:  # the first of two indicators with one name wins; its id always works
        by_name.setdefault(w.name, w)
    by_id = {str(w.id): w for w in known}
    return PLACEHOLDER.sub(_replacer(by_name, by_id), text)


def _replacer(by_name: dict[str, IndicatorWords], by_id: dict[str, IndicatorWords]) -> Callable[[re.Match[str]], str]:
    def replace(m: re.Match[str]) -> str:
        ref, item = m["ref"], m["item"]
        w = by_name.get(ref) or by_id.get(ref.removeprefix("#"))
        if w is None:
            return f"〔指标“{ref}”不存在或不在本报告范围内〕"
        text = w.items.get(item) if item else w.phrase
        if text is None:
            if item and item not in ITEMS:
                return f"〔指标“{ref}”没有“{item}”一项，可用：{'、'.join(ITEMS)}〕"
            return f"〔指标“{ref}”暂无数据〕"
        return text

    return replace
