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


class DeadlineStats(BaseModel):
    """完成时限: on time and overdue against the ORIGINAL deadline (an extension does not excuse), with
    the figures against the deadline in force after approved extensions beside them."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "completed": 9,
                    "on_time": 7,
                    "on_time_rate": 0.7778,
                    "on_time_extended": 9,
                    "on_time_rate_extended": 1.0,
                    "completed_without_deadline": 2,
                    "overdue": 2,
                    "overdue_extended": 1,
                    "extended": 3,
                }
            ]
        }
    }

    completed: int = Field(0, description="Completed tasks (completed, completed_long_term, closed) with a deadline")
    on_time: int = Field(0, description="Of those, accepted on or before the ORIGINAL deadline (按期完成)")
    on_time_rate: float | None = Field(None, description="on_time ÷ completed (按期完成率); null with none completed")
    on_time_extended: int = Field(0, description="Accepted on or before the deadline in force (after extensions)")
    on_time_rate_extended: float | None = Field(None, description="on_time_extended ÷ completed")
    completed_without_deadline: int = Field(0, description="Completed tasks with no deadline: in neither rate")
    overdue: int = Field(0, description="Not started or in progress, past the ORIGINAL deadline (逾期)")
    overdue_extended: int = Field(0, description="Not started or in progress, past the deadline in force")
    extended: int = Field(0, description="Tasks whose deadline in force differs from the original (延期)")


class IssueStats(StatusCounts):
    round_id: int | None
    as_of: date | None = Field(description="Statuses as they stood at the end of this day (China time); null = now")
    in_progress_schedule: ScheduleCounts | None = Field(
        description="达到序时进度 / 滞后 of the work in progress (as of `as_of` when given), by the one definition "
        "the progress report uses (`rectify_shared.schedule`)"
    )
    by_category: list[CategoryCounts] = Field(description="In heading order (the order of their first problem)")
    by_org: list[OrgCounts] = Field(description="By lead org (牵头单位); each problem counted once")
    deadlines: DeadlineStats | None = Field(
        default=None, description="On-time rate and overdue counts, against the original deadline and the extended one"
    )


class IssueStateAsOf(BaseModel):
    issue_id: int
    seq: int
    lead_org_id: int
    status: IssueStatus = Field(description="The status at the end of `as_of`")
    original_deadline: date | None = Field(description="The first deadline ever set")
    deadline: date | None = Field(description="The deadline in force on `as_of` (after extensions approved by then)")


class IssueStates(BaseModel):
    """Each problem as it stood on a day: the per-problem rows behind `GET /stats/issues` (same
    `as_of`, same scope), for a dashboard that draws them (tile map, deadline timeline)."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "round_id": 1,
                    "as_of": "2024-12-15",
                    "items": [
                        {
                            "issue_id": 9,
                            "seq": 9,
                            "lead_org_id": 12,
                            "status": "in_progress",
                            "original_deadline": "2024-12-31",
                            "deadline": "2025-06-30",
                        }
                    ],
                }
            ]
        }
    }

    round_id: int
    as_of: date
    items: list[IssueStateAsOf] = Field(description="Problems that existed then (not withdrawn), by number")
