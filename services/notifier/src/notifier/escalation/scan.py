"""The escalation scan: the policy's rules applied to the whole ledger as of one day, in one
transaction. Deadline and dispatch rules are one set-based INSERT ... SELECT each (the ladder's
thresholds, compared by SQL); attestation and repeated rules, which touch few rows, run the pure
ladder on what they load. The unique dedupe key makes every scan idempotent, across replicas too.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import structlog
from pydantic import ValidationError
from sqlalchemy import Row, null, select
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.calendar_store import CalendarZone
from rectify_shared.escalation_policy import (
    DEFAULT_POLICY,
    AfterDeadline,
    BeforeDeadline,
    MissedAttestation,
    MissedDispatch,
    Policy,
    Repeated,
)
from rectify_shared.escalation_states import EscalationState
from rectify_shared.events import EventType
from rectify_shared.models import EscalationPolicy, InspectionRound
from rectify_shared.models.types import utcnow
from rectify_shared.workcalendar import WorkCalendar

from . import outbox, sql, sql_resolve
from .calendar_source import load_book
from .model import (
    LETTER_PREFIX,
    OPEN_STATES,
    RESOLVED_DISPATCH_REPORTED,
    Item,
    Proposed,
    Unit,
)
from .outbox import EventIds
from .resolve import causes_resolved
from .rules import attestation_rule, repeated_in_order, repeated_rule
from .sources import registry
from .state import load_attesting, load_escalations, load_items, load_subject_items, load_units

log = structlog.get_logger("notifier.escalation")

PolicyFor = Callable[[int], Policy | None]
CHUNK = 500
#: item sources beyond the ledger's tasks and dispatch (petition cases, closure steps): each writes
#: its escalations and resolves those whose cause went away (`sources`)
SOURCES = registry()
CREATED = EventType.escalation_created


@dataclass(frozen=True)
class ScanResult:
    created: int
    resolved: int
    #: the scan's moment: what it created and resolved carry it (`created_at`, `resolved_at`)
    at: datetime | None = None


async def policy_groups(
    session: AsyncSession, policy_for_round: PolicyFor | None = None
) -> list[tuple[Policy, list[int]]]:
    """Each distinct policy with the rounds it governs (a round without its own: the default)."""
    round_ids = (await session.execute(select(col(InspectionRound.id)).order_by(col(InspectionRound.id)))).scalars()
    stored = dict((await session.execute(select(col(EscalationPolicy.round_id), col(EscalationPolicy.policy)))).all())
    groups: dict[str, tuple[Policy, list[int]]] = {}
    for round_id in round_ids:
        policy = policy_for_round(round_id) if policy_for_round else None
        if policy is None:
            try:
                policy = Policy.model_validate(stored[round_id]) if round_id in stored else DEFAULT_POLICY
            except ValidationError as exc:  # stored through the API, so validated: only a bug gets here
                log.error("escalation_policy_invalid", round_id=round_id, error=str(exc))
                continue
        groups.setdefault(policy.model_dump_json(), (policy, []))[1].append(round_id)
    return list(groups.values())


class _Scan:
    def __init__(
        self, session: AsyncSession, calendar: WorkCalendar, as_of: date, now: datetime, scan_id: int | None = None
    ) -> None:
        self.session, self.calendar, self.as_of, self.now = session, calendar, as_of, now
        self.scan_id = scan_id
        #: the part of the org tree `create` works on, counted on `calendar` (see `scan`)
        self.zone = CalendarZone(calendar)
        #: round id -> its office (the issuer of its letters)
        self.offices: dict[int, int | None] = {}
        self.dialect = session.get_bind().dialect.name
        self.created = 0
        self.resolved = 0
        #: rows written in the current phase, whose events `record` writes at its end
        self._written: list[Row[Any]] = []
        self._event_ids = EventIds()

    async def create_rows(self, stmt: Any) -> None:
        if self.dialect == "postgresql":
            # the statement writes its rows' events too (`with_events`); ids follow on
            first = self._event_ids.first()
            with_events = outbox.with_events(stmt, CREATED, first_id=first, as_of=self.as_of, now=self.now)
            n = (await self.session.execute(with_events)).scalar_one()
            self._event_ids.used(first, n)
            self.created += n
            return
        rows: Sequence[Row[Any]] = (await self.session.execute(stmt)).all()
        self.created += len(rows)
        self._written += rows

    async def resolve_rows(self, stmt: Any) -> None:
        rows: Sequence[Row[Any]] = (await self.session.execute(stmt)).all()
        self.resolved += len(rows)
        self._written += rows

    async def record(self, event_type: EventType) -> None:
        """The outbox events of the phase just run, in the order its rows were written: one
        set-based write for the whole phase rather than one per rule (a phase's rows are not
        touched again before it ends, so each event still describes its row as written)."""
        rows, self._written = self._written, []
        await outbox.record_events(self.session, event_type, rows, as_of=self.as_of, now=self.now, ids=self._event_ids)

    async def resolve_ids(self, resolution: str, ids: Sequence[int]) -> None:
        for start in range(0, len(ids), CHUNK):
            await self.resolve_rows(
                sql_resolve.by_ids(self.dialect, list(ids[start : start + CHUNK]), resolution, self.now)
            )

    def in_zone(self, zone: CalendarZone) -> None:
        self.zone, self.calendar = zone, zone.calendar

    async def insert(self, proposals: list[Proposed]) -> None:
        """Few rows (attestation, repeated): a multi-row INSERT in key order, skipping known keys;
        only the current zone's (each unit's letters are counted on its own calendar)."""
        mine = [p for p in proposals if self.zone.contains(p.org_path)]
        rows = [self._row(p) for p in sorted(mine, key=lambda p: p.dedupe_key)]
        for start in range(0, len(rows), CHUNK):
            stmt = sql.insert_construct(self.dialect)(sql.E).values(rows[start : start + CHUNK])
            stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])
            await self.create_rows(stmt.returning(*sql.returned(self.dialect)))

    def _row(self, p: Proposed) -> dict[str, Any]:
        issued = p.state == EscalationState.issued
        return {
            "round_id": p.round_id, "level": p.level, "rule": p.rule, "dedupe_key": p.dedupe_key,
            "issue_id": p.issue_id, "measure_id": p.measure_id, "dispatch_round_id": p.dispatch_round_id,
            "closure_id": p.closure_id,
            "addressed_org_id": p.addressed_org_id,
            "addressed_person": p.addressed_person if p.addressed_person is not None else null(),
            "org_path": p.org_path, "reason": p.reason, "trigger": p.trigger, "state": p.state, "as_of": p.as_of,
            "response_due": p.response_due, "created_at": self.now, "issued_at": self.now if issued else None,
            "issued_by": sql.SCAN_ACTOR if issued else None, "issued_on": p.as_of if issued else None,
            "issuer_org_id": self.offices.get(p.round_id), "scan_id": self.scan_id,
        }  # fmt: skip

    async def create(self, policy: Policy, rounds: list[int]) -> None:
        cal, as_of, now, dialect, zone = self.calendar, self.as_of, self.now, self.dialect, self.zone
        for rule in policy.rules:
            t = rule.trigger
            if isinstance(t, BeforeDeadline | AfterDeadline):
                await self.create_rows(sql.deadline_insert(dialect, rule, rounds, cal, as_of, now, self.scan_id, zone))
            elif isinstance(t, MissedDispatch):
                await self.create_rows(sql.dispatch_insert(dialect, rule, rounds, cal, as_of, now, self.scan_id, zone))
            elif isinstance(t, MissedAttestation):
                await self.insert(attestation_rule(rule, await load_attesting(self.session, rounds, as_of), cal, as_of))
        for rule in repeated_in_order(policy.rules):
            t = rule.trigger
            assert isinstance(t, Repeated)
            window_start = cal.nth_workday_back(as_of, t.within_working_days).day
            past = await load_escalations(
                self.session,
                sql.E.c.round_id.in_(rounds),
                sql.E.c.level == t.of_level.value,
                sql.E.c.state != EscalationState.withdrawn,
                sql.E.c.as_of >= window_start,
                sql.E.c.as_of <= as_of,
            )
            counts = Counter((e.round_id, e.subject) for e in past if e.subject)
            wanted = {subject for (_, subject), n in counts.items() if n >= t.count and subject}
            if wanted:
                items = await load_subject_items(self.session, wanted, as_of)
                subjects: dict[str, Item | Unit] = {**await load_units(self.session, wanted)}
                subjects.update({i.subject: i for i in items})
                await self.insert(repeated_rule(rule, past, subjects, cal, as_of))
        for source in SOURCES:
            await source.create(self, policy, rounds)

    async def resolve(self, policy: Policy, rounds: list[int]) -> None:
        dialect, now = self.dialect, self.now
        deadline = [r.id for r in policy.rules if isinstance(r.trigger, BeforeDeadline | AfterDeadline)]
        dispatch = [r.id for r in policy.rules if isinstance(r.trigger, MissedDispatch)]
        # a problem's letters (deadline rules) are judged against the problem's work in Python:
        # few are in force at once, and none that this scan itself created (see `sql_resolve`)
        in_python = [r.id for r in policy.rules if isinstance(r.trigger, MissedAttestation | Repeated)] + deadline
        if dispatch:
            await self.resolve_rows(
                sql_resolve.dispatch_reported(dialect, dispatch, rounds, RESOLVED_DISPATCH_REPORTED, now)
            )
        for source in SOURCES:
            await source.resolve(self, policy, rounds)
        if in_python:
            in_force = await load_escalations(
                self.session,
                sql.E.c.round_id.in_(rounds),
                sql.E.c.rule.in_(in_python),
                sql.E.c.state.in_(OPEN_STATES),
                sql.E.c.created_at != self.now,
                sql.E.c.petition_case_id.is_(None),
                sql.E.c.closure_id.is_(None),
            )
            tasks = {e.subject for e in in_force if e.subject and e.subject[0] in "im"}
            letters = {e.issue_id for e in in_force if e.dedupe_key.startswith(LETTER_PREFIX)}
            items = await load_subject_items(self.session, tasks, self.as_of) if tasks else []
            if letters:
                items += await load_items(self.session, self.as_of, where_issue=sql.I.c.id.in_(letters))
            by_text: dict[str, list[int]] = {}
            for r in causes_resolved(items, [], in_force, policy, self.as_of):
                by_text.setdefault(r.resolution, []).append(r.escalation_id or 0)
            for resolution, ids in sorted(by_text.items()):
                for start in range(0, len(ids), CHUNK):
                    await self.resolve_rows(sql_resolve.by_ids(dialect, ids[start : start + CHUNK], resolution, now))


async def scan(
    session: AsyncSession, as_of: date, *, policy_for_round: PolicyFor | None = None, scan_id: int | None = None
) -> ScanResult:
    """Create and resolve escalations as of `as_of` in the session's transaction (the caller commits).

    Working days are counted on the calendar of each letter's unit: the tree is cut into calendar
    zones (each org with overrides of its own and its subtree, less deeper such orgs; the rest of
    the tree on the root's calendar) and the rules run once per zone on the zone's calendar. With
    no overrides there is one zone, the whole tree."""
    zones = (await load_book(session)).zones()
    run = _Scan(session, zones[0].calendar, as_of, utcnow(), scan_id)
    run.offices = dict(
        (await session.execute(select(col(InspectionRound.id), col(InspectionRound.office_org_id)))).all()
    )
    groups = await policy_groups(session, policy_for_round)
    for zone in zones:
        run.in_zone(zone)
        for policy, rounds in groups:
            await run.create(policy, rounds)
    await run.record(CREATED)  # SQLite's (PostgreSQL's are written with their rows)
    for policy, rounds in groups:
        await run.resolve(policy, rounds)
    await run.record(EventType.escalation_resolved)
    return ScanResult(run.created, run.resolved, run.now)


async def run_scan(
    sessions: async_sessionmaker[AsyncSession], as_of: date, *, policy_for_round: PolicyFor | None = None
) -> ScanResult:
    """One scan, one transaction: running it again (or on another replica at once) creates nothing twice."""
    async with sessions() as session:
        result = await scan(session, as_of, policy_for_round=policy_for_round)
        await session.commit()
    log.info("escalation_scan", as_of=as_of.isoformat(), created=result.created, resolved=result.resolved)
    return result
