from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.ids import WideId

#: what an attachment can be evidence for (petition cases will join this list)
TargetKind = Literal["progress_report", "closure"]


class AttachmentLinkRef(BaseModel):
    target_kind: str = Field(examples=["closure"])
    target_id: WideId = Field(description="A progress report's or closure's id, as a string")
    issue_id: int | None = Field(examples=[5])
    linked_by: str
    linked_at: datetime


class AttachmentBrief(BaseModel):
    """An attachment as a list shows it beside what it proves (a progress report's evidence)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "filename": "现场照片.jpg",
                    "file_type": "jpeg",
                    "media_type": "image/jpeg",
                    "size": 482113,
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                }
            ]
        }
    )

    id: int
    filename: str
    file_type: str = Field(description="Recognised from the content: pdf, jpeg, png, docx, xlsx, ofd")
    media_type: str
    size: int
    sha256: str


class AttachmentRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "size": 482113,
                    "file_type": "pdf",
                    "media_type": "application/pdf",
                    "filename": "验收报告.pdf",
                    "org_id": 13,
                    "uploaded_by": "abgq",
                    "uploaded_at": "2024-12-01T01:00:00Z",
                    "links": [],
                    "same_file_issue_ids": [5],
                    "flagged": False,
                }
            ]
        }
    )

    id: int
    sha256: str
    size: int
    file_type: str = Field(description="Recognised from the content: pdf, jpeg, png, docx, xlsx, ofd")
    media_type: str
    filename: str
    org_id: int
    uploaded_by: str
    uploaded_at: datetime
    links: list[AttachmentLinkRef]
    same_file_issue_ids: list[int] = Field(
        description="Every task this file's content (by SHA-256) is evidence for, through any upload"
    )
    flagged: bool = Field(
        description="The same file is evidence for two or more different tasks (a known sign of 纸面销号)"
    )


class LinkCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"target_kind": "progress_report", "target_id": "388049409119663637"}]},
    )

    target_kind: TargetKind
    target_id: WideId


class DuplicateFile(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "issue_ids": [3, 8],
                    "attachment_ids": [7, 19],
                }
            ]
        }
    )

    sha256: str
    issue_ids: list[int] = Field(description="The different tasks this same file was filed for")
    attachment_ids: list[int]
