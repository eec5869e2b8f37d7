"""What a letter carries beyond its reason: a 约谈's meeting (time, place, who talks to whom,
the agenda) and a 督办's requirements. Given when the letter is issued (by hand or by 签发),
kept on the escalation as `letter`, printed by the report-worker's escalation notice."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from rectify_shared.escalation_policy import Level
from rectify_shared.plain_text import FreeText
from rectify_shared.timezone import CHINA_TZ, today

from ..core.errors import invalid

Line = Annotated[FreeText, Field(min_length=1, max_length=500)]
Person = Annotated[FreeText, Field(min_length=2, max_length=100)]


def _china_time(value: datetime) -> datetime:
    """A time without an offset is a time in China (the letter says 上午9时30分 as it is read there)."""
    return value.replace(tzinfo=CHINA_TZ) if value.tzinfo is None else value.astimezone(CHINA_TZ)


class Summons(BaseModel):
    """约谈安排: when and where, 约谈人 and 被约谈人, and what is discussed."""

    model_config = ConfigDict(extra="forbid")

    time: Annotated[datetime, AfterValidator(_china_time)] = Field(
        description="约谈时间 (an ISO time; without an offset it is China time)", examples=["2025-01-08T09:30:00+08:00"]
    )
    place: FreeText = Field(min_length=2, max_length=200, description="约谈地点", examples=["盟行署3楼第一会议室"])
    interviewers: list[Person] = Field(
        min_length=1, max_length=20, description="约谈人 (name and post)", examples=[["王某（盟行署副盟长）"]]
    )
    interviewees: list[Person] = Field(
        min_length=1, max_length=20, description="被约谈人 (name and post)", examples=[["李某（盟住建局局长）"]]
    )
    agenda: list[Line] = Field(default=[], max_length=20, description="约谈议程, in order")


class LetterDetails(BaseModel):
    """The letter's own content: `summons` for a 约谈通知 only; `requirements` (工作要求, numbered in
    the letter) for any level, in place of the level's standard sentence."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"requirements": ["12月31日前完成设备调试并投入试运行", "每周五报送建设进度"]},
                {
                    "summons": {
                        "time": "2025-01-08T09:30:00+08:00",
                        "place": "盟行署3楼第一会议室",
                        "interviewers": ["王某（盟行署副盟长）"],
                        "interviewees": ["李某（盟住建局局长）", "赵某（盟住建局副局长）"],
                        "agenda": ["被约谈单位汇报整改进展和存在问题", "约谈人提出整改要求", "被约谈单位表态发言"],
                    }
                },
            ]
        },
    )

    summons: Summons | None = None
    requirements: list[Line] = Field(default=[], max_length=20, description="督办要求 (工作要求), in order")


def check(letter: LetterDetails | None, level: Level | str, field: str) -> dict[str, Any] | None:
    """The letter's details as stored; a 422 when they do not fit the letter's level or the calendar."""
    if letter is None:
        return None
    if letter.summons is not None:
        if Level(level) != Level.summons:
            raise invalid(
                f"{field}.summons",
                "only a summons (约谈) has a meeting",
                "只有约谈通知填写约谈时间、地点和人员",
                "Only a summons letter carries a meeting's time, place and participants",
            )
        if letter.summons.time.date() < today():
            raise invalid(
                f"{field}.summons.time",
                "in the past",
                "约谈时间不能早于今天",
                "The meeting cannot be before today",
            )
    return letter.model_dump(mode="json", exclude_defaults=True) or None
