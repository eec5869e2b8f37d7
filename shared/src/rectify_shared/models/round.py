from datetime import date, datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from .types import JSONType, PathString, UTCDateTime, utcnow


class InspectionRound(SQLModel, table=True):
    """督察轮次: one inspection's findings, kept as a ledger by an office (`org_id`)."""

    __tablename__ = "inspection_round"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    inspection_team: str = Field(max_length=200)
    stay_start: date | None = None
    stay_end: date | None = None
    feedback_date: date | None = None
    target_region: str = Field(max_length=200)
    org_id: int = Field(foreign_key="org.id", index=True)
    org_path: str = Field(sa_type=PathString, index=True)
    # 督察整改办: issues the round's letters and signs its documents (an org under `org_id`);
    # null only on rows written by code older than migration 20261206_01
    office_org_id: int | None = Field(default=None, foreign_key="org.id", index=True)
    #: a unit declaring a measure completed must have linked evidence (佐证材料) to it or its issue
    completion_requires_attachment: bool = False
    #: a unit that reads a problem only for a measure it answers for sees that measure's progress
    #: reports and evidence, not the other measures' (issue 18: "not the other measures' evidence")
    measure_evidence_private: bool = False
    #: the 整改方案 the round's tasks come from, as its own header says (set by an imported .docx):
    #: {"doc_no": "锡党发〔2022〕15号", "issuers": [...], "issued_on": "2022-11-01", "title": ..., "sha256": ...}
    plan_document: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    #: how the round's documents word things: {"status_words": {status: word}, "aspect_numbering": "1."}
    document_settings: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
