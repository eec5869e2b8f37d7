"""Set-based SQL for the scan, on SQLite and PostgreSQL alike: one INSERT ... SELECT per
deadline or dispatch rule (ON CONFLICT on the dedupe key does nothing) and one UPDATE per
cause of resolution (`sql_resolve`). Keys, reasons and triggers are spelled exactly as `model` spells them.

Rows are inserted and locked in key / id order, so two scans running at once wait for each
other instead of deadlocking.
"""

from datetime import date, datetime, time
from typing import Any
from typing import cast as tcast

from sqlalchemy import (
    ColumnElement,
    Date,
    FromClause,
    Integer,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.dml import Insert

from rectify_shared.calendar_store import CalendarZone
from rectify_shared.escalation_policy import AfterDeadline, BeforeDeadline, Rule, Target
from rectify_shared.escalation_states import EscalationState
from rectify_shared.models import metadata
from rectify_shared.models.types import UTCDateTime
from rectify_shared.timezone import CHINA_TZ
from rectify_shared.workcalendar import WorkCalendar

from .deadlines import deadline_thresholds, remaining_thresholds
from .model import (
    AFTER_TEXT_0,
    AFTER_TEXT_N,
    BEFORE_TEXT,
    COMPLETED_MEASURE_STATUS,
    DISPATCH_TEXT,
    LETTER_PREFIX,
    MEASURES_TEXT,
    OPEN_ISSUE_STATUSES,
    OPEN_PERIOD,
)

E: Table = metadata.tables["escalation"]
R: Table = metadata.tables["inspection_round"]
M: Table = metadata.tables["measure"]
I: Table = metadata.tables["issue"]  # noqa: E741
O: Table = metadata.tables["org"]  # noqa: E741
DR: Table = metadata.tables["dispatch_round"]
DO: Table = metadata.tables["dispatch_obligation"]

#: what the scan needs back from each row it wrote, for the outbox
RETURNED = (
    E.c.id,
    E.c.rule,
    E.c.level,
    E.c.state,
    E.c.issue_id,
    E.c.measure_id,
    E.c.dispatch_round_id,
    E.c.addressed_org_id,
    E.c.org_path,
    E.c.reason,
    E.c.as_of,
    E.c.resolution,
    E.c.petition_case_id,
)
INSERTED = (
    "round_id",
    "level",
    "rule",
    "dedupe_key",
    "issue_id",
    "measure_id",
    "dispatch_round_id",
    "addressed_org_id",
    "addressed_person",
    "org_path",
    "reason",
    "trigger",
    "state",
    "as_of",
    "response_due",
    "created_at",
    "issued_at",
    "issued_by",
    "issued_on",
    "issuer_org_id",
    "scan_id",
)
#: who issued what the policy issues by itself
SCAN_ACTOR = "notifier"


def returned(dialect: str) -> tuple[Any, ...]:
    """What a scan's INSERT / UPDATE returns: on PostgreSQL the outbox payload is built by the
    database from the row (`outbox`), so the id is enough; elsewhere `RETURNED`."""
    return (E.c.id,) if dialect == "postgresql" else RETURNED


def insert_construct(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def text(value: str) -> ColumnElement[str]:
    return literal(value, String)


def date_text(dialect: str, column: Any) -> ColumnElement[str]:
    """'YYYY-MM-DD' (SQLite already stores dates so)."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM-DD")
    return cast(column, String)


def id_text(column: Any) -> ColumnElement[str]:
    return cast(column, String)


def json_object(dialect: str, *pairs: tuple[str, Any]) -> ColumnElement[Any]:
    """A JSON object from constant keys and column or constant values (constants are ours: safe inline)."""
    args: list[Any] = []
    for key, value in pairs:
        args.append(literal_column(f"'{key}'"))
        if isinstance(value, ColumnElement):
            args.append(value)
        elif isinstance(value, int):
            args.append(literal_column(str(int(value))))
        else:
            args.append(literal_column("'" + str(value).replace("'", "''") + "'"))
    return func.jsonb_build_object(*args) if dialect == "postgresql" else func.json_object(*args)


def issue_open() -> ColumnElement[bool]:
    return and_(I.c.status.in_(OPEN_ISSUE_STATUSES), I.c.withdrawn_at.is_(None))


def measure_open() -> ColumnElement[bool]:
    return and_(issue_open(), M.c.status != COMPLETED_MEASURE_STATUS, M.c.withdrawn_at.is_(None))


def in_zone(zone: CalendarZone | None, path: Any) -> list[ColumnElement[bool]]:
    """The rows of the calendar zone the rule is counted in, by the unit's org path (no condition
    when the whole tree shares one calendar)."""
    clause = zone.clause(path) if zone is not None else None
    return [clause] if clause is not None else []


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CHINA_TZ)


def row_constants(
    rule: Rule, calendar: WorkCalendar, as_of: date, now: datetime, round_id: Any, scan_id: int | None = None
) -> list[ColumnElement[Any]]:
    """state, as_of, response_due, created_at, issued_at, issued_by, issued_on, issuer_org_id,
    scan_id: the same for every row of a rule (the issuer: the office of the row's round)."""
    issued = not rule.requires_approval
    return [
        text(EscalationState.issued if issued else EscalationState.proposed),
        literal(as_of, Date),
        literal(calendar.nth_workday_after(as_of, rule.response_working_days).day, Date),
        literal(now, UTCDateTime()),
        literal(now, UTCDateTime()) if issued else null(),
        text(SCAN_ACTOR) if issued else null(),
        literal(as_of, Date) if issued else null(),
        select(R.c.office_org_id).where(R.c.id == round_id).scalar_subquery(),
        literal(scan_id, Integer) if scan_id is not None else null(),
    ]


def addressee(rule: Rule, org_id: Any, leader: Any, source: FromClause) -> tuple[Any, Any, FromClause]:
    """(addressed org, addressed person, source joined as needed)."""
    if rule.target == Target.parent_org:
        subject_org = O.alias("subject_org")
        return (
            func.coalesce(subject_org.c.parent_id, subject_org.c.id),
            null(),
            source.join(subject_org, subject_org.c.id == org_id),
        )
    if rule.target == Target.responsible_leader:
        return org_id, leader, source
    return org_id, null(), source


def insert_selected(dialect: str, select_stmt: Any, extra: tuple[str, ...] = ()) -> Insert:
    """`extra`: columns an item source selects after the common ones (e.g. petition_case_id)."""
    stmt = insert_construct(dialect)(E).from_select([*INSERTED, *extra], select_stmt)
    return tcast(Insert, stmt.on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(*returned(dialect)))


def _items(rule: Rule, round_ids: list[int], lo: date | None, hi: date) -> Any:
    """The open work the rule fires for, one row per item: a problem (its lead unit's) and each
    measure (its responsible unit's, else the lead unit's), with the unit and its deadline."""
    in_range = [I.c.round_id.in_(round_ids)]
    issue_rows = select(
        I.c.id.label("issue_id"), null().label("measure_id"), I.c.lead_org_id.label("org_id"),
        I.c.deadline.label("deadline"),
    ).where(*in_range, issue_open(), I.c.deadline < literal(hi, Date))  # fmt: skip
    measure_rows = (
        select(
            M.c.issue_id, M.c.id, func.coalesce(M.c.responsible_org_id, I.c.lead_org_id), M.c.deadline.label("deadline")
        )
        .select_from(M.join(I, I.c.id == M.c.issue_id))
        .where(*in_range, measure_open(), M.c.deadline < literal(hi, Date))
    )
    if lo is not None:
        issue_rows = issue_rows.where(I.c.deadline >= literal(lo, Date))
        measure_rows = measure_rows.where(M.c.deadline >= literal(lo, Date))
    return union_all(issue_rows, measure_rows).subquery("items")


def _measure_list(dialect: str, items: Any) -> Any:
    """The folded measures' ids, ascending, as a JSON array ([] when the problem alone is late)."""
    listed = items.c.measure_id.is_not(None)
    if dialect == "postgresql":
        agg = func.jsonb_agg(aggregate_order_by(items.c.measure_id, items.c.measure_id)).filter(listed)
        return func.coalesce(agg, literal_column("'[]'::jsonb"))
    return func.json(func.json_group_array(items.c.measure_id).filter(listed))


def letter_key_sql(level: str, issue_id: Any, org_id: Any, period: Any) -> ColumnElement[str]:
    """`model.letter_key` in SQL."""
    return text(f"{LETTER_PREFIX}{level}:i") + id_text(issue_id) + text(":o") + id_text(org_id) + text(":") + period


def deadline_insert(
    dialect: str,
    rule: Rule,
    round_ids: list[int],
    calendar: WorkCalendar,
    as_of: date,
    now: datetime,
    scan_id: int | None = None,
    zone: CalendarZone | None = None,
) -> Insert:
    """INSERT the rule's letters: one per problem and unit whose open work has a deadline in range
    (the unit's measures folded into one letter), climbing from the letter below when the rule
    says `after_level`."""
    t = rule.trigger
    assert isinstance(t, BeforeDeadline | AfterDeadline)
    lo, hi = deadline_thresholds(t, calendar, as_of)
    items = _items(rule, round_ids, lo, hi)
    # ordered by the group, so SQLite lists each group's measures in id order too
    ordered = select(items).order_by(items.c.issue_id, items.c.org_id, items.c.measure_id).subquery("ordered")
    groups = (
        select(
            ordered.c.issue_id, ordered.c.org_id, func.min(ordered.c.deadline).label("first"),
            func.count(ordered.c.measure_id).label("measures_n"), _measure_list(dialect, ordered).label("measures"),
        ).group_by(ordered.c.issue_id, ordered.c.org_id)
    ).subquery("groups")  # fmt: skip
    unit = O.alias("unit")
    source: FromClause = groups.join(I, I.c.id == groups.c.issue_id).join(unit, unit.c.id == groups.c.org_id)
    addressed, person, source = addressee(rule, groups.c.org_id, I.c.responsible_leader, source)
    period = func.coalesce(date_text(dialect, I.c.deadline), text(OPEN_PERIOD))
    key = letter_key_sql(rule.level.value, groups.c.issue_id, groups.c.org_id, period)
    first = date_text(dialect, groups.c.first)
    if isinstance(t, BeforeDeadline):
        steps = remaining_thresholds(t, calendar, as_of)
        remaining: Any = literal(0, Integer)
        if steps:
            whens = [
                (groups.c.first >= literal(d, Date), literal(k, Integer))
                for k, d in reversed(list(enumerate(steps, 1)))
            ]
            remaining = case(*whens, else_=literal(0, Integer))
        reason = text(BEFORE_TEXT[0]) + first + text(BEFORE_TEXT[1]) + cast(remaining, String) + text(BEFORE_TEXT[2])
    elif t.working_days == 0:
        reason = text(AFTER_TEXT_0[0]) + first + text(AFTER_TEXT_0[1])
    else:
        a, b, c = AFTER_TEXT_N
        reason = text(a) + first + text(f"{b}{t.working_days}{c}")
    suffix = case(
        (groups.c.measures_n > 0, text(MEASURES_TEXT[0]) + cast(groups.c.measures_n, String) + text(MEASURES_TEXT[1])),
        else_=text(""),
    )
    trigger = json_object(
        dialect, ("kind", t.kind), ("working_days", t.working_days), ("deadline", first), ("period", period),
        ("unit_org_id", groups.c.org_id),
        # SQLite forgets a value is JSON once it leaves its subquery
        ("measures", groups.c.measures if dialect == "postgresql" else func.json(groups.c.measures)),
    )  # fmt: skip
    conditions: list[Any] = in_zone(zone, unit.c.path)
    if rule.after_level is not None:
        below = E.alias("below")
        since = AfterDeadline(kind="after_deadline", working_days=rule.min_working_days_since)
        _, issued_before = deadline_thresholds(since, calendar, as_of)
        below_key = letter_key_sql(rule.after_level.value, groups.c.issue_id, groups.c.org_id, period)
        conditions.append(
            exists(
                select(literal(1)).where(
                    below.c.dedupe_key == below_key,
                    below.c.state == EscalationState.issued,
                    below.c.issued_on < literal(issued_before, Date),
                )
            )
        )
    columns = [I.c.round_id, text(rule.level.value), text(rule.id), key, groups.c.issue_id, null(), null()]
    columns += [addressed, person, unit.c.path, reason + suffix, trigger]
    columns += row_constants(rule, calendar, as_of, now, I.c.round_id, scan_id)
    return insert_selected(dialect, select(*columns).select_from(source).where(*conditions).order_by(key))


def dispatch_insert(
    dialect: str,
    rule: Rule,
    round_ids: list[int],
    calendar: WorkCalendar,
    as_of: date,
    now: datetime,
    scan_id: int | None = None,
    zone: CalendarZone | None = None,
) -> Insert:
    """INSERT the rule's escalation for every unit that has not reported to a round whose cutoff day is over."""
    addressed, person, source = addressee(rule, DO.c.org_id, null(), DO.join(DR, DR.c.id == DO.c.dispatch_round_id))
    key = text(f"{rule.id}:d") + id_text(DO.c.dispatch_round_id) + text(":o") + id_text(DO.c.org_id)
    reason = text(DISPATCH_TEXT[0]) + DR.c.period + text(DISPATCH_TEXT[1])
    trigger = json_object(
        dialect, ("kind", "missed_dispatch"), ("dispatch_round_id", DO.c.dispatch_round_id), ("period", DR.c.period)
    )
    conditions = [
        DR.c.round_id.in_(round_ids),
        DO.c.reported_at.is_(None),
        DR.c.cutoff < literal(start_of_day(as_of), UTCDateTime()),
        *in_zone(zone, DO.c.org_path),
    ]
    columns = [DR.c.round_id, text(rule.level.value), text(rule.id), key, null(), null(), DO.c.dispatch_round_id]
    columns += [addressed, person, DO.c.org_path, reason, trigger]
    columns += row_constants(rule, calendar, as_of, now, DR.c.round_id, scan_id)
    return insert_selected(dialect, select(*columns).select_from(source).where(*conditions).order_by(key))
