from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rectify_shared.enums import OrgKind

_PREVIEW_EXAMPLE: dict[str, Any] = {
    "counts": {"create": 11, "update": 1, "unchanged": 0},
    "measures": 40,
    "rows": [
        {
            "seq": 3,
            "sheet": "整改台账",
            "row": 14,
            "action": "update",
            "category": "贯彻落实习近平生态文明思想还不到位方面",
            "description": "不仅矿山开采侵占草原问题突出……",
            "status": "in_progress",
            "deadline": {
                "text": "2025年12月底前",
                "deadline": "2025-12-31",
                "precision": "month",
                "long_term": False,
                "rule": None,
            },
            "completed_on": None,
            "measures": 4,
            "progress": 0,
            "orgs": [
                {
                    "role": "lead",
                    "text": "盟自然资源局",
                    "org": {"id": 7, "name": "锡林郭勒盟自然资源局"},
                    "how": "short_name",
                }
            ],
            "changes": [{"field": "deadline", "old": "2025-06-30", "new": "2025-12-31"}],
            "measure_changes": [],
        }
    ],
    "unknown_orgs": [
        {
            "text": "盟生太环境局",
            "rows": [5],
            "how": "unknown",
            "suggestions": [{"id": 6, "name": "锡林郭勒盟生态环境局"}],
        }
    ],
    "document": None,
}


class ImportJobRead(BaseModel):
    """An import job: the file read and previewed against the round; `state` previewed → applied."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 4,
                    "round_id": 1,
                    "filename": "整改台账.xlsx",
                    "kind": "xlsx",
                    "sha256": "9f2c…",
                    "size_bytes": 48211,
                    "state": "previewed",
                    "preview": _PREVIEW_EXAMPLE,
                    "result": None,
                    "created_by": "admin",
                    "created_at": "2026-12-07T01:30:00Z",
                    "applied_by": None,
                    "applied_at": None,
                }
            ]
        },
    )

    id: int
    round_id: int
    filename: str
    kind: str = Field(description="xlsx | docx")
    sha256: str = Field(description="the file's SHA-256, kept as evidence with the audited act")
    size_bytes: int
    state: str = Field(description="previewed | applied")
    preview: dict[str, Any] | None = Field(
        description="per row: action (create/update/unchanged), changes, orgs matched, deadline read; "
        "unknown_orgs with suggestions; the document's header (.docx)"
    )
    result: dict[str, Any] | None = Field(description="after apply: created, updated, unchanged, issue_ids")
    created_by: str
    created_at: datetime
    applied_by: str | None
    applied_at: datetime | None


class NewOrg(BaseModel):
    """A unit the file names that the tree lacks, created on apply (in the same transaction)."""

    model_config = ConfigDict(extra="forbid")

    parent_id: int = Field(description="the org it is created under (in your scope)")
    kind: OrgKind = OrgKind.department


class ApplyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"org_mapping": {"盟生太环境局": 6}},
                {"org_mapping": {"盟生太环境局": 6}, "create_orgs": {"锡林郭勒盟草原监督管理局": {"parent_id": 2}}},
            ]
        },
    )

    org_mapping: dict[str, int] = Field(
        default_factory=dict,
        description="unit text as written in the file → org id, for every unit the preview lists as unknown",
    )
    create_orgs: dict[str, NewOrg] = Field(
        default_factory=dict,
        description="units the preview lists as unknown that the office creates instead (named as written)",
    )
