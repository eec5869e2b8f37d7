from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from rectify_shared.notification_prefs import PERSONAL_EVENT_TYPES
from rectify_shared.plain_text import NameText

Mode = Literal["immediate", "digest", "off"]
Channel = Literal["inbox", "email", "sms", "wecom", "dingtalk"]
#: a 企业微信 / 钉钉 userid (账号): letters, digits, _ - . @, up to 64
IM_USERID = r"^[A-Za-z0-9_.@\-]{1,64}$"
LevelName = Literal["warning", "notice", "supervision", "summons"]


class PreferenceItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    event_type: str = Field(
        max_length=60,
        json_schema_extra={"enum": ["*", *PERSONAL_EVENT_TYPES]},
        description='"escalation.issued", "issue.status_changed", or "*" for every kind',
    )
    level: LevelName | None = Field(
        default=None, description="Only for escalation.issued: this rung of the ladder (预警/通报/督办/约谈)"
    )
    channel: Channel
    mode: Mode = Field(description="immediate: each message at once; digest: one message a day; off: not at all")


class PreferencesPut(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "preferences": [
                        {"event_type": "issue.status_changed", "channel": "inbox", "mode": "digest"},
                        {"event_type": "issue.status_changed", "channel": "email", "mode": "digest"},
                        {"event_type": "escalation.issued", "level": "warning", "channel": "inbox", "mode": "off"},
                        {"event_type": "escalation.issued", "channel": "sms", "mode": "immediate"},
                    ]
                }
            ]
        },
    )

    preferences: list[PreferenceItem] = Field(max_length=100, description="The whole set; it replaces the old one")


class PreferencesRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "preferences": [{"event_type": "*", "level": None, "channel": "email", "mode": "digest"}],
                    "defaults": {
                        "inbox": "immediate",
                        "email": "off",
                        "sms": "off",
                        "wecom": "immediate",
                        "dingtalk": "immediate",
                    },
                    "digest_time": "08:30",
                    "email": "zhang@xlgl.example.gov.cn",
                    "phone": "13904790001",
                }
            ]
        }
    )

    preferences: list[PreferenceItem]
    defaults: dict[str, Mode] = Field(description="What applies to a kind and channel with no preference")
    digest_time: str = Field(description="When the daily digest goes out (Asia/Shanghai)")
    email: str | None = Field(description="Where email goes (set it with PATCH /me/contact)")
    phone: str | None = Field(description="Where SMS goes (set it with PATCH /me/contact)")
    updated_at: datetime | None = None


class ContactPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"phone": "13904790001", "email": "zhang@xlgl.example.gov.cn"},
                {"wecom_userid": "ZhangSan", "dingtalk_userid": "manager4220"},
            ]
        },
    )

    display_name: NameText | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^[0-9+\-() ]{3,30}$")
    email: EmailStr | None = None
    wecom_userid: str | None = Field(
        default=None, pattern=IM_USERID, description="企业微信 userid (通讯录账号): app messages go here"
    )
    dingtalk_userid: str | None = Field(
        default=None, pattern=IM_USERID, description="钉钉 userid: work notifications go here"
    )


class ContactRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "display_name": "张某",
                    "phone": "13904790001",
                    "email": "zhang@xlgl.example.gov.cn",
                    "wecom_userid": "ZhangSan",
                    "dingtalk_userid": None,
                }
            ]
        }
    )

    display_name: str | None
    phone: str | None
    email: str | None
    wecom_userid: str | None = None
    dingtalk_userid: str | None = None
