"""The narrative of a progress report (整改落实情况报告), as the office writes it.

One per round and reporting org: the 盟/市 office writes its own report on a round, and so may
each org under it. The report's opening paragraph (background and figures) is not stored: the
report-worker computes it from the ledger as of the report's day.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from .types import JSONType, UTCDateTime, utcnow


class RoundNarrative(SQLModel, table=True):
    __tablename__ = "round_narrative"

    round_id: int = Field(
        foreign_key="inspection_round.id", primary_key=True, sa_column_kwargs={"autoincrement": False}
    )
    org_id: int = Field(foreign_key="org.id", primary_key=True, sa_column_kwargs={"autoincrement": False})
    #: [{"heading": "一、…", "paragraphs": ["…", "（一）…", …]}, …]; an empty heading is a run of
    #: paragraphs without one (e.g. the closing 下一步 paragraph). Numbering is literal text.
    sections: list[dict[str, Any]] = Field(sa_column=Column(JSONType, nullable=False))
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
