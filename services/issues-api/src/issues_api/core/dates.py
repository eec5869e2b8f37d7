"""Dates the API takes, in query strings and in request bodies: the sane range the server computes
with (the calendar's bounds, 1990-01-01 … 2100-12-31). In the document as a pattern on the year (a
query parameter's through `apidocs.document._date_bounds`, a body field's through `Day`'s schema);
a date outside is a 422 in both languages."""

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import Field, WithJsonSchema

from .instants import IsoDate

#: the calendar's bounds, and every date's the API takes
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2100, 12, 31)

AsOf = Annotated[
    IsoDate | None,
    Query(
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="Judge deadlines on this day; default: today (China time) / 按此日判断是否逾期，默认今天",
    ),
]


def year_pattern(lo: date, hi: date) -> str:
    """A pattern for ISO dates whose year is lo.year … hi.year (a date's bounds, as JSON Schema can say)."""
    parts: list[str] = []
    year = lo.year
    while year <= hi.year:
        if year % 100 == 0 and year + 99 <= hi.year:
            parts.append(f"{year // 100}[0-9]{{2}}")
            year += 100
        elif year % 10 == 0 and year + 9 <= hi.year:
            parts.append(f"{year // 10}[0-9]")
            year += 10
        else:
            parts.append(str(year))
            year += 1
    return f"^({'|'.join(parts)})-[0-9]{{2}}-[0-9]{{2}}$"


_WORDS = f"{FIRST_DAY.isoformat()} … {LAST_DAY.isoformat()}"

#: a date in a request body, within the sane range (a pydantic `ge`/`le`, documented as a pattern)
Day = Annotated[
    date,
    Field(ge=FIRST_DAY, le=LAST_DAY),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": year_pattern(FIRST_DAY, LAST_DAY),
            "description": f"A day ({_WORDS}) / 日期（{_WORDS}）",
        }
    ),
]
