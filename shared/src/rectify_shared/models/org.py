from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from ..data_keys import EncryptedString
from ..enums import OrgKind
from .types import PathString, UTCDateTime, utcnow


class Org(SQLModel, table=True):
    """An organisation in the tree 自治区 → 盟市 → 旗县市区, plus departments and enterprises."""

    __tablename__ = "org"
    __table_args__ = (Index("ix_org_path", "path", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    short_name: str | None = Field(default=None, max_length=100)
    kind: OrgKind = Field(sa_type=String(20))
    parent_id: int | None = Field(default=None, foreign_key="org.id", index=True)
    path: str = Field(sa_type=PathString)
    depth: int = 0
    contact_phone: str | None = Field(default=None, max_length=50)  # landline (座机): printed on documents only
    contact_email: str | None = Field(default=None, sa_type=EncryptedString)  # encrypted at rest (#21)
    mobile: str | None = Field(default=None, sa_type=EncryptedString)  # 手机: where SMS to the org goes
    #: the org's group robots (their URLs carry the key; the DingTalk signing secret): encrypted
    wecom_robot_url: str | None = Field(default=None, sa_type=EncryptedString)
    dingtalk_robot_url: str | None = Field(default=None, sa_type=EncryptedString)
    dingtalk_robot_secret: str | None = Field(default=None, sa_type=EncryptedString)
    sort_order: int = 0  # children list by sort_order, then name
    adcode: str | None = Field(default=None, max_length=12)  # 行政区划代码 (GB/T 2260), e.g. 152500
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def has_wecom_robot(self) -> bool:
        return bool(self.wecom_robot_url)

    @property
    def has_dingtalk_robot(self) -> bool:
        return bool(self.dingtalk_robot_url)
