"""What every event payload model shares."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

#: an instant as the events have always spelled it: Python's `isoformat()` ("…+00:00")
Stamp = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str, when_used="json")]


#: a 63-bit id (progress reports): stored as the integer, published as its decimal string (an
#: integer beyond 2⁵³−1 is a string in the feed and in webhooks: `rectify_shared.ids.js_safe`)
BigId = Annotated[
    int,
    WithJsonSchema(
        {"type": "string", "pattern": "^[0-9]+$", "description": "a 63-bit id, as its decimal string"},
    ),
]
#: an id that is a 63-bit one for some targets (a progress report) and a serial one for others
EitherId = Annotated[
    int,
    WithJsonSchema(
        {
            "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string", "pattern": "^[0-9]+$"}],
            "description": "an integer, or a 63-bit id as its decimal string",
        },
    ),
]


class EventData(BaseModel):
    """An event's `data`. The stored document is `dump()`: the fields the emitter set, by their
    published names (`from`/`to` are spelled `from_`/`to_` in Python), JSON-ready."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


def From(description: str | None = None) -> Any:
    return Field(alias="from", description=description)


def To(description: str | None = None) -> Any:
    return Field(alias="to", description=description)


Day = date
