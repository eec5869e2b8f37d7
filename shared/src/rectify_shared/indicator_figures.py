"""An indicator's derived figures and its report sentence, from its spec and reported values.

Shared by the API (GET /indicators/{id}, /stats/indicators) and the report-worker, so the
numbers in a report are the numbers the API shows.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from .indicators import (
    PERCENT_UNITS,
    SCHEDULE_TEXT,
    Change,
    Direction,
    IndicatorKind,
    Observation,
    Period,
    Schedule,
    change_vs_last_year,
    cumulative,
    fmt,
    percent_of_target,
    period_text,
    plan_of,
)


@dataclass(frozen=True)
class Spec:
    name: str
    unit: str
    kind: IndicatorKind
    direction: Direction
    baseline: Decimal | None = None
    baseline_date: date | None = None
    target: Decimal | None = None
    target_date: date | None = None
    #: a qualitative target in words (保持达标)
    target_text: str | None = None
    #: the report's wording around the figure (`indicator_phrases.phrase`)
    subject: str | None = None
    verb: str | None = None
    noun: str | None = None


@dataclass(frozen=True)
class Reported:
    """One value of the indicator's own org. `stages`: (stage, label, count), most advanced first."""

    period: Period
    value: Decimal | None = None
    stages: tuple[tuple[str, str, int], ...] | None = None
    #: a qualitative indicator's judgement for the period
    met: bool | None = None

    @property
    def figure(self) -> Decimal:
        """The value; for counts by stage, the count at the most advanced stage."""
        if self.stages is not None:
            return Decimal(self.stages[0][2]) if self.stages else Decimal(0)
        return self.value if self.value is not None else Decimal(0)


@dataclass(frozen=True)
class Figures:
    as_of: date | None
    latest: Reported | None
    stages_total: int | None
    cumulative: Decimal | None
    change: Change | None
    change_unit: str
    percent_of_target: Decimal | None
    expected: Decimal | None
    schedule: Schedule | None

    @property
    def latest_value(self) -> Decimal | None:
        return self.latest.figure if self.latest else None

    @property
    def actual(self) -> Decimal | None:
        """What is measured against the target: the total for a cumulative indicator, else the latest."""
        return self.cumulative if self.cumulative is not None else self.latest_value


def is_percent(spec: Spec) -> bool:
    return spec.kind == IndicatorKind.ratio or spec.unit.strip() in PERCENT_UNITS


def figures(spec: Spec, reported: Sequence[Reported], as_of: date | None, today: date) -> Figures:
    """The figures as of a day from the values known then (the caller leaves out values reported
    later; periods that had not started are left out here); the schedule is judged on `as_of`,
    or on `today` when no day is given."""
    known = sorted((r for r in reported if as_of is None or r.period.start <= as_of), key=_order)
    series = [Observation(r.period, r.figure) for r in known]
    latest = known[-1] if known else None
    total = cumulative(series) if spec.kind == IndicatorKind.cumulative and series else None
    stages_total = sum(n for _, _, n in latest.stages) if latest and latest.stages is not None else None
    counted = spec.kind not in (IndicatorKind.count_by_stage, IndicatorKind.qualitative)
    change = change_vs_last_year(series) if counted else None
    actual = total if total is not None else (latest.figure if latest else None)
    if spec.kind == IndicatorKind.qualitative:  # judged, not measured
        actual = None
    pct = percent_of_target(actual, spec.target, spec.direction) if actual is not None else None
    plan = plan_of(spec.baseline, spec.baseline_date, spec.target, spec.target_date, spec.direction)
    on = as_of or today
    expected = plan.expected(on) if plan else None
    schedule = plan.schedule(actual, on) if plan and actual is not None else None
    return Figures(
        as_of=as_of,
        latest=latest,
        stages_total=stages_total,
        cumulative=total,
        change=change,
        change_unit="个百分点" if is_percent(spec) else spec.unit,
        percent_of_target=pct,
        expected=expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if expected is not None else None,
        schedule=schedule,
    )


def _with_unit(value: Decimal, unit: str) -> str:
    return f"{fmt(value)}{unit}"


def sentence(spec: Spec, reported: Sequence[Reported], f: Figures) -> str | None:
    """The report's sentence, e.g. "露天矿山完成治理面积：2022年27.63平方公里，…，累计61.11平方公里"."""
    if f.latest is None:
        return None
    latest = f.latest
    if spec.kind == IndicatorKind.qualitative:
        return f"{spec.name}{period_text(latest.period)}{met_text(latest.met)}（目标：{spec.target_text or ''}）"
    if spec.kind == IndicatorKind.cumulative:
        known = [r for r in reported if f.as_of is None or r.period.start <= f.as_of]
        parts = [f"{period_text(r.period)}{_with_unit(r.figure, spec.unit)}" for r in sorted(known, key=_order)]
        text = f"{spec.name}：{'，'.join(parts)}"
        if len(parts) > 1 and f.cumulative is not None:
            text += f"，累计{_with_unit(f.cumulative, spec.unit)}"
    elif spec.kind == IndicatorKind.count_by_stage:
        stages = latest.stages or ()
        counted = "，".join(f"{label}{n}{spec.unit}" for _, label, n in stages)
        text = f"{spec.name}（{period_text(latest.period)}）：共{f.stages_total}{spec.unit}，{counted}"
    else:
        text = f"{spec.name}{period_text(latest.period)}{_with_unit(latest.figure, spec.unit)}"
        text += change_clause(f)
    if spec.target is not None:
        by = f"到{spec.target_date.year}年" if spec.target_date else ""
        text += f"，目标{by}{_with_unit(spec.target, spec.unit)}"
        if f.percent_of_target is not None:
            text += f"，完成目标的{fmt(f.percent_of_target)}%"
    if f.schedule is not None:
        text += f"，{SCHEDULE_TEXT[f.schedule]}"
    return text


def met_text(met: bool | None) -> str:
    return "达到目标" if met else "未达到目标" if met is not None else "未认定"


def target_text(spec: Spec) -> str | None:
    """The target as a report states it before any value exists: 保持达标; 到2025年80平方公里."""
    if spec.target_text:
        return spec.target_text
    if spec.target is None:
        return None
    by = f"到{spec.target_date.year}年" if spec.target_date else ""
    return f"{by}{_with_unit(spec.target, spec.unit)}"


def change_clause(f: Figures) -> str:
    """，较去年同期上升3.3个百分点 / ，较去年同期持平 — or nothing when last year was not reported."""
    if f.change is None:
        return ""
    delta = f.change.delta
    if delta == 0:
        return "，较去年同期持平"
    word = "上升" if delta > 0 else "下降"
    return f"，较去年同期{word}{fmt(abs(delta))}{f.change_unit}"


def _order(r: Reported) -> tuple[date, date]:
    return (r.period.end, r.period.start)
