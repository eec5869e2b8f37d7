from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_SECTIONS = 50
MAX_PARAGRAPHS = 100
MAX_PARAGRAPH_CHARS = 5000


def _one_line(text: str) -> str:
    text = text.strip()
    if "\n" in text or "\r" in text:
        raise ValueError("one paragraph per item: no line breaks / 每项一个段落，不能含换行")
    return text


def _not_blank(text: str) -> str:
    if not text:
        raise ValueError("a paragraph may not be blank / 段落不能为空")
    return text


#: one line once trimmed (the document's pattern says what `_one_line` and `_not_blank` check)
ONE_LINE, NOT_BLANK_LINE = r"^\s*[^\r\n]*\s*$", r"^\s*[^\r\n]*\S[^\r\n]*\s*$"
Heading = Annotated[str, Field(max_length=200, pattern=ONE_LINE), AfterValidator(_one_line)]
Paragraph = Annotated[
    str,
    Field(max_length=MAX_PARAGRAPH_CHARS, pattern=NOT_BLANK_LINE),
    AfterValidator(_one_line),
    AfterValidator(_not_blank),
]


class NarrativeSection(BaseModel):
    """A heading as printed, numbering included ("一、…"), and its paragraphs; an empty heading
    prints the paragraphs alone (e.g. the closing 下一步 paragraph)."""

    model_config = ConfigDict(extra="forbid")

    heading: Heading = ""
    paragraphs: list[Paragraph] = Field(default_factory=list, max_length=MAX_PARAGRAPHS)

    @model_validator(mode="after")
    def _not_empty(self) -> "NarrativeSection":
        if not self.heading and not self.paragraphs:
            raise ValueError("a section needs a heading or paragraphs / 章节须有标题或段落")
        return self


_EXAMPLE: dict[str, Any] = {
    "sections": [
        {
            "heading": "一、坚决扛起政治责任，切实提高抓整改的政治自觉、思想自觉、行动自觉",
            "paragraphs": [
                "盟委、行署坚持把中央环保督察反馈意见转化为改进工作的思想自觉……",
                "（一）加强组织领导，确保中央环保督察反馈问题整改工作扎实开展",
                "盟中央（自治区）生态环境保护督察反馈意见整改落实工作领导小组负责……",
            ],
        },
        {"heading": "", "paragraphs": ["下一步，锡林郭勒盟将深入贯彻习近平生态文明思想……"]},
    ]
}


class NarrativeWrite(BaseModel):
    """The narrative sections of the org's progress report on the round, replacing what was there.

    The title and the opening paragraph (background and figures as of the report's day) are
    computed by the report, not written here."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [_EXAMPLE]})

    sections: list[NarrativeSection] = Field(max_length=MAX_SECTIONS)


class NarrativeRead(BaseModel):
    round_id: int
    org_id: int
    sections: list[NarrativeSection]
    updated_by: str | None = Field(description="None until a narrative is written")
    updated_at: datetime | None
    filled_sections: list[NarrativeSection] | None = Field(
        default=None,
        description="With `filled=true`: the sections with their {{指标:…}} placeholders filled in as the report "
        "prints them today (an unknown indicator or one without values: a visible 〔…〕 note)",
    )
