"""Item sources beyond the ledger's tasks: each adds its own rows to the deadline rules (one
INSERT per rule) and resolves its own escalations. Register a source with one line below."""

from datetime import date, datetime
from typing import Protocol

from sqlalchemy.sql.dml import Insert, Update

from rectify_shared.calendar_store import CalendarZone
from rectify_shared.escalation_policy import Rule
from rectify_shared.workcalendar import WorkCalendar

from . import petition_source


class ItemSource(Protocol):
    def deadline_insert(
        self,
        dialect: str,
        rule: Rule,
        round_ids: list[int],
        calendar: WorkCalendar,
        as_of: date,
        now: datetime,
        scan_id: int | None = None,
        zone: CalendarZone | None = None,
    ) -> Insert | None: ...

    def resolutions(self, dialect: str, rule_ids: list[str], round_ids: list[int], now: datetime) -> list[Update]: ...


ITEM_SOURCES: tuple[ItemSource, ...] = (petition_source,)
