"""Keyset pagination: `limit` (1–200, default 50) and an opaque `cursor`.

A cursor is the sort name plus the last row's sort value and id, base64url-encoded JSON.
"""

import base64
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import Mapped

from .error_catalogue import INVALID_CURSOR

T = TypeVar("T")
SelectT = TypeVar("SelectT", bound=Select[Any])

Limit = Annotated[int, Query(ge=1, le=200, description="Page size, 1–200")]
#: what `encode_cursor` makes: unpadded base64url
CURSOR_PATTERN = "^[A-Za-z0-9_-]*$"
Cursor = Annotated[
    str | None,
    Query(
        description="Opaque cursor from a previous page's `next_cursor` (base64url); one from another sort "
        "order or list is a 422",
        pattern=CURSOR_PATTERN,
        max_length=2000,
    ),
]
WithTotal = Annotated[
    bool,
    Query(
        description="Also count every item of the list (all pages, same filters and scope) into `total`; "
        "off by default because counting costs a second query / 同时返回总数（默认不计数）"
    ),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page")
    total: int | None = Field(
        default=None, description="Every item over all pages, with `with_total=true` on lists that take it; else null"
    )


def encode_cursor(sort: str, value: Any, row_id: int) -> str:
    raw = json.dumps({"s": sort, "v": value, "id": row_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if data["s"] != sort or not isinstance(data["id"], int):
            raise ValueError("sort mismatch")
        return data["v"], data["id"]
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        raise INVALID_CURSOR.error(details=[{"field": "query.cursor", "reason": str(exc) or "malformed"}]) from exc


def after_key(
    key: ColumnElement[Any] | Mapped[Any], id_col: ColumnElement[Any] | Mapped[Any], value: Any, row_id: Any, desc: bool
) -> ColumnElement[bool]:
    """Rows strictly after (value, row_id) in (key, id) order — works on SQLite and PostgreSQL."""
    if desc:
        return or_(key < value, and_(key == value, id_col < row_id))
    return or_(key > value, and_(key == value, id_col > row_id))


def newest_first(
    stmt: SelectT, created_at: Mapped[Any], id_col: Mapped[Any], cursor: str | None, limit: int
) -> SelectT:
    """`stmt` newest first by (created_at, id), after `cursor` (a `-created_at` cursor), limit + 1
    rows (for `page_of`)."""
    if cursor:
        value, row_id = decode_cursor(cursor, "-created_at")
        stmt = stmt.where(after_key(created_at, id_col, datetime.fromisoformat(value), row_id, desc=True))
    return stmt.order_by(created_at.desc(), id_col.desc()).limit(limit + 1)


def page_of(
    rows: Sequence[T], limit: int, sort: str, key_of: Callable[[T], tuple[Any, int]]
) -> tuple[list[T], str | None]:
    """Rows were fetched with limit + 1: trim and make the next cursor."""
    items = list(rows[:limit])
    if len(rows) <= limit:
        return items, None
    value, row_id = key_of(items[-1])
    return items, encode_cursor(sort, value, row_id)
