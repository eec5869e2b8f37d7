"""Dates in query strings: the sane range the server computes with (the calendar's bounds), in
the document as a pattern on the year (`apidocs.document._date_bounds`)."""

from datetime import date
from typing import Annotated

from fastapi import Query

from ..calendar.schemas import FIRST_DAY, LAST_DAY

AsOf = Annotated[
    date | None,
    Query(
        ge=FIRST_DAY,
        le=LAST_DAY,
        description="Judge deadlines on this day; default: today (China time) / 按此日判断是否逾期，默认今天",
    ),
]
