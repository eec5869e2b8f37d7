"""JSON types as the document states them, for request bodies: pydantic's lax mode reads `false` as
the integer 0 and `0` as the boolean false, which a JSON Schema `integer` / `boolean` does not allow
(a client sending one has made a mistake: 422, not a silent conversion). A whole number written
`4.0` stays an integer, as JSON Schema counts it. issues-api re-exports these as `core.strict`."""

from typing import Annotated, Any

from pydantic import BeforeValidator


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected an integer, not true/false")
    return value


def _only_bool(value: Any) -> Any:
    if value is not None and not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


JsonInt = Annotated[int, BeforeValidator(_not_bool)]
JsonBool = Annotated[bool, BeforeValidator(_only_bool)]
