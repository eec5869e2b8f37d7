from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from rectify_shared.plain_text import NameText

from ..auth.principal import Role
from ..core.strict import JsonBool, JsonInt

#: a 企业微信 / 钉钉 userid (账号): letters, digits, _ - . @, up to 64
IM_USERID = r"^[A-Za-z0-9_.@\-]{1,64}$"


class UserCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "username": "xlhts_op",
                    "password": "change-me-2024",
                    "org_id": 13,
                    "role": "unit_operator",
                    "display_name": "锡林浩特市整改联络员",
                }
            ]
        },
    )

    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    password: str = Field(min_length=8, max_length=200)
    org_id: int
    role: Role
    display_name: NameText | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^[0-9+\-() ]{3,30}$")
    email: EmailStr | None = None
    wecom_userid: str | None = Field(default=None, pattern=IM_USERID, description="企业微信 userid")
    dingtalk_userid: str | None = Field(default=None, pattern=IM_USERID, description="钉钉 userid")
    employee_no: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="工号 (single sign-on may match it)",
    )
    password_login: bool | None = Field(
        default=None, description="false = this person signs in only through single sign-on"
    )


class UserPatch(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"disabled": True},
                {"role": "leader"},
                {"org_id": 13, "role": "unit_operator"},
                {"wecom_userid": "ZhangSan", "dingtalk_userid": "manager4220"},
                {"employee_no": "E1024", "password_login": False},
            ]
        },
    )

    disabled: JsonBool | None = None
    role: Role | None = None
    org_id: JsonInt | None = Field(
        default=None, ge=1, description="Move the account to another org in your scope (its sessions end)"
    )
    display_name: NameText | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=30, pattern=r"^[0-9+\-() ]{3,30}$")
    email: EmailStr | None = None
    wecom_userid: str | None = Field(default=None, pattern=IM_USERID, description="企业微信 userid")
    dingtalk_userid: str | None = Field(default=None, pattern=IM_USERID, description="钉钉 userid")
    employee_no: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.\-]+$",
        description="工号 (single sign-on may match it)",
    )
    password_login: bool | None = Field(
        default=None, description="false = this person signs in only through single sign-on"
    )


class PasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"new_password": "temporary-2024"}]})

    new_password: str = Field(min_length=8, max_length=200)


class UserRead(BaseModel):
    id: int
    username: str
    display_name: str | None
    org_id: int
    role: Role
    phone: str | None
    email: str | None
    wecom_userid: str | None = None
    dingtalk_userid: str | None = None
    employee_no: str | None = None
    password_login: bool = True
    disabled: bool
    created_at: datetime
    updated_at: datetime


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "自治区督察整改系统", "org_id": 1, "role": "integration"}]},
    )

    name: NameText = Field(min_length=1, max_length=100)
    org_id: int | None = Field(default=None, description="Default: the caller's org")
    role: Literal[Role.integration, Role.leader] = Field(
        Role.integration, description="integration, or leader for a read-only key / 集成或只读"
    )
    expires_at: datetime | None = None


class ApiKeyRead(BaseModel):
    id: int
    key_id: str
    name: str
    org_id: int
    role: Role
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    secret: str = Field(description="The whole key, `rk_…`. Shown once; store it now.", examples=["rk_3f9a…_Qm9v…"])
