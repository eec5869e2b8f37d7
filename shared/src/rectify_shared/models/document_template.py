"""An office's own template for a document kind (销号公示, 信访件办理情况, 整改落实情况报告…).

Versioned: each upload is a new row, never an update; the newest version of a scope is in force.
A template belongs to a round (`round_id`) or to an org (`org_id`, for every round it reports
on); when rendering, the round's wins, then the nearest org up the report's org path, then the
shipped default (`rectify_shared.document_templates`). issues-api writes it; the report-worker reads.
"""

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, String
from sqlmodel import Field, SQLModel

from .types import PathString, UTCDateTime, utcnow


class DocumentTemplate(SQLModel, table=True):
    __tablename__ = "document_template"
    __table_args__ = (Index("ix_document_template_scope", "kind", "scope", "version", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    #: "round:<id>" or "org:<id>": one version sequence per kind and scope
    scope: str = Field(max_length=40)
    round_id: int | None = Field(default=None, foreign_key="inspection_round.id")
    org_id: int | None = Field(default=None, foreign_key="org.id")
    #: the owner's path (the round's office for a round's template): who may read and replace it
    org_path: str = Field(sa_type=PathString)
    version: int
    #: "text" (Jinja block lines) or "docx" (Word with Jinja inside, docxtpl)
    format: str = Field(sa_type=String(10))
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    filename: str = Field(max_length=255)
    sha256: str = Field(max_length=64)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
