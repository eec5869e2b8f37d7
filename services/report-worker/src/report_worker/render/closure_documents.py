"""The two documents of a closure (验收 → 公示 → 销号), as 公文 blocks (see `gongwen`):

- `closure_notice`: 关于<round>整改任务销号的公示 — the task, the period on the work calendar, how
  to object and the contact, and the attached completion table (整改任务 / 责任单位 / 整改目标 /
  整改措施 / 完成情况);
- `closure_form`: the 销号审批表 — each level's opinion and date, from the closure's steps.

Both are worded by the office's template in force (kinds `closure_notice` and `closure_form`).
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from rectify_shared.closure_workflow import HOW_TO_OBJECT, period_text, task_number
from rectify_shared.closure_workflow import days_text as period_days_text
from rectify_shared.enums import CLOSURE_STATE_TEXT, ClosureState
from rectify_shared.titles import document_title

from ..templating import Drawn, draw, gongwen_blocks
from .gongwen import Block, safe_file_name
from .wording import chinese_date, inspection_title

COMPLETION_HEADERS = ("整改任务", "责任单位", "整改目标", "整改措施", "完成情况")
NOTICE_ATTACHMENT = "整改任务完成情况表"
#: a notice that no longer runs: an upheld objection reopened the task, or it was sent back
ENDED_STATES = frozenset({ClosureState.reopened.value, ClosureState.rejected.value})


@dataclass(frozen=True)
class Opinion:
    """One act on the closure: whose, what they said, on which day (China date)."""

    org: str
    actor: str | None = None
    comment: str | None = None
    on: date | None = None


@dataclass(frozen=True)
class ClosureDossier:
    closure_id: int
    state: str
    round_name: str
    #: the office keeping the round's ledger: it publishes the notice
    office: str
    as_of: date
    issue_seq: int
    issue_description: str
    goal: str | None
    lead_org: str
    responsible_orgs: tuple[str, ...]
    #: "（一）…" per live measure, in order
    measures: tuple[str, ...]
    statement: str
    applicant_org: str
    applied_on: date
    latest_progress: str | None = None
    latest_progress_on: date | None = None
    #: the lead unit's review in the current application (None while pending)
    review: Opinion | None = None
    #: one per acceptance level, in order; `on` is None while the level is pending
    levels: tuple[Opinion, ...] = ()
    publicity_start: date | None = None
    publicity_end: date | None = None
    publicity_days: int | None = None
    publicity_day_kind: str | None = None
    medium: str | None = None
    contact: str | None = None
    #: the 公示's own wording (issue 24); None/empty: the default wording
    legal_basis: str | None = None
    #: the org issuing and signing the notice; "" : the office
    issuer: str = ""
    #: labelled contact lines: ({"label", "value"}, …)
    contacts: tuple[dict[str, str], ...] = ()
    attachment_title: str | None = None
    closing: str | None = None
    #: working / calendar / none; None: as `publicity_day_kind`
    days_shown: str | None = None
    #: the task's number as the office writes it (序号十, 3-1); None: `issue_seq`
    display_no: str | None = None
    objections: int = 0
    objections_upheld: int = 0
    write_off: Opinion | None = None
    #: who reviews: the lead unit, or (when the lead unit applied itself) the first accepting org
    reviewer: str = ""
    #: the office's template for the notice in force (`templating.TemplateChoice`; None: the shipped one)
    template: Any = None
    #: the office's template for the 销号审批表 in force (None: the shipped one)
    form_template: Any = None


def task_label(d: ClosureDossier) -> str:
    return f"{task_number(d.issue_seq, d.display_no)}：{d.issue_description}"


def units_text(d: ClosureDossier) -> str:
    others = [o for o in dict.fromkeys(d.responsible_orgs) if o != d.lead_org]
    return "\n".join([f"{d.lead_org}（牵头）", *others])


def completion_text(d: ClosureDossier) -> str:
    """完成情况: the unit's completion statement, then the latest progress report."""
    text = d.statement.strip()
    if d.latest_progress:
        when = f"（{chinese_date(d.latest_progress_on)}）" if d.latest_progress_on else ""
        text += f"\n最新进展{when}：{d.latest_progress.strip()}"
    return text


def days_text(d: ClosureDossier) -> str:
    if d.publicity_start is None or d.publicity_end is None:
        return ""
    return period_days_text(d.publicity_days, d.publicity_day_kind, d.days_shown, d.publicity_start, d.publicity_end)


# ---------------------------------------------------------------- 销号公示


def notice_title(d: ClosureDossier) -> str:
    return document_title("closure_notice", d.round_name)


def notice_context(d: ClosureDossier) -> dict[str, Any]:
    """The variables of the 销号公示 template (`rectify_shared.document_templates.schema`)."""
    if d.publicity_start is None or d.publicity_end is None:
        raise ValueError("the closure has no notice period yet / 该整改任务尚未进入公示")
    return {
        "title": notice_title(d),
        "round_name": d.round_name,
        "inspection": inspection_title(d.round_name),
        "office": d.office,
        "issuer": d.issuer or d.office,
        "lead_org": d.lead_org,
        "units": [d.lead_org, *(o for o in dict.fromkeys(d.responsible_orgs) if o != d.lead_org)],
        "units_text": units_text(d),
        "acceptors": [level.org for level in d.levels],
        "issue": {
            "seq": d.issue_seq,
            "display_no": d.display_no or "",
            "number": task_number(d.issue_seq, d.display_no),
            "description": d.issue_description,
            "goal": (d.goal or "").strip(),
            "label": task_label(d),
        },
        "measures": list(d.measures),
        "completion": completion_text(d),
        "publicity": {
            "start": d.publicity_start,
            "end": d.publicity_end,
            "days": d.publicity_days,
            "day_kind": d.publicity_day_kind,
            "period": period_text(d.publicity_start, d.publicity_end),
            "days_text": days_text(d),
            "medium": d.medium or "",
            "contact": d.contact or "",
            "contacts": [dict(line) for line in d.contacts],
            "legal_basis": d.legal_basis or "",
            "closing": d.closing or "",
            "days_shown": d.days_shown or "",
        },
        "how_to_object": HOW_TO_OBJECT,
        "attachment_title": d.attachment_title or NOTICE_ATTACHMENT,
        "ended": d.state in ENDED_STATES,
        "state": d.state,
        "objections": d.objections,
        "as_of": d.as_of,
    }


def notice_drawn(d: ClosureDossier) -> Drawn:
    """The notice as the template in force draws it (blocks, and the .docx of a Word template)."""
    return draw("closure_notice", d.template, notice_context(d))


def notice_blocks(d: ClosureDossier) -> list[Block]:
    return gongwen_blocks(notice_drawn(d).pieces)


def notice_file_name(d: ClosureDossier, extension: str) -> str:
    return safe_file_name(f"{notice_title(d)}（第{d.issue_seq}项）", extension)


# ---------------------------------------------------------------- 销号审批表


def form_title(d: ClosureDossier) -> str:
    return document_title("closure_form", d.round_name)


def _signed(o: Opinion | None, default: str, pending: str) -> str:
    if o is None or o.on is None:
        return pending
    who = "　".join(x for x in (o.actor or "", chinese_date(o.on)) if x)
    return f"{(o.comment or '').strip() or default}\n{who}"


def review_label(d: ClosureDossier) -> str:
    """牵头单位审核意见（X）; 审核意见（Y） when the lead unit applied itself and its supervisor reviewed."""
    org = (d.review.org if d.review else "") or d.reviewer or d.lead_org
    return f"牵头单位审核意见（{org}）" if org == d.lead_org else f"审核意见（{org}）"


def form_rows(d: ClosureDossier) -> list[tuple[str, str]]:
    rows = [
        ("整改任务", task_label(d)),
        ("牵头单位", d.lead_org),
        ("责任单位", "\n".join(o for o in dict.fromkeys(d.responsible_orgs) if o != d.lead_org) or d.lead_org),
        ("整改目标", (d.goal or "").strip()),
        ("完成情况", completion_text(d)),
        ("申请单位", f"{d.applicant_org}\n{chinese_date(d.applied_on)}申请"),
        (review_label(d), _signed(d.review, "同意", "（待审核）")),
    ]
    for n, level in enumerate(d.levels, start=1):
        rows.append((f"第{n}级验收意见（{level.org}）", _signed(level, "验收通过", "（待验收）")))
    if d.publicity_start is not None and d.publicity_end is not None:
        publicity = f"{period_text(d.publicity_start, d.publicity_end)}{days_text(d)}"
        if d.medium:
            publicity += f"，公示媒介：{d.medium}"
        publicity += f"\n收到异议{d.objections}件，其中经核实成立{d.objections_upheld}件"
    else:
        publicity = "（未公示）"
    rows.append(("公示情况", publicity))
    rows.append((f"销号意见（{d.office}）", _signed(d.write_off, "公示期满无异议，同意销号", "（待销号）")))
    return rows


def _opinion(o: Opinion | None, label: str, text: str) -> dict[str, Any]:
    return {
        "org": o.org if o else "",
        "label": label,
        "actor": (o.actor or "") if o and o.on else "",
        "comment": ((o.comment or "").strip()) if o and o.on else "",
        "on": o.on if o else None,
        "text": text,
    }


def form_context(d: ClosureDossier) -> dict[str, Any]:
    """The variables of the 销号审批表 template (`rectify_shared.document_templates.schema`)."""
    rows = form_rows(d)
    by_label = dict(rows)
    others = [o for o in dict.fromkeys(d.responsible_orgs) if o != d.lead_org]
    publicized = d.publicity_start is not None and d.publicity_end is not None
    review = review_label(d)
    write_off = f"销号意见（{d.office}）"
    return {
        "title": form_title(d),
        "round_name": d.round_name,
        "inspection": inspection_title(d.round_name),
        "office": d.office,
        "state": d.state,
        "state_text": CLOSURE_STATE_TEXT[ClosureState(d.state)],
        "issue": {
            "seq": d.issue_seq,
            "description": d.issue_description,
            "goal": (d.goal or "").strip(),
            "label": task_label(d),
        },
        "lead_org": d.lead_org,
        "units": others,
        "units_text": by_label["责任单位"],
        "completion": completion_text(d),
        "applicant_org": d.applicant_org,
        "applied_on": d.applied_on,
        "review": _opinion(d.review, review, by_label[review]),
        "levels": [
            {"n": n, **_opinion(level, label, by_label[label])}
            for n, level in enumerate(d.levels, start=1)
            for label in [f"第{n}级验收意见（{level.org}）"]
        ],
        "publicity": {
            "start": d.publicity_start,
            "end": d.publicity_end,
            "period": period_text(d.publicity_start, d.publicity_end) if publicized else "",  # type: ignore[arg-type]
            "days_text": days_text(d),
            "medium": d.medium or "",
            "objections": d.objections,
            "objections_upheld": d.objections_upheld,
            "text": by_label["公示情况"],
        },
        "write_off": _opinion(d.write_off, write_off, by_label[write_off]),
        "rows": [{"label": label, "text": text} for label, text in rows],
        "as_of": d.as_of,
    }


def form_drawn(d: ClosureDossier) -> Drawn:
    """The form as the template in force draws it (blocks, and the .docx of a Word template)."""
    return draw("closure_form", d.form_template, form_context(d))


def form_blocks(d: ClosureDossier) -> list[Block]:
    return gongwen_blocks(form_drawn(d).pieces)


def form_file_name(d: ClosureDossier, extension: str) -> str:
    return safe_file_name(f"{form_title(d)}（第{d.issue_seq}项）", extension)
