from datetime import datetime

from pydantic import BaseModel, Field


class InboxItem(BaseModel):
    id: str = Field(description="A 63-bit id, as a string for JavaScript clients")
    created_at: datetime
    event_type: str
    title: str
    body: str
    link: str | None
    read: bool
