"""Integer path parameters match digits only (`{org_id:int}`), so a literal sibling path is not
taken for an id: `PATCH /orgs/tree` is a 405 naming the methods `/orgs/tree` takes (not a 422 from
`PATCH /orgs/{org_id}` reading "tree" as an id), and `OPTIONS /escalations/scan` answers `Allow: POST,
OPTIONS`, not the GET of `/escalations/{escalation_id}`. A non-digit id is then a 404 (no such path),
as the document's `minimum: 1` on path ids leads a client to expect. The document is unchanged:
FastAPI writes `path_format`, which drops the convertor."""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import compile_path


def _api_routes(routes: Any) -> Iterator[APIRoute]:
    for r in routes:
        if hasattr(r, "original_router"):  # FastAPI's included router
            yield from _api_routes(r.original_router.routes)
        elif isinstance(r, APIRoute):
            yield r


def type_int_path_params(app: FastAPI) -> None:
    for route in _api_routes(app.router.routes):
        ints = {p.alias for p in route.dependant.path_params if p.field_info.annotation is int}
        if not ints:
            continue
        path = route.path
        for name in ints:
            path = path.replace("{" + name + "}", "{" + name + ":int}")
        route.path = path  # what FastAPI builds the included (prefixed) route from
        route.path_regex, route.path_format, route.param_convertors = compile_path(path)
