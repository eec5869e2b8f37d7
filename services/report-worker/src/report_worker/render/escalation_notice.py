"""The official document of one escalation (预警函 / 通报 / 督办通知 / 约谈通知), in 公文 layout.

The office's template (`rectify_shared.document_templates`, kind `escalation_notice`; the shipped
default is `defaults/escalation_notice.j2`) lays the letter out as blocks (masthead, 文号, title,
主送机关, headings, paragraphs, tables, signature, date, 抄送); Markdown, HTML (for the PDF), Word
and OFD are four ways of drawing the same blocks, so the formats always say the same thing. The
closing — the paragraph before the signature, the signature, the date and the 抄送 — keeps
together in every format. A Word template's own .docx is the Word output.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH

from rectify_shared.escalation_policy import LEVEL_TEXT, Level
from rectify_shared.escalation_states import EscalationState
from rectify_shared.timezone import CHINA_TZ
from rectify_shared.titles import document_title

from ..pdf import html_to_pdf
from ..templating import draw, gongwen_blocks
from . import docx_common, gongwen
from . import word_layout as word
from .gongwen import Block
from .html_common import FIT_CSS, document
from .wording import chinese_date, inspection_title, measure_label

#: what each level's document is called
DOCUMENT_NAME = {
    Level.warning: "预警函",
    Level.notice: "通报",
    Level.supervision: "督办通知",
    Level.summons: "约谈通知",
}
REQUIREMENT = {
    Level.warning: "请你单位高度重视，对照整改方案和时限要求，加快推进整改，确保按期完成。",
    Level.notice: "现予以通报。请你单位认真剖析原因，压实整改责任，立即整改到位。",
    Level.supervision: "现对该事项予以督办。请你单位主要负责同志亲自部署，明确责任人和完成时限，切实推进整改落实。",
    Level.summons: "经研究，决定对你单位有关负责同志进行约谈。请按要求做好约谈准备，如实汇报整改进展和存在问题。",
}
UNDATED = "年　月　日"  # a draft's date line, filled in by hand when it is signed
ISSUED_STATES = frozenset({EscalationState.issued, EscalationState.responded, EscalationState.resolved})


@dataclass(frozen=True)
class EscalationNotice:
    escalation_id: int
    level: Level
    state: str
    doc_no: str | None
    round_name: str
    #: the issuing office: the round's 督察整改办 (it signs the letter)
    office: str
    addressee: str
    reason: str
    #: the day the report was asked for (a draft's documents are stamped with it)
    as_of: date
    issue_seq: int | None = None
    issue_description: str | None = None
    measure_seq: int | None = None
    measure_text: str | None = None
    #: the dispatch round's period ("2024-W50", "2024-12") for a missed report
    dispatch_period: str | None = None
    response_due: date | None = None
    #: the day it was issued, in China; None for a draft
    issued_on: date | None = None
    #: an overdue petition case (信访举报件): its 受理编号 and reported content
    petition_intake_no: str | None = None
    petition_content: str | None = None
    #: the unit's measures folded into the letter: (seq, text)
    measures: tuple[tuple[int | None, str], ...] = ()
    #: 抄送: the problem's 责任领导, "name（title，mobile）"
    cc: str | None = None
    #: what the office cited when issuing (`reference`): printed as the letter's 依据
    reference: str | None = None
    #: a 约谈's meeting (约谈安排)
    summons: "Summons | None" = None
    #: a 督办's requirements (工作要求), numbered in the letter
    requirements: tuple[str, ...] = ()
    #: the office's template in force (`templating.TemplateChoice`; None: the shipped one)
    template: Any = None


@dataclass(frozen=True)
class Summons:
    """约谈安排: `time` is China time."""

    time: datetime
    place: str
    interviewers: tuple[str, ...]
    interviewees: tuple[str, ...]
    agenda: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "Summons | None":
        if not data:
            return None
        return cls(
            time=datetime.fromisoformat(data["time"]).astimezone(CHINA_TZ),
            place=data["place"],
            interviewers=tuple(data.get("interviewers") or ()),
            interviewees=tuple(data.get("interviewees") or ()),
            agenda=tuple(data.get("agenda") or ()),
        )


_WEEKDAYS = "一二三四五六日"


def meeting_time(at: datetime) -> str:
    """2025年1月8日（星期三）上午9时30分; 下午3时, 晚上7时30分 as a notice writes them."""
    hour = at.hour
    part = "上午" if hour < 12 else "下午" if hour < 18 else "晚上"
    clock = hour if hour <= 12 else hour - 12
    minutes = f"{at.minute}分" if at.minute else ""
    return f"{chinese_date(at.date())}（星期{_WEEKDAYS[at.weekday()]}）{part}{clock}时{minutes}"


def cc_line(leader: dict[str, Any] | None) -> str | None:
    """The 抄送 line's person: name, title and mobile of the problem's 责任领导."""
    if not leader or not leader.get("name"):
        return None
    details = "，".join(str(leader[k]) for k in ("title", "mobile", "phone") if leader.get(k))
    return f"{leader['name']}（{details}）" if details else str(leader["name"])


def period_text(period: str) -> str:
    """2024-W50 → 2024年第50周; 2024-12 → 2024年12月."""
    year, _, rest = period.partition("-")
    if rest.startswith("W") and rest[1:].isdigit():
        return f"{year}年第{int(rest[1:])}周"
    if rest.isdigit():
        return f"{year}年{int(rest)}月"
    return period


def task_text(notice: EscalationNotice) -> str:
    if notice.issue_seq is not None:
        return document_title("issue_task", notice.round_name, seq=notice.issue_seq)
    if notice.dispatch_period is not None:
        return f"{period_text(notice.dispatch_period)}调度情况报送"
    if notice.petition_intake_no is not None:
        return f"信访举报件（受理编号{notice.petition_intake_no}）办理"
    return "督察整改工作"


def notice_title(notice: EscalationNotice) -> str:
    return f"关于{task_text(notice)}的{DOCUMENT_NAME[notice.level]}"


def notice_file_name(notice: EscalationNotice, extension: str) -> str:
    label = notice.doc_no or f"{LEVEL_TEXT[notice.level]}{notice.escalation_id}"
    safe = "".join("_" if ch in '/\\:*?"<>|' or ch < " " else ch for ch in f"{notice_title(notice)}（{label}）")
    return f"{safe}.{extension}"


def opening(notice: EscalationNotice) -> str:
    """根据（the `reference` given when issuing and）the office's arrangements, what the letter is about."""
    basis = f"{notice.office}督察整改工作安排"
    if notice.reference:
        basis = f"{notice.reference.strip().rstrip('。')}和{basis}"
    if notice.level == Level.summons:
        return f"根据{basis}，现将约谈你单位有关负责同志的事项通知如下。"
    # the title names the round already: the opening names the task only
    task = f"第{notice.issue_seq}项问题整改" if notice.issue_seq is not None else task_text(notice)
    return f"根据{basis}，现将你单位{task}有关情况函告如下。"


def _sentence(text: str | None) -> str:
    """The office's words without their last full stop (the template adds its own)."""
    return (text or "").strip().rstrip("。")


def _reply(notice: EscalationNotice) -> str:
    if notice.response_due is not None:
        return f"请于{chinese_date(notice.response_due)}前将整改情况书面报送{notice.office}。"
    return f"请及时将整改情况书面报送{notice.office}。"


def _state_mark(state: str) -> str:
    if state == EscalationState.withdrawn:
        return "（已撤回）"
    return "" if state in ISSUED_STATES else "（未签发）"


def notice_context(notice: EscalationNotice) -> dict[str, Any]:
    """The variables of the letter's template (`rectify_shared.document_templates.schema`)."""
    meeting = notice.summons
    measure = None
    if notice.measure_text:
        label = measure_label(notice.measure_seq) if notice.measure_seq is not None else ""
        measure = {"seq": notice.measure_seq, "label": label, "text": notice.measure_text}
    return {
        "title": notice_title(notice),
        "document_name": DOCUMENT_NAME[notice.level],
        "level": notice.level.value,
        "level_text": LEVEL_TEXT[notice.level],
        "state": notice.state,
        "issued": notice.state in ISSUED_STATES,
        "state_mark": _state_mark(notice.state),
        "doc_no": notice.doc_no or "",
        "round_name": notice.round_name,
        "inspection": inspection_title(notice.round_name),
        "office": notice.office,
        "addressee": notice.addressee,
        "reference": _sentence(notice.reference),
        "opening": opening(notice),
        "task": task_text(notice),
        "issue": None
        if notice.issue_seq is None
        else {"seq": notice.issue_seq, "description": notice.issue_description or ""},
        "measure": measure,
        "measures": [
            {"seq": seq, "label": measure_label(seq) if seq is not None else "", "text": text}
            for seq, text in notice.measures
        ],
        "dispatch": None
        if notice.dispatch_period is None
        else {"period": notice.dispatch_period, "period_text": period_text(notice.dispatch_period)},
        "petition": None
        if notice.petition_intake_no is None
        else {"intake_no": notice.petition_intake_no, "content": notice.petition_content or ""},
        "reason": _sentence(notice.reason),
        "requirement": REQUIREMENT[notice.level],
        "requirements": [_sentence(item) for item in notice.requirements],
        "response_due": notice.response_due,
        "reply": _reply(notice),
        "summons": None
        if meeting is None
        else {
            "time": meeting.time,
            "time_text": meeting_time(meeting.time),
            "place": meeting.place,
            "interviewers": list(meeting.interviewers),
            "interviewees": list(meeting.interviewees),
            "agenda": [_sentence(item) for item in meeting.agenda],
        },
        "issued_on": notice.issued_on,
        "date_line": _date_line(notice),
        "as_of": notice.as_of,
        "cc": notice.cc or "",
    }


def _date_line(notice: EscalationNotice) -> str:
    return chinese_date(notice.issued_on) if notice.issued_on else UNDATED


def letter_blocks(notice: EscalationNotice) -> tuple[list[Block], bytes | None]:
    """The letter as the template in force draws it (its 抄送 lines as `copy` blocks), and the
    filled-in .docx when the template is Word's."""
    drawn = draw("escalation_notice", notice.template, notice_context(notice))
    return gongwen_blocks(drawn.pieces), drawn.docx


def blocks(notice: EscalationNotice) -> list[tuple[str, str]]:
    """(kind, text) of the letter up to its date: what the layout and the OFD place."""
    return [(b.kind, b.text) for b in letter_blocks(notice)[0] if b.kind != "copy"]


def copies(notice: EscalationNotice) -> list[str]:
    """What follows the date: the 抄送 line(s)."""
    return [b.text for b in letter_blocks(notice)[0] if b.kind == "copy"]


def letter_title(notice: EscalationNotice, laid_out: list[Block]) -> str:
    return next((b.text for b in laid_out if b.kind == "title"), notice_title(notice))


def _signature_at(laid_out: list[Block]) -> int | None:
    return next((i for i, b in enumerate(laid_out) if b.kind == "signature"), None)


def render_notice_md(notice: EscalationNotice) -> bytes:
    return gongwen.render_md(letter_blocks(notice)[0])


def render_notice_html(notice: EscalationNotice) -> str:
    laid_out = letter_blocks(notice)[0]
    return document(letter_title(notice, laid_out), gongwen.blocks_html(laid_out, lead_in=True))


def render_notice_pdf(notice: EscalationNotice) -> bytes:
    return html_to_pdf(render_notice_html(notice), tighter=FIT_CSS)


def render_notice_ofd(notice: EscalationNotice) -> bytes:
    """OFD (experimental): the same blocks on the 公文 page, the font embedded."""
    laid_out = letter_blocks(notice)[0]
    return gongwen.render_ofd(
        laid_out, title=letter_title(notice, laid_out), author=notice.office, created=notice.issued_on or notice.as_of
    )


def render_notice_docx(notice: EscalationNotice) -> bytes:
    laid_out, filled = letter_blocks(notice)
    if filled is not None:
        return filled  # the office's Word template, filled in
    doc, styles = docx_common.new_document(
        title=letter_title(notice, laid_out), author=notice.office, as_of=notice.issued_on or notice.as_of
    )
    signature = _signature_at(laid_out)
    last = None
    index = 0
    while index < len(laid_out):
        b = laid_out[index]
        if b.kind == "masthead":
            word.masthead(doc, b.text, styles)
        elif b.kind in ("doc_no", "mark"):
            word.centred(doc, b.text, styles)
        elif b.kind == "rule":
            word.red_rule(doc, styles)
        elif b.kind == "title":
            docx_common.add_paragraph(doc, b.text, styles.title)
        elif b.kind == "heading":
            last = docx_common.add_paragraph(doc, b.text, styles.heading_1)
        elif b.kind in ("addressee", "copy"):
            word.unindented(docx_common.add_paragraph(doc, b.text, styles.body))
        elif b.kind == "table":
            word.table(doc, list(b.headers), [list(row) for row in b.rows], styles)
            last = None
        elif b.kind == "signature":
            follows = laid_out[index + 1] if index + 1 < len(laid_out) else None
            dated = follows is not None and follows.kind == "date"
            word.signature(doc, b.text, follows.text if dated and follows else "", styles)
            index += 1 if dated else 0
        elif b.kind == "date":
            word.unindented(docx_common.add_paragraph(doc, b.text, styles.body), WD_ALIGN_PARAGRAPH.RIGHT)
        else:
            last = docx_common.add_paragraph(doc, b.text, styles.body)
        if signature is not None and index + 1 == signature and last is not None:
            # the last paragraph goes with the signature: never a signature page alone
            last.paragraph_format.keep_together = True
            last.paragraph_format.keep_with_next = True
        index += 1
    return docx_common.document_bytes(doc)
