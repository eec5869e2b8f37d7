"""Read models of indicators: the series and the figures derived from it as of a day."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from rectify_shared.indicator_figures import Figures, figures, sentence
from rectify_shared.indicator_phrases import phrase
from rectify_shared.indicator_rows import reported_of, spec_of
from rectify_shared.indicators import SCHEDULE_TEXT, Direction, Frequency, IndicatorKind
from rectify_shared.models import Indicator
from rectify_shared.timezone import today

from .repository import ValueRow
from .schemas import ChangeRead, Derived, IndicatorRead, IndicatorSummary, StageCount, ValueRead


def summary_of(ind: Indicator, measure_ids: list[int]) -> IndicatorSummary:
    assert ind.id is not None
    return IndicatorSummary(
        id=ind.id,
        name=ind.name,
        unit=ind.unit,
        kind=IndicatorKind(ind.kind),
        direction=Direction(ind.direction),
        baseline=ind.baseline,
        baseline_date=ind.baseline_date,
        target=ind.target,
        target_date=ind.target_date,
        target_text=ind.target_text,
        org_id=ind.org_id,
        round_id=ind.round_id,
        issue_id=ind.issue_id,
        measure_ids=measure_ids,
        frequency=Frequency(ind.frequency),
        subject=ind.subject,
        verb=ind.verb,
        noun=ind.noun,
        illustrative=ind.illustrative or [],
        created_at=ind.created_at,
    )


#: a value read's fields, in the model's order
_VALUE_FIELDS = tuple(ValueRead.model_fields)
_ALL_SET = frozenset(_VALUE_FIELDS)
if ValueRow._fields[: len(_VALUE_FIELDS)] != _VALUE_FIELDS:
    raise RuntimeError("repository.ValueRow's first fields must be ValueRead's, in order")
_setattr = object.__setattr__


def value_read(v: Any) -> ValueRead:
    """Of an `IndicatorValue` or a row of its columns (`repository.values_of`). Built as
    `ValueRead.model_construct` builds it (every field given, no extra, no private attributes),
    without its per-field loop, and without validation: the columns are already the fields' types
    (a Decimal, dates, an aware datetime); the stages, rare, are validated. Validating thousands of
    values was a fifth of a past day's `/stats/indicators`, `model_construct` another tenth; the
    bytes are the validated model's (`test_indicator_stats_past.py`)."""
    assert v.id is not None
    fields: dict[str, Any]
    if type(v) is ValueRow:  # its first fields are the read's, in order
        fields = dict(zip(_VALUE_FIELDS, v, strict=False))
    else:
        fields = {name: getattr(v, name) for name in _VALUE_FIELDS}
    if fields["stages"] is not None:
        fields["stages"] = [StageCount.model_validate(s) for s in fields["stages"]]
    read = ValueRead.__new__(ValueRead)
    _setattr(read, "__dict__", fields)
    _setattr(read, "__pydantic_fields_set__", set(_ALL_SET))
    _setattr(read, "__pydantic_extra__", None)
    _setattr(read, "__pydantic_private__", None)
    return read


def derived_of(f: Figures) -> Derived:
    return Derived(
        as_of=f.as_of,
        latest_period=f.latest.period.label if f.latest else None,
        latest_value=f.latest_value,
        stages_total=f.stages_total,
        cumulative=f.cumulative,
        change=ChangeRead(
            previous_period=f.change.previous_period.label,
            previous_value=f.change.previous_value,
            delta=f.change.delta,
            unit=f.change_unit,
        )
        if f.change
        else None,
        percent_of_target=f.percent_of_target,
        expected=f.expected,
        schedule=f.schedule,
        schedule_text=SCHEDULE_TEXT[f.schedule] if f.schedule else None,
    )


def indicator_read(ind: Indicator, measure_ids: list[int], values: Sequence[Any], as_of: date | None) -> IndicatorRead:
    """`values`: those the caller may see; the figures use the indicator org's own values."""
    own = [reported_of(v) for v in values if v.org_id == ind.org_id]
    spec = spec_of(ind)
    f = figures(spec, own, as_of, today())
    return IndicatorRead(
        **summary_of(ind, measure_ids).model_dump(),
        series=[value_read(v) for v in values],
        derived=derived_of(f),
        sentence=sentence(spec, own, f),
        phrase=phrase(spec, f),
    )
