"""The OpenAPI document, finished in one place after FastAPI has generated it.

FastAPI's document describes the routes; this adds what a generated client needs and FastAPI cannot
know: the Chinese summaries and tag descriptions (`summaries`), the project's error envelope for
every error a route can answer (FastAPI documents its own 422 body, which the server never sends),
the API-key scheme, Chinese enum labels, the JS-safe id rule, and examples for the request bodies
that FastAPI cannot take from a model (forms, uploads).
"""

from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from rectify_shared.escalation_policy import DEFAULT_POLICY
from rectify_shared.ids import JS_MAX_SAFE_INTEGER

from ..core.dates import year_pattern
from . import enum_labels, error_codes, webhooks
from .summaries import SUMMARIES, TAGS

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}
#: the largest id a path or query parameter may carry (the database's bigint); beyond it: 422
MAX_PATH_ID = 2**63 - 1

API_NOTES = """
## Ids in JSON / 编号
Every id is exact in JavaScript. Ids of the big append-only tables (progress reports, audit
records, events of the change feed and webhooks, deliveries, messages, receipts) are 63-bit and are
**decimal strings** (`"388049409119663637"`), in every field that holds one; every other id is an
integer below 2⁵³−1 (`maximum` says so). A request may send a string id as the string or the number.
大表（整改进展、审计、事件、投递等）的 63 位编号一律以字符串返回；其他编号为小于 2⁵³ 的整数。

## Authentication / 认证
* People: `POST /api/v1/auth/token` with a **form** (OAuth2 password grant), then
  `Authorization: Bearer <access_token>`.
* Systems: an API key made by the office (`POST /api/v1/api-keys`), sent the same way:
  `Authorization: Bearer rk_…`.

## Browsers / 浏览器
CORS is off unless `RECTIFY_CORS_ORIGINS` lists origins; credentials are never allowed. `OPTIONS`
on any path answers `Allow`. The docs (`/api/v1/docs`, `/api/v1/redoc`) need no network.

## Totals / 总数
Lists that take `with_total=true` also return `total`, counted under the same filters and scope.
"""

#: request bodies whose examples FastAPI cannot take from a model: operation id → media type → example
BODY_EXAMPLES: dict[str, dict[str, Any]] = {
    "auth_token": {
        "application/x-www-form-urlencoded": {"grant_type": "password", "username": "abgq", "password": "…"}
    },
    "attachments_upload": {"multipart/form-data": {"file": "(binary: 验收报告.pdf)"}},
    "petitions_import_batch": {"multipart/form-data": {"file": "(binary: 信访举报件办理情况一览表.xlsx)"}},
    "imports_create": {"multipart/form-data": {"file": "(binary: 整改工作台账.xlsx)"}},
    # its body is validated by hand (the ladder's own messages): the schema is a $ref, the example here
    "escalations_put_policy": {"application/json": DEFAULT_POLICY.model_dump(mode="json")},
}


def build(app: FastAPI) -> dict[str, Any]:
    """`app.openapi`: the document, built once."""
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=(app.description or "") + API_NOTES,
        routes=app.routes,
        webhooks=app.webhooks.routes,
        tags=[{"name": name, "description": f"{zh} / {en}"} for name, (zh, en) in TAGS.items()],
    )
    webhooks.finish(doc)
    finish(doc)
    _date_bounds(app, doc)
    error_codes.add(app, doc, _routes(app.routes))
    app.openapi_schema = doc
    return doc


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in doc.get("paths", {}).items() for m, op in ops.items() if isinstance(op, dict)]


def finish(doc: dict[str, Any]) -> None:
    schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["ApiKey"] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "rk_…",
        "description": "An integration's API key, sent as `Authorization: Bearer rk_…` / 接口密钥",
    }
    if "OAuth2PasswordBearer" in schemes:
        schemes["OAuth2PasswordBearer"]["description"] = (
            "Sign in at POST /api/v1/auth/token with a form (username, password), then send "
            "`Authorization: Bearer <access_token>` / 表单登录后以 Bearer 令牌访问"
        )
    for method, _path, op in operations(doc):
        if op.get("operationId") in SUMMARIES:
            op["summary"] = SUMMARIES[op["operationId"]]
        if any("OAuth2PasswordBearer" in s for s in op.get("security", [])):
            op["security"] = [*op["security"], {"ApiKey": []}]
        _errors(method, op)
        _parameters(op)
        for media, example in BODY_EXAMPLES.get(op.get("operationId", ""), {}).items():
            content = op.get("requestBody", {}).get("content", {})
            if media in content:
                content[media]["example"] = example
    schemas = doc["components"].get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for name, schema in schemas.items():
        _walk(schema, name)
    for _m, _p, op in operations(doc):
        _walk(op, None)


def _errors(method: str, op: dict[str, Any]) -> None:
    """Every error a route can answer, in the project's envelope."""
    responses = op.setdefault("responses", {})
    if op.get("parameters") or op.get("requestBody"):
        responses.setdefault("422", {"description": "Invalid input / 输入数据不合法"})
    if any(p.get("in") == "path" for p in op.get("parameters", [])):
        responses.setdefault("404", {"description": "Not found / 不存在"})
    if op.get("requestBody"):
        responses.setdefault("413", {"description": "Request body too large / 请求体过大"})
        responses.setdefault("415", {"description": "Wrong media type / 内容类型错误"})
    for code, response in responses.items():
        if code[:1] in ("4", "5"):
            # the envelope in JSON; a page a route answers to a browser (public/pages.py) stays beside it
            html = {k: v for k, v in response.get("content", {}).items() if k == "text/html"}
            response["content"] = {"application/json": {"schema": dict(ERROR_REF)}, **html}


def _parameters(op: dict[str, Any]) -> None:
    """Every integer in a path or query is a 64-bit one (beyond: 422 value_out_of_range); an id in a
    path is at least 1 as well (a path matches digits only; an id below answers 404, a query filter
    merely matches nothing)."""
    for param in op.get("parameters", []):
        name = param.get("name", "")
        for schema in _alternatives(param.get("schema", {})):
            if schema.get("type") == "integer":
                if param.get("in") == "path" and (name == "id" or name.endswith("_id")):
                    schema.setdefault("minimum", 1)
                schema.setdefault("minimum", -MAX_PATH_ID - 1)
                schema.setdefault("maximum", MAX_PATH_ID)


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema, *schema.get("anyOf", []), *schema.get("oneOf", [])]


def is_id_name(name: str) -> bool:
    return name == "id" or name.endswith(("_id", "_ids"))


def _walk(node: Any, schema_name: str | None) -> None:
    """Enum labels everywhere; the JS-safe bound on every integer id property."""
    if isinstance(node, list):
        for item in node:
            _walk(item, None)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("enum"), list) and "x-enum-descriptions" not in node:
        node["x-enum-descriptions"] = enum_labels.labels(schema_name, node["enum"])
    for prop, spec in (node.get("properties") or {}).items():
        if is_id_name(prop) and isinstance(spec, dict):
            _bound_ids(spec)
    for key, value in node.items():
        if key != "properties":
            _walk(value, None)
        else:
            for spec in value.values():
                _walk(spec, None)


def _bound_ids(spec: dict[str, Any]) -> None:
    """A serial id stays below 2⁵³−1 (the 63-bit ones are strings): say so where it is an integer."""
    for alt in _alternatives(spec):
        items = alt.get("items") if alt.get("type") == "array" else None
        for s in [alt, *(_alternatives(items) if isinstance(items, dict) else [])]:
            if s.get("type") == "integer":
                s.setdefault("minimum", 0)  # no id is negative (a negative one is a 422, never a lookup)
                s.setdefault("maximum", JS_MAX_SAFE_INTEGER)


def _routes(routes: Any) -> Any:
    for r in routes:
        if hasattr(r, "original_router"):  # FastAPI's included router
            yield from _routes(r.original_router.routes)
        elif isinstance(r, APIRoute) and r.include_in_schema:
            yield r


def _date_bounds(app: FastAPI, doc: dict[str, Any]) -> None:
    """A date parameter's `ge`/`le` (pydantic leaves them out of the schema): as a pattern on the
    year, and in words (bounds within a year are in the words only)."""
    for route in _routes(app.routes):
        for param in [*route.dependant.query_params, *route.dependant.path_params]:
            lo = next((m.ge for m in param.field_info.metadata if isinstance(getattr(m, "ge", None), date)), None)
            hi = next((m.le for m in param.field_info.metadata if isinstance(getattr(m, "le", None), date)), None)
            if lo is None or hi is None:
                continue
            for method in route.methods:
                op = doc["paths"].get(route.path_format, {}).get(method.lower())
                if op is None:
                    continue
                for p in op.get("parameters", []):
                    if p["name"] == param.alias:
                        for alt in _alternatives(p["schema"]):
                            if alt.get("format") == "date":
                                alt["pattern"] = year_pattern(lo, hi)
                        words = f"{lo.isoformat()} … {hi.isoformat()}"
                        p["description"] = f"{p.get('description', '')} ({words})".strip()
