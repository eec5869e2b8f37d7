"""Column types that behave the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB

from .. import clock


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps everywhere: SQLite hands back naive values otherwise."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, UTC, on the one clock (`rectify_shared.clock`)."""
    return clock.now()


# Materialised org paths ("/1/5/23/") compare bytewise, so a subtree is the index range
# [path, path[:-1] + "0"). PostgreSQL's default collation ignores punctuation: force "C".
PathString = String(512).with_variant(String(512, collation="C"), "postgresql")

JSONType = JSON().with_variant(JSONB(), "postgresql")
