"""佐证材料: evidence files, stored content-addressed (SHA-256) and linked to what they prove."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, String
from sqlmodel import Field, SQLModel

from .types import PathString, UTCDateTime, utcnow


class Attachment(SQLModel, table=True):
    """One upload. The bytes live in the storage under their SHA-256, once however often uploaded."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_sha256", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(sa_type=String(64))
    size: int
    #: the type sniffed from the content ("pdf", "jpeg", "png", "docx", "xlsx", "ofd")
    file_type: str = Field(sa_type=String(10))
    media_type: str = Field(max_length=100)
    filename: str = Field(max_length=255)
    org_id: int = Field(foreign_key="org.id")
    org_path: str = Field(sa_type=PathString, index=True)
    uploaded_by: str = Field(max_length=100)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AttachmentLink(SQLModel, table=True):
    """What an attachment is evidence for: a progress report, a closure, later a petition case.

    `issue_id` is the task the target belongs to (null for targets without one), so the same
    file filed as evidence for two different tasks can be found with one query.
    """

    __tablename__ = "attachment_link"
    __table_args__ = (
        Index("ix_attachment_link_target", "target_kind", "target_id"),
        Index("ix_attachment_link_issue", "issue_id"),
    )

    attachment_id: int = Field(foreign_key="attachment.id", primary_key=True)
    target_kind: str = Field(sa_type=String(30), primary_key=True)
    #: progress reports have 63-bit ids
    target_id: int = Field(sa_type=BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    issue_id: int | None = Field(default=None, foreign_key="issue.id")
    linked_by: str = Field(max_length=100)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
