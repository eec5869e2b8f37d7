"""Each operation's error codes in the OpenAPI document (issue 28, item 10).

`x-error-codes` on an operation: the catalogued codes its endpoint and dependencies can answer
(`core.error_catalogue.codes_reached`), beside the generic ones every route may answer (listed with
the rest in the document's `x-error-catalogue`: code, HTTP status, domain, message in Chinese and English).
"""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from ..core.error_catalogue import (
    ANY_ROUTE,
    IDEMPOTENCY_IN_PROGRESS,
    IDEMPOTENCY_KEY_REUSED,
    INVALID_IDEMPOTENCY_KEY,
    all_codes,
    codes_reached,
)
from ..core.idempotency import NOT_KEPT, PUBLIC


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def route_codes(route: APIRoute) -> list[str]:
    """The codes a route's endpoint and its dependencies can answer, sorted."""
    found = codes_reached([route.endpoint, *_calls(route.dependant)])
    return sorted({e.code for e in found} - {e.code for e in ANY_ROUTE})


#: the Idempotency-Key's codes: on the POSTs that keep the key (core/idempotency.py), not elsewhere
_IDEMPOTENCY = {e.code for e in (IDEMPOTENCY_IN_PROGRESS, IDEMPOTENCY_KEY_REUSED, INVALID_IDEMPOTENCY_KEY)}


def add(app: FastAPI, doc: dict[str, Any], routes: Iterator[APIRoute]) -> None:
    for route in routes:
        codes = route_codes(route)
        for method in route.methods or ():
            op = doc["paths"].get(route.path_format, {}).get(method.lower())
            path = route.path_format
            keeps_key = method == "POST" and (method, path) not in PUBLIC and path not in NOT_KEPT
            mine = [c for c in codes if keeps_key or c not in _IDEMPOTENCY]
            if op is not None and mine:
                op["x-error-codes"] = mine
    doc["x-error-catalogue"] = [
        {"code": e.code, "status": e.status, "domain": e.domain, "message": e.message, "message_en": e.message_en}
        for e in all_codes()
    ]
