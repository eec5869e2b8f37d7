from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class DeliveryRead(BaseModel):
    id: str
    created_at: datetime
    event_id: str
    event_type: str
    channel: Literal["email", "sms", "webhook", "inbox", "wecom", "dingtalk", "wecom_bot", "ding_bot"]
    recipient: str
    address: str
    subject: str | None
    state: str
    priority: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    provider_message_id: str | None
    sent_at: datetime | None
    delivered_at: datetime | None = Field(description="When the handset got it (from the provider's receipt)")
    receipt_status: Literal["delivered", "undelivered"] | None = Field(
        default=None, description="The SMS provider's delivery receipt, once it reported"
    )
    receipt_error: str | None = Field(default=None, description="Why the handset never got it (provider's code)")
    digest_id: str | None = Field(default=None, description="The daily digest that carried this message")
