"""Which template is in force for a document: the round's newest upload, else the newest of the
nearest org up the report's org path, else the shipped default (None here)."""

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from ..models import DocumentTemplate


def candidate_scopes(round_id: int | None, org_path: str | None) -> list[str]:
    """Nearest first: the round, then the report's org and its ancestors up to the root."""
    scopes = [f"round:{round_id}"] if round_id is not None else []
    ids = [p for p in (org_path or "").split("/") if p]
    scopes += [f"org:{i}" for i in reversed(ids)]
    return scopes


async def effective_template(
    session: AsyncSession, kind: str, round_id: int | None, org_path: str | None
) -> DocumentTemplate | None:
    scopes = candidate_scopes(round_id, org_path)
    if not scopes:
        return None
    rows = (
        (
            await session.execute(
                select(DocumentTemplate)
                .where(col(DocumentTemplate.kind) == kind, col(DocumentTemplate.scope).in_(scopes))
                .order_by(col(DocumentTemplate.version).desc())
            )
        )
        .scalars()
        .all()
    )
    newest: dict[str, DocumentTemplate] = {}
    for row in rows:
        newest.setdefault(row.scope, row)
    return next((newest[s] for s in scopes if s in newest), None)
