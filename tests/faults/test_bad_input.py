"""Bad input, over every operation of the OpenAPI document: always a 4xx (or a 2xx that stores
the text verbatim), never a 5xx, and nothing half-written.

Operations are read from the document, so endpoints added later are covered without editing this
file. Bodies start from each request schema's documented example; every string field in it gets
SQL and template metacharacters and a NUL; the body as a whole is sent oversized, deeply nested
and as invalid UTF-8; every `limit` is 10**9.
"""

import json
import re
from typing import Any

from sqlalchemy import func, select

from issues_api.core.limits import BodyGuard
from rectify_shared.models import metadata

PAYLOADS = ["'; DROP TABLE issue; --<script>alert(1)</script>", "模板{{7*7}}注入${7*7}<%= 7*7 %>", "空\x00字符"]
RENDERED = "模板49注入"  # what "模板{{7*7}}注入…" would become if anything rendered it
#: tables a rejected request may still touch: sign-in bookkeeping, not ledger state
NOT_STATE = {"login_failure", "auth_session", "idempotency_key"}


def _operations(app: Any) -> list[tuple[str, str, dict[str, Any]]]:
    doc = app.openapi()
    return [(m.upper(), p, op) for p, ops in doc["paths"].items() for m, op in ops.items()]


def _path(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def _example(doc: dict[str, Any], op: dict[str, Any]) -> Any:
    content = op.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if media is None:
        return None
    schema = media.get("schema", {})
    if "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    examples = schema.get("examples") or ([schema["example"]] if "example" in schema else [])
    return examples[0] if examples else None


def _string_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, str):
        return [prefix]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, (*prefix, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, (*prefix, i))]
    return []


def _replaced(value: Any, path: tuple[Any, ...], new: str) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


async def _state(app: Any) -> tuple[int, ...]:
    """Row counts of every state table, in one round trip."""
    tables = [t for t in metadata.sorted_tables if t.name not in NOT_STATE]
    query = select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    async with app.state.rectify.read_sessions() as s:
        return tuple((await s.execute(query)).one())


def _ok_status(r: Any, what: str) -> None:
    assert r.status_code < 500, f"{what}: {r.status_code} {r.text[:300]}"


async def test_malformed_bodies_are_4xx_and_write_nothing(app, client):
    before = await _state(app)
    limit = app.state.rectify.settings.max_body_bytes
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    for method, path, op in _operations(app):
        if "requestBody" not in op:
            continue
        url = _path(path, {})
        json_type = {"content-type": "application/json"}
        for what, body in (
            ("oversized", b'{"name": "' + b"x" * (limit + 1) + b'"}'),
            ("deep", deep),
            ("deep object", ('{"a":' * 50_000 + "1" + "}" * 50_000).encode()),
            ("invalid utf-8", b'{"name": "\xff\xfe\xfd", "text": "\xc3\x28"}'),
            ("not json", b"{'name': 1,,}"),
        ):
            r = await client.request(method, url, content=body, headers=json_type)
            _ok_status(r, f"{method} {path} {what}")
            assert 400 <= r.status_code < 500, f"{method} {path} {what}: {r.status_code}"
            if r.headers["content-type"].startswith("text/html"):  # a citizen's form (public/pages.py): a page
                assert "application/x-www-form-urlencoded" in op["requestBody"]["content"], path
                assert 'role="alert"' in r.text or "<h1>" in r.text, f"{path} {what}: {r.text[:200]}"
                continue
            assert r.json()["error"]["message"] and r.json()["error"]["message_en"]
        # each route's own limit: an upload takes files up to the attachment limit
        route_limit = BodyGuard.limit_for(url, app.state.rectify.settings)
        r = await client.request(method, url, content=b"x" * (route_limit + 1), headers=json_type)
        assert r.status_code == 413, f"{method} {path}: {r.status_code}"
    assert await _state(app) == before


async def test_huge_page_sizes_and_metacharacters_in_query_params_are_4xx(app, client):
    for method, path, op in _operations(app):
        if method != "GET":
            continue
        params = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "query"}
        url = _path(path, {})
        if "limit" in params:
            r = await client.get(url, params={"limit": 10**9})
            assert r.status_code == 422, f"{path} limit=10**9: {r.status_code}"
        for name, spec in params.items():
            if spec.get("schema", {}).get("type") == "string" or "anyOf" in spec.get("schema", {}):
                for payload in PAYLOADS:
                    r = await client.get(url, params={name: payload})
                    _ok_status(r, f"GET {path} {name}={payload!r}")
                    assert RENDERED not in r.text


async def test_metacharacters_in_every_text_field_are_stored_verbatim_or_refused(app, client):
    doc = app.openapi()
    tried = 0
    for method, path, op in _operations(app):
        example = _example(doc, op)
        if example is None or path.startswith("/api/v1/me") or "password" in path:
            continue
        for field in _string_paths(example):
            for payload in PAYLOADS:
                before = await _state(app)
                body = _replaced(example, field, payload)
                r = await client.request(method, _path(path, {}), json=body)
                tried += 1
                what = f"{method} {path} {'.'.join(map(str, field))}={payload!r}"
                _ok_status(r, what)
                assert RENDERED not in r.text, what
                if r.status_code >= 400:
                    assert await _state(app) == before, f"{what}: {r.status_code} but something was written"
                    continue
                shown = r.text
                if "location" in r.headers:
                    shown += (await client.get(r.headers["location"])).text
                if payload in json.dumps(body, ensure_ascii=False) and str(field[-1]) in r.text:
                    assert json.dumps(payload, ensure_ascii=False)[1:-1] in shown, f"{what}: not stored verbatim"
    assert tried > 100  # the document's examples gave the suite something to send
