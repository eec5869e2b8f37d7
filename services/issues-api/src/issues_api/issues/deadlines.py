"""A deadline set on an issue or a measure: the date, its rule, its wording; a moved one is kept as a
`DeadlineChange` (a correction; extensions are `extensions`')."""

from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import DeadlineChangeKind
from rectify_shared.models import DeadlineChange, Issue, Measure

from ..calendar.service import DeadlineSetting


def record_deadline_change(
    session: AsyncSession,
    entity: str,
    entity_id: int,
    old: date | None,
    new: date | None,
    reason: str | None,
    actor: str,
) -> None:
    session.add(
        DeadlineChange(
            entity_type=entity,
            entity_id=entity_id,
            old_deadline=old,
            new_deadline=new,
            kind=DeadlineChangeKind.correction,
            reason=reason,
            changed_by=actor,
        )
    )


def apply_deadline(
    session: AsyncSession, kind: str, row: Issue | Measure, setting: DeadlineSetting, reason: str | None, actor: str
) -> dict[str, Any]:
    """Set a row's deadline, rule and provisional flag; a moved deadline is a DeadlineChange. A
    moved deadline or a new rule takes the setting's wording and precision (none for a date set
    through the API: the old wording no longer describes it)."""
    assert row.id is not None
    changes: dict[str, Any] = {}
    if setting.deadline != row.deadline:
        record_deadline_change(session, kind, row.id, row.deadline, setting.deadline, reason, actor)
        changes["deadline"] = {
            "from": row.deadline.isoformat() if row.deadline else None,
            "to": setting.deadline.isoformat() if setting.deadline else None,
        }
        if row.original_deadline is None:
            row.original_deadline = setting.deadline
        row.deadline = setting.deadline
    if setting.rule != row.deadline_rule:
        changes["deadline_rule"] = row.deadline_rule = setting.rule
    if changes:
        row.deadline_text, row.deadline_precision = setting.text, setting.precision
    row.deadline_provisional = setting.provisional
    return changes
