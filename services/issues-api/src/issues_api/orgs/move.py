"""Moving an org (and its whole subtree) under another parent, in one transaction.

Every materialised path of the subtree changes: the orgs' own `path` and `depth`, and every scoped
row carrying one (`org_path`, a petition case's `locality_path`/`responsible_path`), found from the
table metadata so a new scoped table is never forgotten. The append-only tables (the audit trail,
whose records are hash-chained, and the outbox, whose events are already published) keep the path
they were written with: they say where the row was then.
"""

from sqlalchemy import Column, String, Table, func, literal, update
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Org
from rectify_shared.tree import in_subtree

#: append-only: written once, never rewritten
APPEND_ONLY = frozenset({"audit_record", "outbox_event"})


def path_columns() -> list[tuple[Table, Column[str]]]:
    """(table, column) for every materialised org path outside the org table itself."""
    out = []
    for table in SQLModel.metadata.sorted_tables:
        if table.name in APPEND_ONLY or table.name == "org":
            continue
        for column in table.columns:
            if (column.name == "org_path" or column.name.endswith("_path")) and isinstance(column.type, String):
                out.append((table, column))
    return out


def _rebased(column: Column[str] | object, old: str, new: str) -> object:
    return literal(new) + func.substr(column, len(old) + 1)


async def rebase_subtree(session: AsyncSession, old: str, new: str, depth_delta: int) -> dict[str, int]:
    """Rewrite every path under `old` to start with `new`; returns rows changed per table."""
    changed: dict[str, int] = {}
    org = Org.__table__  # type: ignore[attr-defined]
    result = await session.execute(
        update(org)
        .where(in_subtree(org.c.path, old))
        .values(path=_rebased(org.c.path, old, new), depth=org.c.depth + depth_delta)
        .execution_options(synchronize_session=False)
    )
    changed["org"] = int(result.rowcount or 0)  # type: ignore[attr-defined]
    for table, column in path_columns():
        result = await session.execute(
            update(table)
            .where(in_subtree(column, old))
            .values({column.name: _rebased(column, old, new)})
            .execution_options(synchronize_session=False)
        )
        if result.rowcount:  # type: ignore[attr-defined]
            key = table.name if column.name == "org_path" else f"{table.name}.{column.name}"
            changed[key] = int(result.rowcount)  # type: ignore[attr-defined]
    return changed
