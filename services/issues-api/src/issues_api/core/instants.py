"""Times and days in query strings: ISO 8601 only, as the document's `format: date-time` / `date` say.

pydantic also reads a number as seconds since 1970 (`?until=0.5` would mean 1970-01-01T00:00:00.5Z);
a client that sends one has made a mistake, and the answer is a 422, not a quietly empty page."""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

_ISO = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")


def _iso_only(value: Any) -> Any:
    if isinstance(value, str) and not _ISO.match(value):
        raise ValueError("not an ISO 8601 date-time, e.g. 2024-12-01T09:00:00+08:00")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_only)]

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_only(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.match(value):
        # pydantic's own error type: its message, and the Chinese one (core.validation_messages)
        raise PydanticCustomError("date_parsing", "Input should be a valid date in the format YYYY-MM-DD")
    return value


#: a day in a query string: YYYY-MM-DD only (`?as_of=0` would otherwise be 1970-01-01)
IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
