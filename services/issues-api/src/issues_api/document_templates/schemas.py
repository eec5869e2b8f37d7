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


#: the kinds' names as the office says them
KIND_LABELS: dict[str, str] = {
    "closure_notice": "销号公示",
    "closure_form": "销号审批表",
    "petition_notice": "信访件办理情况",
    "progress_report": "整改落实情况报告",
    "escalation_notice": "预警/通报/督办/约谈函",
    "dispatch_summary": "调度情况",
    "petition_table": "信访件办理情况一览表",
    "issue_progress": "具体问题整改进展情况",
    "ledger": "整改台账",
    "indicators": "指标完成情况",
}


class DocumentTemplateState(BaseModel):
    """One kind's template in force for the round or org."""

    kind: str = Field(examples=["closure_notice"])
    label: str = Field(examples=["销号公示"])
    formats: list[Literal["text", "docx"]] = Field(description="The template formats the kind accepts")
    scope: str = Field(description="Where the template in force comes from: round:<id>, org:<id> or default")
    version: int = Field(description="0 for the shipped default")
    format: Literal["text", "docx"]
    filename: str
    created_by: str | None = None
    created_at: datetime | None = None


class TemplatePreview(BaseModel):
    kind: str
    format: Literal["text", "docx"]
    source: str = Field(description="`body`: the template sent; `in_force`: the one in force", examples=["body"])
    scope: str = Field(description="in_force: round:<id>, org:<id> or default; body: the scope it would go to")
    lines: list[str] = Field(
        description="The first lines rendered from the kind's example data (# title, ## heading, | table |, ::block)",
        examples=[["# 关于第二轮中央生态环境保护督察整改任务销号的公示", "根据……"]],
    )
