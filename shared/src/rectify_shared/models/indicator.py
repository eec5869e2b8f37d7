"""Indicators (指标): targets and time series, tied to the problems and measures they measure.

Values are kept as exact decimal text (not binary floats, and the same on SQLite and
PostgreSQL); figures derived from them are computed by `rectify_shared.indicators`.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Column, Index, String, TypeDecorator, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import JSONType, PathString, UTCDateTime, utcnow


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal stored as its canonical text: exact on every engine (SQLite has no decimal type)."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return format(Decimal(value), "f")

    def process_result_value(self, value: str | None, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(value)


class Indicator(SQLModel, table=True):
    __tablename__ = "indicator"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int | None = Field(default=None, foreign_key="inspection_round.id", index=True)
    issue_id: int | None = Field(default=None, foreign_key="issue.id", index=True)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=40)
    #: cumulative | level | ratio | count_by_stage (rectify_shared.indicators.IndicatorKind)
    kind: str = Field(sa_type=String(30))
    #: higher | lower: which way is better
    direction: str = Field(sa_type=String(10))
    baseline: Decimal | None = Field(default=None, sa_type=DecimalText)
    baseline_date: date | None = None
    target: Decimal | None = Field(default=None, sa_type=DecimalText)
    target_date: date | None = None
    #: a qualitative target in words (保持达标, 稳定达到Ⅲ类) for kind `qualitative`
    target_text: str | None = Field(default=None, max_length=200)
    #: monthly | quarterly | yearly | irregular
    frequency: str = Field(sa_type=String(20))
    #: the report's wording around the figure (rectify_shared.indicator_phrases): who, e.g.
    #: "143家露天矿山"; what they did or what is measured, e.g. "完成地质环境治理" (default: the
    #: name); the noun the figure counts, after the unit, e.g. "行政村生活污水治理任务"
    subject: str | None = Field(default=None, max_length=100)
    verb: str | None = Field(default=None, max_length=100)
    noun: str | None = Field(default=None, max_length=100)
    org_id: int = Field(foreign_key="org.id")
    #: the org's materialised path: the row's scope
    org_path: str = Field(sa_type=PathString, index=True)
    #: names of fields filled in for the demo rather than taken from a source document
    illustrative: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IndicatorMeasure(SQLModel, table=True):
    """The measures (整改措施) an indicator measures."""

    __tablename__ = "indicator_measure"

    indicator_id: int = Field(foreign_key="indicator.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    measure_id: int = Field(
        foreign_key="measure.id", primary_key=True, index=True, sa_column_kwargs={"autoincrement": False}
    )


class IndicatorValue(SQLModel, table=True):
    """One org's figure for one period. A second report for the same period replaces it (audited)."""

    __tablename__ = "indicator_value"
    __table_args__ = (
        UniqueConstraint("indicator_id", "org_id", "period", name="uq_indicator_value_period"),
        Index("ix_indicator_value_series", "indicator_id", "period_end"),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id")
    org_id: int = Field(foreign_key="org.id")
    org_path: str = Field(sa_type=PathString, index=True)
    #: `2024`, `2024-Q3`, `2024-11` or `2024-01-01/2024-11-30`, with its bounds for queries
    period: str = Field(max_length=30)
    period_start: date
    period_end: date
    value: Decimal | None = Field(default=None, sa_type=DecimalText)
    #: for count_by_stage: [{"stage", "label", "count"}], the most advanced stage first
    stages: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONType))
    #: kind `qualitative`: the office's judgement for the period (达标 / 未达标)
    met: bool | None = None
    source: str | None = Field(default=None, max_length=500)
    attachment_id: int | None = None
    #: names of fields filled in for the demo rather than taken from a source document
    illustrative: list[str] | None = Field(default=None, sa_column=Column(JSONType))
    reported_by: str = Field(max_length=100)
    reported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class IndicatorVersion(SQLModel, table=True):
    """The change token of the indicator figures (`GET /stats/indicators`): one row per round
    (`round_id` 0 for the indicators of no round) whose `token` becomes a new random value in the
    transaction of every write to `indicator`, `indicator_measure` or `indicator_value` that touches
    the round's indicators — kept by triggers on those tables (migration
    `20261211_33_indicator_version`), so the fast path's Core writes, imports and org moves renew it
    as the API's writes do. Random rather than counted: a database emptied and refilled never shows
    an old token with new rows."""

    __tablename__ = "indicator_version"

    round_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    token: int = Field(sa_type=BigInteger)
