"""Petition cases (信访举报件) as an item source of the ladder: a case still being handled
(`in_progress`) after its due date fires the policy's after-deadline rules, like a task; a case
that leaves `in_progress` (阶段性办结 or 已办结), or whose due date moves, resolves them.

The subject is "p<case id>"; the escalation is addressed to the case's responsible org (else its
locality) and lies on that org's path. Repeated rules do not count petition escalations (their
subjects are tasks and units). `petition_rule` is the definition; the SQL says the same in bulk.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Table, and_, exists, func, literal, not_, null, or_, select
from sqlalchemy.sql.dml import Insert, Update

from rectify_shared.calendar_store import CalendarZone
from rectify_shared.enums import PetitionState
from rectify_shared.escalation_policy import AfterDeadline, BeforeDeadline, Policy, Rule
from rectify_shared.escalation_states import EscalationState
from rectify_shared.models import metadata
from rectify_shared.workcalendar import WorkCalendar

from .deadlines import deadline_thresholds, fires_after
from .model import PastEscalation, Proposed
from .rules import climbed, propose
from .sources import ScanWriter
from .sql import E, addressee, date_text, id_text, in_zone, insert_selected, json_object, row_constants, text
from .sql_resolve import resolve_in_force

P: Table = metadata.tables["petition_case"]
OPEN_STATE = PetitionState.in_progress
AFTER_TEXT_0 = ("信访举报件（受理编号", "）已超过办理时限（", "）仍未办结")
AFTER_TEXT_N = ("信访举报件（受理编号", "）超过办理时限（", "）已达", "个工作日仍未办结")
RESOLVED_CASE_HANDLED = "信访举报件已办结或阶段性办结，督办原因消除"
RESOLVED_DUE_MOVED = "办理时限已调整，原时限的督办原因消除"


@dataclass(frozen=True)
class PetitionItem:
    case_id: int
    round_id: int
    intake_no: str
    due_date: date | None
    state: str
    org_id: int
    parent_org_id: int | None
    org_path: str

    @property
    def subject(self) -> str:
        return f"p{self.case_id}"


def case_key(rule_id: str, case_id: int, due: date) -> str:
    return f"{rule_id}:p{case_id}:{due.isoformat()}"


def overdue_reason(intake_no: str, due: date, working_days: int) -> str:
    if working_days == 0:
        a, b, c = AFTER_TEXT_0
        return f"{a}{intake_no}{b}{due.isoformat()}{c}"
    a, b, c, d = AFTER_TEXT_N
    return f"{a}{intake_no}{b}{due.isoformat()}{c}{working_days}{d}"


def petition_rule(
    rule: Rule,
    cases: Iterable[PetitionItem],
    calendar: WorkCalendar,
    as_of: date,
    past: Iterable[PastEscalation] = (),
) -> list[Proposed]:
    """The pure definition: every open case the after-deadline rule fires for on `as_of` (a rule
    with `after_level` climbing from the case's letter of that level for the same due date)."""
    t = rule.trigger
    if not isinstance(t, AfterDeadline):
        return []
    lower = {e.dedupe_key.split(":", 1)[1] + f"@{e.level}": e for e in past}
    out = []
    for c in cases:
        if c.state != OPEN_STATE or c.due_date is None or not fires_after(t, c.due_date, calendar, as_of):
            continue
        if rule.after_level is not None:
            below = lower.get(f"p{c.case_id}:{c.due_date.isoformat()}@{rule.after_level.value}")
            if not climbed(rule, below, calendar, as_of):
                continue
        trigger = {"kind": t.kind, "working_days": t.working_days, "deadline": c.due_date.isoformat()}
        out.append(
            propose(
                rule,
                calendar,
                as_of,
                subject=c.subject,
                round_id=c.round_id,
                org_id=c.org_id,
                parent_org_id=c.parent_org_id,
                leader=None,
                org_path=c.org_path,
                reason=overdue_reason(c.intake_no, c.due_date, t.working_days),
                trigger=trigger,
                key=case_key(rule.id, c.case_id, c.due_date),
            )
        )
    return out


# ---------------------------------------------------------------- the same in SQL, for the scan


def _key(dialect: str, rule_id: Any) -> Any:
    return rule_id + text(":p") + id_text(P.c.id) + text(":") + date_text(dialect, P.c.due_date)


def deadline_insert(
    dialect: str,
    rule: Rule,
    round_ids: list[int],
    calendar: WorkCalendar,
    as_of: date,
    now: datetime,
    scan_id: int | None = None,
    zone: CalendarZone | None = None,
) -> Insert | None:
    """INSERT the rule's escalations for every open case whose due date is far enough behind."""
    t = rule.trigger
    if not isinstance(t, AfterDeadline):
        return None  # petition cases are escalated once overdue only
    _, hi = deadline_thresholds(t, calendar, as_of)
    org_id = func.coalesce(P.c.responsible_org_id, P.c.locality_org_id)
    addressed, person, source = addressee(rule, org_id, null(), P)
    day = date_text(dialect, P.c.due_date)
    if t.working_days == 0:
        a, b, c = AFTER_TEXT_0
        reason = text(a) + P.c.intake_no + text(b) + day + text(c)
    else:
        a, b, c, d = AFTER_TEXT_N
        reason = text(a) + P.c.intake_no + text(b) + day + text(f"{c}{t.working_days}{d}")
    key = _key(dialect, text(rule.id))
    trigger = json_object(dialect, ("kind", t.kind), ("working_days", t.working_days), ("deadline", day))
    columns = [P.c.round_id, text(rule.level.value), text(rule.id), key, null(), null(), null()]
    columns += [addressed, person, func.coalesce(P.c.responsible_path, P.c.locality_path), reason, trigger]
    columns += [*row_constants(rule, calendar, as_of, now, P.c.round_id, scan_id), P.c.id]
    conditions = [P.c.round_id.in_(round_ids), P.c.state == OPEN_STATE, P.c.due_date < literal(hi, Date)]
    conditions += in_zone(zone, func.coalesce(P.c.responsible_path, P.c.locality_path))
    if rule.after_level is not None:
        below = E.alias("below")
        since = AfterDeadline(kind="after_deadline", working_days=rule.min_working_days_since)
        _, issued_before = deadline_thresholds(since, calendar, as_of)
        conditions.append(
            exists(
                select(literal(1)).where(
                    below.c.petition_case_id == P.c.id,
                    below.c.level == rule.after_level.value,
                    below.c.state == EscalationState.issued,
                    below.c.issued_on < literal(issued_before, Date),
                    below.c.dedupe_key == _key(dialect, below.c.rule),
                )
            )
        )
    stmt = select(*columns).select_from(source).where(*conditions).order_by(key)
    return insert_selected(dialect, stmt, extra=("petition_case_id",))


def resolutions(dialect: str, rule_ids: list[str], round_ids: list[int], now: datetime) -> list[Update]:
    """The case left `in_progress`; or it is open with another due date than the escalation's."""

    def ours(c: Any) -> Any:
        return and_(c.c.round_id.in_(round_ids), c.c.rule.in_(rule_ids), c.c.petition_case_id.is_not(None))

    def handled(c: Any) -> Any:
        still_open = exists(select(literal(1)).where(P.c.id == c.c.petition_case_id, P.c.state == OPEN_STATE))
        return and_(ours(c), not_(still_open))

    def moved(c: Any) -> Any:
        changed = or_(P.c.due_date.is_(None), _key(dialect, c.c.rule) != c.c.dedupe_key)
        return and_(
            ours(c),
            exists(select(literal(1)).where(P.c.id == c.c.petition_case_id, P.c.state == OPEN_STATE, changed)),
        )

    return [
        resolve_in_force(dialect, handled, RESOLVED_CASE_HANDLED, now),
        resolve_in_force(dialect, moved, RESOLVED_DUE_MOVED, now),
    ]


class PetitionSource:
    """Petition cases: one INSERT … SELECT per after-deadline rule, two UPDATEs to resolve."""

    name = "petition"

    async def create(self, scan: ScanWriter, policy: Policy, rounds: list[int]) -> None:
        for rule in policy.rules:
            stmt = deadline_insert(
                scan.dialect, rule, rounds, scan.calendar, scan.as_of, scan.now, scan.scan_id, scan.zone
            )
            if stmt is not None:
                await scan.create_rows(stmt)

    async def resolve(self, scan: ScanWriter, policy: Policy, rounds: list[int]) -> None:
        deadline = [r.id for r in policy.rules if isinstance(r.trigger, BeforeDeadline | AfterDeadline)]
        if deadline:
            for stmt in resolutions(scan.dialect, deadline, rounds, scan.now):
                await scan.resolve_rows(stmt)


PETITIONS = PetitionSource()
