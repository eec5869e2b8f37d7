from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel

from .types import JSONType, PathString, UTCDateTime, utcnow


class ImportJob(SQLModel, table=True):
    """An office's file brought into a round: parsed and previewed, then applied all at once.

    `rows` is the neutral reading of the file (what apply writes); `preview` what the office saw.
    The file's SHA-256 is the evidence kept with the one audited act of applying it."""

    __tablename__ = "import_job"
    __table_args__ = (Index("ix_import_job_round_sha", "round_id", "sha256"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="inspection_round.id", index=True)
    org_path: str = Field(sa_type=PathString)
    filename: str = Field(max_length=255)
    kind: str = Field(sa_type=String(10))  # "xlsx" | "docx"
    sha256: str = Field(sa_type=String(64))
    size_bytes: int
    #: "previewed" | "rejected" (per-cell errors) | "applied"
    state: str = Field(sa_type=String(20))
    options: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    rows: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONType))
    preview: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    errors: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSONType))
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    applied_by: str | None = Field(default=None, max_length=100)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
