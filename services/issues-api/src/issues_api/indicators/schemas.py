"""Indicators (指标) on the wire. Values are JSON numbers or decimal strings; derived figures are
decimal strings (exact: "61.11", never 61.109999…)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, model_validator

from rectify_shared.indicators import Direction, Frequency, IndicatorKind, Schedule, fmt, parse_decimal
from rectify_shared.plain_text import FreeText, NameText

from ..core.dates import Day


def _to_decimal(raw: Any) -> Decimal:
    try:
        return parse_decimal(raw)
    except ValueError as exc:
        raise ValueError(f"{exc} / 不是有效数值") from None


#: in: a JSON number or a decimal string; out: the exact decimal string ("61.11")
Number = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(fmt, return_type=str, when_used="json"),
]

_INDICATOR_EXAMPLE: dict[str, Any] = {
    "name": "露天矿山地质环境治理面积",
    "unit": "平方公里",
    "kind": "cumulative",
    "direction": "higher",
    "baseline": 0,
    "baseline_date": "2022-01-01",
    "target": 80,
    "target_date": "2025-12-31",
    "org_id": 2,
    "round_id": 1,
    "issue_id": 3,
    "measure_ids": [9],
    "frequency": "yearly",
    "subject": "143家露天矿山",
    "verb": "完成地质环境治理",
    "noun": None,
}


_YEAR, _MONTH = "[1-9][0-9]{3}", "(0[1-9]|1[0-2])"
_DAY = f"{_YEAR}-{_MONTH}-(0[1-9]|[12][0-9]|3[01])"
#: a report period's shapes (a real day within them is checked by the server)
PERIOD_PATTERN = f"^({_YEAR}(-Q[1-4]|-{_MONTH})?|{_DAY}/{_DAY})$"


class IndicatorCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                _INDICATOR_EXAMPLE,
                {"name": "地表水国考断面水质", "kind": "qualitative", "target": "保持达标", "org_id": 2, "round_id": 1},
            ]
        },
    )

    name: NameText = Field(min_length=1, max_length=200)
    unit: FreeText | None = Field(
        default=None, min_length=1, max_length=40, description="平方公里, %, 微克/立方米, 个… (not for qualitative)"
    )
    kind: IndicatorKind = Field(
        description="cumulative | level | ratio | count_by_stage | qualitative (a target in words, judged "
        "met or not met by the office per period)"
    )
    direction: Direction = Direction.HIGHER
    baseline: Number | None = None
    baseline_date: Day | None = None
    target: Number | None = Field(default=None, description="目标值; for count_by_stage: how many in all")
    target_date: Day | None = None
    target_text: FreeText | None = Field(
        default=None,
        min_length=2,
        max_length=200,
        description="qualitative: the target in words (保持达标); a `target` in words is taken as this",
        examples=["保持达标"],
    )
    org_id: int = Field(description="The org whose figure this is (its scope)")
    round_id: int | None = None
    issue_id: int | None = Field(default=None, description="The problem it measures")
    measure_ids: list[int] = Field(default_factory=list, max_length=50, description="The measures it measures")
    frequency: Frequency = Frequency.yearly
    subject: FreeText | None = Field(
        default=None,
        max_length=100,
        description="Report wording: who (全盟143家露天矿山, 我盟)",
        examples=["143家露天矿山"],
    )
    verb: FreeText | None = Field(
        default=None,
        max_length=100,
        description="Report wording: the words before the figure (完成地质环境治理); default: the name",
        examples=["完成地质环境治理"],
    )
    noun: FreeText | None = Field(
        default=None,
        max_length=100,
        description="Report wording: what the figure counts, after the unit (35个**行政村生活污水治理任务**)",
        examples=["行政村生活污水治理任务"],
    )

    @model_validator(mode="before")
    @classmethod
    def _target_in_words(cls, data: Any) -> Any:
        """`"target": "保持达标"` on a qualitative indicator is its target in words."""
        if isinstance(data, dict) and data.get("kind") == "qualitative" and isinstance(data.get("target"), str):
            try:
                parse_decimal(data["target"])
            except ValueError:
                data = {**data, "target_text": data.get("target_text") or data["target"], "target": None}
        return data

    @model_validator(mode="after")
    def _dates(self) -> "IndicatorCreate":
        if self.kind == IndicatorKind.qualitative:
            if not self.target_text or self.target is not None or self.baseline is not None:
                raise ValueError("a qualitative indicator has a target in words, no figures / 定性指标须填写文字目标")
        elif self.target_text is not None:
            raise ValueError("a target in words needs kind qualitative / 文字目标须选定性指标（qualitative）")
        elif self.unit is None:
            raise ValueError("unit is required / 须填写计量单位")
        if (self.baseline is None) != (self.baseline_date is None):
            raise ValueError("baseline and baseline_date go together / 基线值与基线日期须同时填写")
        if self.target_date is not None and self.target is None:
            raise ValueError("target_date needs a target / 目标日期须有目标值")
        if self.baseline_date and self.target_date and self.target_date <= self.baseline_date:
            raise ValueError("target_date must be after baseline_date / 目标日期须晚于基线日期")
        return self


class StageCount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: str = Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$", examples=["built"])
    label: str = Field(min_length=1, max_length=40, examples=["已建成"])
    count: int = Field(examples=[8])


class ValueCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"period": "2024-01-01/2024-11-30", "value": "17.21", "source": "盟自然资源局年度评估"},
                {"period": "2024", "met": True, "source": "盟生态环境局年度监测报告"},
                {
                    "period": "2024-12",
                    "stages": [
                        {"stage": "built", "label": "已建成", "count": 8},
                        {"stage": "trial", "label": "试运行", "count": 1},
                        {"stage": "construction", "label": "在建", "count": 1},
                        {"stage": "preparation", "label": "前期手续", "count": 1},
                    ],
                },
            ]
        },
    )

    period: str = Field(
        min_length=4,
        max_length=30,
        pattern=PERIOD_PATTERN,
        description="`2024`, `2024-Q3`, `2024-11` or a range `2024-01-01/2024-11-30`",
    )
    org_id: int | None = Field(default=None, description="Default: a unit its own org, the office the indicator's org")
    value: Number | None = Field(default=None, description="The figure (not for count_by_stage)")
    stages: list[StageCount] | None = Field(
        default=None, max_length=20, description="count_by_stage only: most advanced stage first"
    )
    met: bool | None = Field(
        default=None, description="qualitative only: the office's judgement, target met (达标) or not for the period"
    )
    source: FreeText | None = Field(default=None, max_length=500)
    attachment_id: int | None = Field(
        default=None,
        description="Evidence (佐证材料): an uploaded attachment in your scope (422 otherwise), "
        "linked to the value (target_kind `indicator_value`)",
    )


class ChangeRead(BaseModel):
    previous_period: str
    previous_value: Number
    delta: Number = Field(description="Latest minus the same period a year earlier; percentage points for ratios")
    unit: str = Field(examples=["个百分点"])


class Derived(BaseModel):
    as_of: date | None = Field(description="Figures as known at the end of this day (China time); null = now")
    latest_period: str | None
    latest_value: Number | None = Field(description="For count_by_stage: the count at the most advanced stage")
    stages_total: int | None = Field(default=None, description="count_by_stage: the sum over all stages")
    cumulative: Number | None = Field(description="cumulative kind: the total over the periods")
    change: ChangeRead | None = Field(description="Against the same period last year; null when not reported")
    percent_of_target: Number | None = Field(description="Share of the way to the target, in %")
    expected: Number | None = Field(description="Where the straight-line plan baseline → target stands on as_of")
    schedule: Schedule | None = Field(description="on_schedule (达到序时进度) | behind (滞后); null without a plan")
    schedule_text: str | None = None


class ValueRead(BaseModel):
    id: int
    period: str
    period_start: date
    period_end: date
    org_id: int
    value: Number | None
    stages: list[StageCount] | None
    met: bool | None = Field(default=None, description="qualitative: the office's judgement for the period")
    source: str | None
    attachment_id: int | None
    reported_by: str
    reported_at: datetime


class IndicatorSummary(BaseModel):
    id: int
    name: str
    unit: str
    kind: IndicatorKind
    direction: Direction
    baseline: Number | None
    baseline_date: date | None
    target: Number | None
    target_date: date | None
    target_text: str | None = Field(default=None, description="qualitative: the target in words")
    org_id: int
    round_id: int | None
    issue_id: int | None
    measure_ids: list[int]
    frequency: Frequency
    subject: str | None = None
    verb: str | None = None
    noun: str | None = None
    illustrative: list[str]
    created_at: datetime


_READ_EXAMPLE: dict[str, Any] = {
    "id": 1,
    **{k: v for k, v in _INDICATOR_EXAMPLE.items() if k not in ("baseline", "target")},
    "baseline": "0",
    "target": "80",
    "illustrative": ["baseline", "baseline_date", "target", "target_date"],
    "created_at": "2022-11-01T01:00:00Z",
    "series": [
        {
            "id": 3,
            "period": "2024-01-01/2024-11-30",
            "period_start": "2024-01-01",
            "period_end": "2024-11-30",
            "org_id": 2,
            "value": "17.21",
            "stages": None,
            "source": "问题3整改措施（三）",
            "attachment_id": None,
            "reported_by": "xlgl_zrzyj",
            "reported_at": "2024-12-10T01:00:00Z",
        }
    ],
    "derived": {
        "as_of": "2024-12-15",
        "latest_period": "2024-01-01/2024-11-30",
        "latest_value": "17.21",
        "stages_total": None,
        "cumulative": "61.11",
        "change": None,
        "percent_of_target": "76.4",
        "expected": "59.12",
        "schedule": "on_schedule",
        "schedule_text": "达到序时进度",
    },
    "phrase": "143家露天矿山完成地质环境治理61.11平方公里",
    "sentence": "露天矿山地质环境治理面积：2022年27.63平方公里，2023年16.27平方公里，2024年截至11月底17.21平方公里，"
    "累计61.11平方公里，目标到2025年80平方公里，完成目标的76.4%，达到序时进度",
}


class IndicatorRead(IndicatorSummary):
    model_config = ConfigDict(json_schema_extra={"examples": [_READ_EXAMPLE]})

    series: list[ValueRead] = Field(description="Every reported value known by as_of, in period order")
    derived: Derived = Field(description="Computed from the indicator org's own values")
    sentence: str | None = Field(description="The report's sentence, computed (e.g. …累计61.11平方公里)")
    phrase: str | None = Field(
        default=None,
        description="The figure in the report's words, as the narrative's {{指标:<name>}} placeholder prints it "
        "(subject + verb + figure + unit + noun, e.g. 143家露天矿山完成地质环境治理61.11平方公里)",
    )


class ScheduleRef(BaseModel):
    id: int
    schedule: Schedule | None


class IndicatorStats(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "round_id": 1,
                    "as_of": "2024-12-15",
                    "total": 1,
                    "on_schedule": 1,
                    "behind": 0,
                    "unjudged": 0,
                    "indicators": [_READ_EXAMPLE],
                    "measures": [{"id": 9, "schedule": "on_schedule"}],
                    "issues": [{"id": 3, "schedule": "on_schedule"}],
                }
            ]
        }
    )

    round_id: int | None
    as_of: date | None
    total: int
    on_schedule: int
    behind: int
    unjudged: int = Field(description="No plan (baseline and target with dates) or no value yet")
    indicators: list[IndicatorRead]
    measures: list[ScheduleRef] = Field(description="Each linked measure: behind when any of its indicators is")
    issues: list[ScheduleRef] = Field(
        description="Each linked problem's on-schedule flag as derived from its indicators"
    )
