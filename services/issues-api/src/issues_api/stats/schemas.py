from datetime import date

from pydantic import BaseModel, Field

from rectify_shared.enums import IssueStatus


class StatusCounts(BaseModel):
    total: int
    by_status: dict[IssueStatus, int] = Field(
        description="Each status counted on its own: `completed` excludes `completed_long_term`",
        examples=[{"not_started": 0, "in_progress": 3, "completed": 7, "completed_long_term": 2, "closed": 0}],
    )


class CategoryCounts(StatusCounts):
    category: str


class OrgCounts(StatusCounts):
    org_id: int
    org_name: str


class ScheduleCounts(BaseModel):
    on_schedule: int = Field(description="正在推进且达到序时进度")
    behind: int = Field(description="正在推进但滞后")
    unknown: int = Field(description="正在推进，未评定")


class IssueStats(StatusCounts):
    round_id: int | None
    as_of: date | None = Field(description="Statuses as they stood at the end of this day (China time); null = now")
    in_progress_schedule: ScheduleCounts | None = Field(
        description="Current on-schedule split of in-progress work; null when as_of is given"
    )
    by_category: list[CategoryCounts] = Field(description="In heading order (the order of their first problem)")
    by_org: list[OrgCounts] = Field(description="By lead org (牵头单位); each problem counted once")
