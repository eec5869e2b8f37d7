"""The daily 边督边改 notice on petition cases: the day's batch and the running totals, worded as
the offices publish them. Markdown (and so the PDF) and Word say the same sentences.
"""

from decimal import Decimal
from typing import Any

from rectify_shared.enums import MoneyUnit, PetitionState
from rectify_shared.petition_stats import ACCOUNTABILITY_COUNTS, PetitionFigures
from rectify_shared.titles import document_title

from ..petition_data import BatchFigures, PetitionNotice, team_word
from ..templating import Drawn, draw, first_text, gongwen_blocks
from . import gongwen
from .md_pdf import pdf_from_markdown
from .wording import inspection_title


def money(yuan: int, unit: MoneyUnit) -> str:
    """1830000 → 1830000元 or 183万元; 万元 keeps every yuan (12345 → 1.2345万元)."""
    if unit == MoneyUnit.yuan:
        return f"{yuan}元"
    wan = Decimal(yuan) / Decimal(10000)
    text = f"{wan:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}万元"


def month_day(notice: PetitionNotice) -> str:
    return f"{notice.as_of.month}月{notice.as_of.day}日"


def _penalties(f: PetitionFigures, unit: MoneyUnit) -> str:
    acc = f.accountability
    return (
        f"责令整改{acc['ordered_rectification']}家、立案处罚{acc['penalty_cases']}家、"
        f"罚款{money(acc['fine_yuan'], unit)}"
    )


def batch_sentence(notice: PetitionNotice, batch: BatchFigures) -> str:
    """…已对中央督察组交办的第N批X件信访举报件进行调查处理，其中，已办结a件、阶段性办结b件（、未办结c件）。"""
    f = batch.figures
    team = team_word(notice.header.inspection_team)
    if not f.total:
        return (
            f"{month_day(notice)}，{team}交办的第{batch.batch_no}批信访举报件中无{notice.header.org_name}的信访举报件。"
        )
    states = [f"已办结{f.by_state[PetitionState.closed]}件", f"阶段性办结{f.by_state[PetitionState.closed_in_stage]}件"]
    if f.by_state[PetitionState.in_progress]:
        states.append(f"未办结{f.by_state[PetitionState.in_progress]}件")
    text = (
        f"{month_day(notice)}，{notice.header.area}已对{team}交办的"
        f"第{batch.batch_no}批{f.total}件信访举报件进行调查处理，其中，{'、'.join(states)}"
    )
    acc = f.accountability
    if acc["ordered_rectification"] or acc["penalty_cases"] or acc["fine_yuan"]:
        text += f"；{_penalties(f, notice.money_unit)}"
    return text + "。"


def batch_range(f: PetitionFigures) -> str:
    if not f.batch_nos:
        return "第0批"
    first, last = f.batch_nos[0], f.batch_nos[-1]
    return f"第{first}批" if first == last else f"第{first}-{last}批"


def cumulative_sentence(notice: PetitionNotice) -> str:
    """截至M月D日，全市已对第A-B批N件信访举报件进行调查处理，其中，已办结a件、阶段性办结b件、未办结c件，
    责令整改d家、立案处罚e家、罚款f元。"""
    f = notice.cumulative
    return (
        f"截至{month_day(notice)}，{notice.header.area}已对{batch_range(f)}{f.total}件信访举报件进行调查处理，其中，"
        f"已办结{f.by_state[PetitionState.closed]}件、阶段性办结{f.by_state[PetitionState.closed_in_stage]}件、"
        f"未办结{f.by_state[PetitionState.in_progress]}件，{_penalties(f, notice.money_unit)}。"
    )


def notice_title(notice: PetitionNotice) -> str:
    return document_title("petition_notice", notice.header.round_name, org=notice.header.org_name)


def subtitle(notice: PetitionNotice) -> str:
    return f"（第{notice.batch.batch_no}批）" if notice.batch is not None else ""


def paragraphs(notice: PetitionNotice) -> list[str]:
    out = [batch_sentence(notice, notice.batch)] if notice.batch is not None else []
    if notice.cumulative.total:
        out.append(cumulative_sentence(notice))
    else:
        out.append(no_cases_sentence(notice))
    return out


def no_cases_sentence(notice: PetitionNotice) -> str:
    team = team_word(notice.header.inspection_team)
    return f"截至{month_day(notice)}，{team}尚未向{notice.header.area}交办信访举报件。"


def notice_file_name(notice: PetitionNotice, extension: str) -> str:
    title = notice_title(notice) + subtitle(notice)
    safe = "".join("_" if ch in '/\\:*?"<>|' or ch < " " else ch for ch in title).strip() or "报告"
    return f"{safe}（{notice.as_of.isoformat()}）.{extension}"


def _figures(f: PetitionFigures, unit: MoneyUnit) -> dict[str, Any]:
    acc = f.accountability
    return {
        "total": f.total,
        "closed": f.by_state[PetitionState.closed],
        "closed_in_stage": f.by_state[PetitionState.closed_in_stage],
        "in_progress": f.by_state[PetitionState.in_progress],
        "fine": money(acc["fine_yuan"], unit),
        **{key: acc[key] for key in ACCOUNTABILITY_COUNTS},
    }


def notice_context(notice: PetitionNotice) -> dict[str, Any]:
    """The variables of the notice's template (`rectify_shared.document_templates.schema`)."""
    header, batch = notice.header, notice.batch
    return {
        "title": notice_title(notice),
        "round_name": header.round_name,
        "inspection": inspection_title(header.round_name),
        "team": team_word(header.inspection_team),
        "office": header.office,
        "org_name": header.org_name,
        "area": header.area,
        "as_of": notice.as_of,
        "month_day": month_day(notice),
        "batch": None
        if batch is None
        else {
            "no": batch.batch_no,
            "transferred_on": batch.transferred_at,
            **_figures(batch.figures, notice.money_unit),
        },
        "published_late": [{"batch_no": no, "cases": n} for no, n in notice.published_late],
        "cumulative": {
            "batch_range": batch_range(notice.cumulative),
            "batches": notice.cumulative.batches,
            **_figures(notice.cumulative, notice.money_unit),
        },
    }


def notice_drawn(notice: PetitionNotice) -> Drawn:
    return draw("petition_notice", notice.template, notice_context(notice))


def render_notice_md(notice: PetitionNotice) -> bytes:
    return gongwen.render_md(gongwen_blocks(notice_drawn(notice).pieces))


def render_notice_pdf(notice: PetitionNotice) -> bytes:
    return pdf_from_markdown(render_notice_md(notice))


def render_notice_ofd(notice: PetitionNotice) -> bytes:
    """OFD (experimental): the template's blocks on the 公文 page, the font embedded."""
    blocks = gongwen_blocks(notice_drawn(notice).pieces)
    title = next((b.text for b in blocks if b.kind == "title"), notice_title(notice))
    return gongwen.render_ofd(blocks, title=title, author=notice.header.office, created=notice.as_of)


def render_notice_docx(notice: PetitionNotice) -> bytes:
    drawn = notice_drawn(notice)
    if drawn.docx is not None:
        return drawn.docx  # the office's Word template, filled in
    blocks = gongwen_blocks(drawn.pieces)
    title = first_text(drawn.pieces, "title", notice_title(notice))
    return gongwen.render_docx(blocks, title=title, author=notice.header.office, as_of=notice.as_of)
