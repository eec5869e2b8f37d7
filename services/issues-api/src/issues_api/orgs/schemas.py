from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from rectify_shared.enums import OrgKind
from rectify_shared.plain_text import NameText

from ..core.strict import JsonInt

#: a mainland mobile number: where SMS goes (a landline stays `contact_phone`, printed on documents)
MOBILE = r"^1[3-9]\d{9}$"
#: 行政区划代码: 6 digits (county and above), 9 (township) or 12 (village)
ADCODE = r"^\d{6}(\d{3}|\d{6})?$"


class OrgCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "锡林浩特市",
                    "kind": "county",
                    "parent_id": 2,
                    "contact_phone": "0479-8200101",
                    "contact_email": "xlhts@example.gov.cn",
                }
            ]
        },
    )

    name: NameText = Field(min_length=1, max_length=200)
    short_name: NameText | None = Field(default=None, max_length=100)
    kind: OrgKind
    parent_id: int | None = None
    contact_phone: str | None = Field(default=None, max_length=50, pattern=r"^[0-9+\-() ]{3,50}$")
    contact_email: EmailStr | None = None
    mobile: str | None = Field(default=None, pattern=MOBILE, description="手机: where SMS to the org goes")
    sort_order: JsonInt = Field(0, ge=0, le=1_000_000)
    adcode: str | None = Field(default=None, pattern=ADCODE)


class OrgPatch(BaseModel):
    """Only the fields sent change; `null` clears an optional one. `parent_id` moves the org (and
    its whole subtree) under another parent: the office must administer both."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"mobile": "13904790303", "contact_phone": "0479-8200303", "sort_order": 4},
                {"parent_id": 2},
                {
                    "wecom_robot_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
                    "dingtalk_robot_url": "https://oapi.dingtalk.com/robot/send?access_token=c0ffee…",
                    "dingtalk_robot_secret": "SEC0123456789abcdef0123456789abcdef",
                },
            ]
        },
    )

    # may be left out, never null (the document says string, not nullable)
    name: str = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    short_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(
        default=None, max_length=50, pattern=r"^[0-9+\-() ]{3,50}$", description="座机: printed on documents only"
    )
    contact_email: EmailStr | None = None
    mobile: str | None = Field(default=None, pattern=MOBILE, description="手机 (1[3-9] and 9 digits): SMS goes here")
    sort_order: JsonInt = Field(default=None, ge=0, le=1_000_000)  # type: ignore[assignment]  # never null
    adcode: str | None = Field(default=None, pattern=ADCODE, description="行政区划代码 (GB/T 2260): 6, 9 or 12 digits")
    parent_id: int | None = None
    wecom_robot_url: str | None = Field(
        default=None, max_length=500,
        description="企业微信群机器人 webhook URL (…/cgi-bin/webhook/send?key=…); write-only, kept encrypted",
    )  # fmt: skip
    dingtalk_robot_url: str | None = Field(
        default=None, max_length=500,
        description="钉钉自定义机器人 URL (…/robot/send?access_token=…); write-only, kept encrypted",
    )  # fmt: skip
    dingtalk_robot_secret: str | None = Field(
        default=None, pattern=r"^SEC[0-9A-Za-z]{16,200}$",
        description="The DingTalk robot's 加签 secret (SEC…); write-only, kept encrypted",
    )  # fmt: skip


class OrgMove(BaseModel):
    """Where an org goes: under `parent_id` (its own parent to reorder only), as child number
    `position` (0 first; past the end: last). The siblings are renumbered 10, 20, 30 …"""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"parent_id": 2, "position": 0}]})

    parent_id: JsonInt = Field(ge=1, description="The new (or the same) parent org")
    position: JsonInt = Field(ge=0, le=10_000, description="Index among the parent's children, 0 first")


class OrgRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    short_name: str | None
    kind: OrgKind
    parent_id: int | None
    path: str = Field(examples=["/1/2/13/"], description="Materialised path of ids, root first")
    depth: int
    contact_phone: str | None
    contact_email: str | None
    mobile: str | None
    sort_order: int
    adcode: str | None
    wecom_robot: bool = Field(
        False, validation_alias="has_wecom_robot", description="A 企业微信 group robot is set (its URL is not shown)"
    )
    dingtalk_robot: bool = Field(
        False,
        validation_alias="has_dingtalk_robot",
        description="A 钉钉 robot is set (its URL and secret are not shown)",
    )
    created_at: datetime
    updated_at: datetime


class OrgNode(BaseModel):
    id: int
    name: str
    short_name: str | None
    kind: OrgKind
    children: list["OrgNode"] = []


class OrgRef(BaseModel):
    id: int
    name: str
