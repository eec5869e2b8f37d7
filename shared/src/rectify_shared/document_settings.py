"""A round's document settings: how its documents word a task's status and number its 方面 and
measures (`inspection_round.document_settings`, set by `PUT /api/v1/rounds/{id}/document-settings`).

Offices write status in their own words ("已经完成，长期坚持" where Rectify says
"已完成整改，长期坚持"), and number the ledger's 方面 and measures in their own style (一、 or
（一） or 1.). Absent settings keep Rectify's wording, so existing documents do not change.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .document_templates.filters import NUMBERING_STYLES
from .enums import ISSUE_STATUS_TEXT, IssueStatus
from .plain_text import check_name_text

DEFAULT_ASPECT_NUMBERING = "一、"
DEFAULT_MEASURE_NUMBERING = "（一）"


class DocumentSettings(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "status_words": {"completed_long_term": "已经完成，长期坚持", "in_progress": "正在整改"},
                    "aspect_numbering": "（一）",
                    "measure_numbering": "1.",
                }
            ]
        },
    )

    status_words: dict[IssueStatus, str] = Field(
        default_factory=dict,
        description="the office's words for a status (状态表述), by status; a status left out keeps Rectify's word "
        "(未启动 / 正在推进 / 已完成整改 / 已完成整改，长期坚持 / 已销号)",
    )
    aspect_numbering: str = Field(
        default=DEFAULT_ASPECT_NUMBERING,
        description="how the ledger's 方面 headings are numbered: " + " ".join(NUMBERING_STYLES),
    )
    measure_numbering: str = Field(
        default=DEFAULT_MEASURE_NUMBERING,
        description="how measures are numbered in the ledger attachment: " + " ".join(NUMBERING_STYLES),
    )

    @field_validator("status_words")
    @classmethod
    def _words(cls, words: dict[IssueStatus, str]) -> dict[IssueStatus, str]:
        out: dict[IssueStatus, str] = {}
        for status, word in words.items():
            word = check_name_text(word).strip()
            if not word or len(word) > 30 or "\n" in word:
                raise ValueError(
                    f"状态“{status.value}”的表述须为1至30个字的一行文字"
                    f" / the word for {status.value} must be one line of 1 to 30 characters"
                )
            out[status] = word
        return out

    @field_validator("aspect_numbering", "measure_numbering")
    @classmethod
    def _style(cls, style: str) -> str:
        if style not in NUMBERING_STYLES:
            raise ValueError(
                f"编号样式须为 {' '.join(NUMBERING_STYLES)} 之一 / the numbering style must be one of "
                + " ".join(NUMBERING_STYLES)
            )
        return style


def settings_of(stored: dict[str, Any] | None) -> DocumentSettings:
    """The settings a round stored (None or unreadable: the defaults, Rectify's wording)."""
    try:
        return DocumentSettings.model_validate(stored or {})
    except ValueError:
        return DocumentSettings()


def status_words(settings: DocumentSettings) -> dict[str, str]:
    """Every status's word: the office's where it gave one, else Rectify's."""
    return {status.value: settings.status_words.get(status, text) for status, text in ISSUE_STATUS_TEXT.items()}
