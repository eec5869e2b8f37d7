from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

#: the document kinds rendered from a template (`rectify_shared.document_templates.TEMPLATE_KINDS`)
DocumentKind = Literal[
    "closure_notice",
    "closure_form",
    "petition_notice",
    "petition_table",
    "progress_report",
    "issue_progress",
    "ledger",
    "indicators",
    "escalation_notice",
    "dispatch_summary",
]


class DocumentTemplateRead(BaseModel):
    kind: str = Field(examples=["closure_notice"])
    scope: str = Field(description="round:<id> or org:<id>", examples=["round:1"])
    round_id: int | None = None
    org_id: int | None = None
    version: int = Field(description="1, 2, … per kind and scope; the newest is in force", examples=[2])
    format: Literal["text", "docx"]
    filename: str = Field(examples=["销号公示.j2"])
    sha256: str
    size_bytes: int
    created_by: str
    created_at: datetime
    preview: list[str] = Field(
        description="The first lines the template renders from the kind's example data (the preview render)",
        examples=[["# 关于第二轮中央生态环境保护督察整改任务销号的公示", "根据……"]],
    )


class TemplateVariable(BaseModel):
    name: str = Field(examples=["issue.seq"])
    type: str = Field(examples=["int"])
    description: str = Field(examples=["整改任务序号（整数，可用 cn 过滤器写作“序号十”）"])
    example: Any = Field(examples=[10])


class TemplateFilter(BaseModel):
    name: str = Field(examples=["cn"])
    description: str = Field(examples=["中文数字：{{ 17 | cn }} → 十七"])


class TemplateSchema(BaseModel):
    kind: str
    variables: list[TemplateVariable]
    filters: list[TemplateFilter]
    blocks: list[str] = Field(
        description="The block kinds a text template may write as `::kind text`, beside # title, "
        "## heading, ### subheading, | table | rows and paragraphs",
        examples=[["signature", "date", "mark"]],
    )
    formats: list[Literal["text", "docx"]] = Field(description="The template formats the kind accepts")
