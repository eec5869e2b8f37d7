from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class PublicContact(BaseModel):
    label: str = Field(examples=["联系电话"])
    value: str = Field(examples=["0479-8888888"])


class PublicNotice(BaseModel):
    """公示 as the public reads it: no objector's data, no internal opinions."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1,
                    "title": "关于第二轮中央生态环境保护督察整改任务销号的公示",
                    "round_name": "第二轮中央生态环境保护督察",
                    "issue_seq": 5,
                    "display_no": None,
                    "task_number": "第5项",
                    "description": "锡林浩特市生活垃圾填埋场渗滤液处理不到位。",
                    "goal": "渗滤液全部收集处理，达标排放。",
                    "lead_org": "锡林浩特市",
                    "responsible_orgs": ["锡林浩特市"],
                    "statement": "已完成全部整改措施。",
                    "start": "2024-12-02",
                    "end": "2024-12-13",
                    "days": 10,
                    "day_kind": "working",
                    "period_text": "公示期为2024年12月2日至2024年12月13日",
                    "days_text": "（10个工作日）",
                    "medium": "锡林郭勒盟行政公署网站",
                    "contact": "盟督察整改办 0479-8888888",
                    "contacts": [{"label": "联系电话", "value": "0479-8888888"}],
                    "issuer": "锡林郭勒盟生态环境保护督察整改工作领导小组办公室",
                    "how_to_object": "公示期间，如有异议，请以实名方式提出，并留下联系方式。",
                }
            ]
        }
    )

    id: int
    title: str
    round_name: str
    issue_seq: int
    display_no: str | None = Field(None, description="the task's number as the office writes it (序号十, 3-1)")
    task_number: str = Field("", description="the task as the notice numbers it: 第5项, or the office's 序号十")
    description: str
    goal: str | None
    lead_org: str
    responsible_orgs: list[str]
    statement: str = Field(description="完成情况")
    start: date
    end: date
    days: int
    day_kind: str
    period_text: str = Field(description="公示期为YYYY年M月D日至YYYY年M月D日")
    days_text: str = Field(
        "", description="the period's length as the office shows it: （10个工作日）, （14日） or empty"
    )
    medium: str
    contact: str
    contacts: list[PublicContact] = Field(default_factory=list, description="labelled contact lines")
    issuer: str = Field(description="the org issuing the notice (发布单位)")
    how_to_object: str


class ObjectionReceipt(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"objection_id": 3, "notice_id": 1, "message": "异议已收到", "message_en": "…"}]
        }
    )

    objection_id: int
    notice_id: int
    message: str
    message_en: str
