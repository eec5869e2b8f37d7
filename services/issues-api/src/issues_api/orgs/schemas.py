from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from rectify_shared.enums import OrgKind
from rectify_shared.plain_text import NameText


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
