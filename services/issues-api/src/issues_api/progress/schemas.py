from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.ids import WideId
from rectify_shared.plain_text import FreeText

from ..attachments.schemas import AttachmentBrief
from ..core.dates import Day
from ..core.strict import JsonBool
from ..orgs.schemas import OrgRef


class ProgressCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "2024年截至11月底，完成治理面积17.21平方公里。",
                    "reporting_org_id": 5,
                    "reported_at": "2024-12-01T09:00:00+08:00",
                    "attachment_ids": [7],
                }
            ]
        },
    )

    text: FreeText = Field(min_length=1, max_length=20000)
    reporting_org_id: int | None = Field(
        default=None, description="Default: the measure's responsible org, else the issue's lead org"
    )
    reported_at: datetime | None = Field(
        default=None,
        description="整改办补录 only (a unit's own report is dated by the server: 422). "
        "Default: now. With a time zone.",
    )
    occurred_on: Day | None = Field(
        default=None,
        description="整改办补录 only: the day the reported work happened (not in the future, not before the "
        "round's stay_start). Default: the day of `reported_at`",
    )
    attachment_ids: list[int] = Field(
        default_factory=list,
        max_length=50,
        description="Evidence already uploaded (POST /attachments) that the caller may see, linked to the "
        "report in the same transaction: one unknown or foreign id and nothing is written (422) / "
        "已上传的佐证材料，随进展一并关联",
    )
    relapse: JsonBool = Field(
        default=False,
        description="反弹: the report reveals that finished work relapsed — the task is reopened (in_progress, "
        "its closure `reopened`) with this text as the reason. Only for completed or written-off tasks.",
    )


class ProgressRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "388049409119663637",
                    "issue_id": 5,
                    "measure_id": 12,
                    "text": "2024年截至11月底，完成治理面积17.21平方公里。",
                    "reporting_org": {"id": 13, "name": "阿巴嘎旗"},
                    "reported_at": "2024-12-01T01:00:00Z",
                    "reported_by": "abgq",
                    "created_at": "2024-12-01T01:00:00Z",
                    "attachments": [
                        {
                            "id": 7,
                            "filename": "现场照片.jpg",
                            "file_type": "jpeg",
                            "media_type": "image/jpeg",
                            "size": 482113,
                            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        }
                    ],
                }
            ]
        }
    )

    id: WideId
    issue_id: int
    measure_id: int | None
    text: str
    reporting_org: OrgRef
    reported_at: datetime
    reported_by: str
    created_at: datetime
    attachments: list[AttachmentBrief] = Field(
        default_factory=list, description="The evidence linked to the report (佐证材料), in the order linked"
    )
