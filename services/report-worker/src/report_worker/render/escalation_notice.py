"""The official document of one escalation (预警函 / 通报 / 督办通知 / 约谈通知), in 公文 layout.

The document is first laid out as a list of blocks (masthead, 文号, title, 主送机关, headings,
paragraphs, signature, date); Markdown, HTML (for the PDF) and Word are three ways of drawing
the same blocks, so the three formats always say the same thing.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from rectify_shared.escalation_policy import LEVEL_TEXT, Level
from rectify_shared.timezone import CHINA_TZ
from rectify_shared.titles import document_title

from ..pdf import html_to_pdf
from . import docx_common
from . import word_layout as word
from .html_common import FIT_CSS, document, escape
from .md_pdf import md_line, md_text
from .ofd import render_ofd
from .wording import chinese_date, measure_label

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
ISSUED_STATES = frozenset({"issued", "responded", "resolved"})

BlockKind = Literal["masthead", "doc_no", "rule", "title", "mark", "addressee", "heading", "para", "signature", "date"]


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


def summons_blocks(notice: EscalationNotice) -> list[tuple["BlockKind", str]]:
    """二、约谈安排 (time, place, who, agenda) and 三、有关要求; a 约谈 ends 特此通知, not 书面报送."""
    out: list[tuple[BlockKind, str]] = []
    meeting = notice.summons
    if meeting is not None:
        out.append(("heading", "二、约谈安排"))
        out.append(("para", f"约谈时间：{meeting_time(meeting.time)}。"))
        out.append(("para", f"约谈地点：{meeting.place}。"))
        out.append(("para", f"约谈人：{'、'.join(meeting.interviewers)}。"))
        out.append(("para", f"被约谈人：{'、'.join(meeting.interviewees)}。"))
        if meeting.agenda:
            out.append(("para", "约谈议程："))
            out += [("para", f"{n}.{item.rstrip('。')}。") for n, item in enumerate(meeting.agenda, 1)]
    out.append(("heading", "三、有关要求" if meeting is not None else "二、有关要求"))
    out.append(("para", REQUIREMENT[Level.summons]))
    if meeting is not None:
        out.append(("para", "请被约谈人准时参加，不得委托他人代为参加。"))
    else:
        out.append(("para", "约谈时间、地点另行通知。"))
    out += [("para", f"{measure_label(n)}{item.rstrip('。')}。") for n, item in enumerate(notice.requirements, 1)]
    out.append(("para", "特此通知。"))
    return out


def cc_line(leader: dict[str, Any] | None) -> str | None:
    """The 抄送 line's person: name, title and mobile of the problem's 责任领导."""
    if not leader or not leader.get("name"):
        return None
    details = "，".join(str(leader[k]) for k in ("title", "mobile", "phone") if leader.get(k))
    return f"{leader['name']}（{details}）" if details else str(leader["name"])


def copies(notice: EscalationNotice) -> list[str]:
    """What follows the date: the 抄送 line."""
    return [f"抄送：{notice.cc}。"] if notice.cc else []


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


def blocks(notice: EscalationNotice) -> list[tuple[BlockKind, str]]:
    out: list[tuple[BlockKind, str]] = [("masthead", notice.office)]
    if notice.doc_no:
        out.append(("doc_no", notice.doc_no))
    out += [("rule", ""), ("title", notice_title(notice))]
    if notice.state == "withdrawn":
        out.append(("mark", "（已撤回）"))
    elif notice.state not in ISSUED_STATES:
        out.append(("mark", "（未签发）"))
    out.append(("addressee", f"{notice.addressee}："))
    out.append(("para", opening(notice)))
    out.append(("heading", "一、约谈事由" if notice.level == Level.summons else "一、存在问题"))
    if notice.issue_seq is not None:
        out.append(("para", f"第{notice.issue_seq}项问题：{notice.issue_description or ''}".rstrip("：")))
        if notice.measure_text:
            label = measure_label(notice.measure_seq) if notice.measure_seq is not None else ""
            out.append(("para", f"整改措施{label}：{notice.measure_text}"))
        for seq, text in notice.measures:
            label = measure_label(seq) if seq is not None else ""
            out.append(("para", f"你单位负责的整改措施{label}：{text}"))
    elif notice.dispatch_period is not None:
        out.append(("para", f"{period_text(notice.dispatch_period)}调度截止时，你单位未报送整改进展情况。"))
    elif notice.petition_intake_no is not None:
        out.append(
            ("para", f"信访举报件（受理编号{notice.petition_intake_no}）：{notice.petition_content or ''}".rstrip("："))
        )
    out.append(("para", f"存在情况：{notice.reason.strip().rstrip('。')}。"))
    if notice.level == Level.summons:
        out += summons_blocks(notice)
        return [*out, ("signature", notice.office), ("date", _date_line(notice))]
    out.append(("heading", "二、工作要求"))
    out.append(("para", REQUIREMENT[notice.level]))
    out += [("para", f"{measure_label(n)}{item.rstrip('。')}。") for n, item in enumerate(notice.requirements, 1)]
    if notice.response_due is not None:
        due = f"请于{chinese_date(notice.response_due)}前将整改情况书面报送{notice.office}。"
    else:
        due = f"请及时将整改情况书面报送{notice.office}。"
    out.append(("para", due))
    out.append(("signature", notice.office))
    out.append(("date", _date_line(notice)))
    return out


def _date_line(notice: EscalationNotice) -> str:
    return chinese_date(notice.issued_on) if notice.issued_on else UNDATED


def render_notice_md(notice: EscalationNotice) -> bytes:
    lines: list[str] = []
    for kind, text in blocks(notice):
        if kind == "rule":
            lines.append("---")
        elif kind == "title":
            lines.append(f"# {md_text(text)}")
        elif kind == "heading":
            lines.append(f"## {md_text(text)}")
        elif kind == "masthead":
            lines.append(f"**{md_text(text)}**")
        else:
            lines.append(md_line(text))
    lines += [md_line(text) for text in copies(notice)]
    return ("\n\n".join(lines) + "\n").encode("utf-8")


def render_notice_html(notice: EscalationNotice) -> str:
    parts: list[str] = []
    laid_out = blocks(notice)
    # the last paragraph, the signature, the date and the 抄送 stay on one page, and the paragraph
    # before them goes along (at least its last lines): page 2 never holds the closing alone
    closing = len(laid_out) - 3
    for index, (kind, text) in enumerate(laid_out):
        if index == closing:
            parts.append('<div class="closing">')
        lead_in = ' class="lead-in"' if index == closing - 1 else ""
        if kind == "rule":
            parts.append('<hr class="red-rule">')
        elif kind == "title":
            parts.append(f"<h1>{escape(text)}</h1>")
        elif kind == "heading":
            parts.append(f"<h2{lead_in}>{escape(text)}</h2>")
        elif kind == "masthead":
            parts.append(f'<p class="masthead">{escape(text)}</p>')
        elif kind == "para":
            parts.append(f"<p{lead_in}>{escape(text)}</p>")
        else:
            parts.append(f'<p class="{kind.replace("_", "-")}">{escape(text)}</p>')
    parts += [f'<p class="cc">{escape(text)}</p>' for text in copies(notice)]
    parts.append("</div>")
    return document(notice_title(notice), "\n".join(parts))


def render_notice_pdf(notice: EscalationNotice) -> bytes:
    return html_to_pdf(render_notice_html(notice), tighter=FIT_CSS)


def render_notice_ofd(notice: EscalationNotice) -> bytes:
    """OFD (experimental): the same blocks on the 公文 page, the font embedded."""
    cc = copies(notice)
    laid_out = [*blocks(notice), *(("copy", text) for text in cc)]
    return render_ofd(
        laid_out,
        title=notice_title(notice),
        author=notice.office,
        created=notice.issued_on or notice.as_of,
        closing=3 + len(cc),
    )


def render_notice_docx(notice: EscalationNotice) -> bytes:
    doc, styles = docx_common.new_document(
        title=notice_title(notice), author=notice.office, as_of=notice.issued_on or notice.as_of
    )
    laid_out = blocks(notice)
    last = None
    for kind, text in laid_out[:-2]:
        if kind == "masthead":
            word.masthead(doc, text, styles)
        elif kind in ("doc_no", "mark"):
            word.centred(doc, text, styles)
        elif kind == "rule":
            word.red_rule(doc, styles)
        elif kind == "title":
            docx_common.add_paragraph(doc, text, styles.title)
        elif kind == "heading":
            docx_common.add_paragraph(doc, text, styles.heading_1)
        elif kind == "addressee":
            word.unindented(docx_common.add_paragraph(doc, text, styles.body))
        else:
            last = docx_common.add_paragraph(doc, text, styles.body)
    if last is not None:  # the last paragraph goes with the signature: never a signature page alone
        last.paragraph_format.keep_together = True
        last.paragraph_format.keep_with_next = True
    (_, office), (_, day) = laid_out[-2:]
    word.signature(doc, office, day, styles)
    for text in copies(notice):
        word.unindented(docx_common.add_paragraph(doc, text, styles.body))
    return docx_common.document_bytes(doc)
