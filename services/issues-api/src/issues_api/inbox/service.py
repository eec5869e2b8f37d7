"""The signed-in user's in-app messages (rows the notifier writes; here they are read and marked read)."""

from sqlalchemy import false, select, true, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import InboxMessage
from rectify_shared.models.types import utcnow

from ..auth.principal import Principal
from ..core.errors import not_found
from ..core.pagination import Page, newest_first, page_of
from ..core.string_ids import is_id
from .schemas import InboxItem


async def list_page(
    session: AsyncSession, principal: Principal, unread: bool, limit: int, cursor: str | None
) -> Page[InboxItem]:
    stmt = select(InboxMessage).where(col(InboxMessage.user_id) == (principal.id if principal.kind == "user" else -1))
    if unread:
        stmt = stmt.where(col(InboxMessage.read_at).is_(None))
    newest = newest_first(stmt, col(InboxMessage.created_at), col(InboxMessage.id), cursor, limit)
    rows = (await session.execute(newest)).scalars().all()
    items, nxt = page_of(rows, limit, "-created_at", lambda m: (m.created_at.isoformat(), m.id))
    return Page[InboxItem](
        items=[
            InboxItem(
                id=str(m.id),
                created_at=m.created_at,
                event_type=m.event_type,
                title=m.title,
                body=m.body,
                link=m.link,
                read=m.read_at is not None,
            )
            for m in items
        ],
        next_cursor=nxt,
    )


async def mark_read(session: AsyncSession, principal: Principal, message_id: str) -> None:
    if not is_id(message_id):
        raise not_found("消息", "Message")
    result = await session.execute(
        update(InboxMessage)
        .where(
            col(InboxMessage.id) == int(message_id),
            col(InboxMessage.user_id) == principal.id,
            true() if principal.kind == "user" else false(),
        )
        .values(read_at=utcnow())
    )
    if not getattr(result, "rowcount", 0):
        raise not_found("消息", "Message")
    await session.commit()


async def mark_all_read(session: AsyncSession, principal: Principal) -> None:
    await session.execute(
        update(InboxMessage)
        .where(
            col(InboxMessage.user_id) == principal.id,
            col(InboxMessage.read_at).is_(None),
            true() if principal.kind == "user" else false(),
        )
        .values(read_at=utcnow())
    )
    await session.commit()
