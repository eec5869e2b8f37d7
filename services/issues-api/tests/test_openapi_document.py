"""The OpenAPI document is worth generating a client from: stable `{tag}_{verb}` operation ids, a
Chinese summary for every operation (kept in `apidocs/summaries.py`), described tags, the project's
error envelope for every error, Chinese enum labels, the API-key scheme, an example on every request
body, and ids that JavaScript keeps exact."""

import re
from typing import Any

import pytest

from issues_api.apidocs.document import is_id_name, operations
from issues_api.apidocs.operation_ids import tag_prefix
from issues_api.apidocs.summaries import SUMMARIES, TAGS
from issues_api.main import create_app
from rectify_shared.ids import JS_MAX_SAFE_INTEGER

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create_app().openapi()


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def test_every_operation_has_a_stable_id_and_a_chinese_summary(doc):
    ids = [op["operationId"] for _m, _p, op in operations(doc)]
    assert len(ids) == len(set(ids)) and len(ids) > 100
    missing = [i for i in ids if i not in SUMMARIES]
    assert not missing, f"add a Chinese summary for each to issues_api/apidocs/summaries.py: {missing}"
    for _m, path, op in operations(doc):
        assert re.fullmatch(r"[a-z][a-z_]*[a-z]", op["operationId"]), op["operationId"]
        assert op["operationId"].startswith(tag_prefix(op["tags"][0]) + "_"), (path, op["operationId"])
        assert CJK.search(op["summary"]) and op["summary"] == SUMMARIES[op["operationId"]]
    assert {"issues_list", "issues_get", "closures_accept", "changes_list", "auth_token"} <= set(ids)
    assert not set(SUMMARIES) - set(ids), "summaries of operations that no longer exist"


def test_every_tag_is_described_in_chinese_and_english(doc):
    used = {op["tags"][0] for _m, _p, op in operations(doc)}
    described = {t["name"]: t["description"] for t in doc["tags"]}
    assert used <= set(described), f"describe these tags in apidocs/summaries.py TAGS: {used - set(described)}"
    for name in used:
        zh, en = TAGS[name]
        assert CJK.search(zh) and en and not CJK.fullmatch(en)


def test_every_error_is_documented_in_the_error_envelope(doc):
    text = str(doc)
    assert "HTTPValidationError" not in text and "#/components/schemas/ValidationError" not in text
    for method, path, op in operations(doc):
        responses = op["responses"]
        if op.get("parameters") or op.get("requestBody"):
            assert "422" in responses, (method, path)
        if op.get("security"):
            assert {"401", "403", "429"} <= set(responses), (method, path)
        for code, response in responses.items():
            if code[0] in "45":
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path, code)
    detail = doc["components"]["schemas"]["ErrorDetail"]["properties"]
    assert {"field", "reason", "reason_zh", "type"} <= set(detail)


def _enums(node: Any, name: str | None = None) -> list[tuple[str | None, dict[str, Any]]]:
    found = []
    if isinstance(node, dict):
        if isinstance(node.get("enum"), list):
            found.append((name, node))
        for v in node.values():
            found += _enums(v)
    elif isinstance(node, list):
        for v in node:
            found += _enums(v)
    return found


def test_enums_keep_their_values_and_carry_chinese_labels(doc):
    enums = _enums(doc)
    assert len(enums) > 20
    for _name, schema in enums:
        assert len(schema["x-enum-descriptions"]) == len(schema["enum"])
    status = doc["components"]["schemas"]["IssueStatus"]
    labels = dict(zip(status["enum"], status["x-enum-descriptions"], strict=True))
    assert labels["closed"] == "已销号" and labels["completed_long_term"] == "已完成整改，长期坚持"
    unlabelled = [s["enum"] for _n, s in enums if s["enum"] == s["x-enum-descriptions"] and len(s["enum"]) > 1]
    assert unlabelled == [], f"enums with no Chinese labels (apidocs/enum_labels.py): {unlabelled}"


def test_api_keys_and_tokens_are_both_documented(doc):
    schemes = doc["components"]["securitySchemes"]
    assert schemes["ApiKey"]["scheme"] == "bearer" and "rk_" in schemes["ApiKey"]["bearerFormat"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    secured = [op for _m, _p, op in operations(doc) if op.get("security")]
    assert secured and all({"ApiKey": []} in op["security"] for op in secured)
    token = doc["paths"]["/api/v1/auth/token"]["post"]
    assert list(token["requestBody"]["content"]) == ["application/x-www-form-urlencoded"]
    assert "415" in token["responses"] and "form" in token["description"]


def test_every_request_body_has_an_example(doc):
    def has_example(content: dict[str, Any]) -> bool:
        if content.get("example") is not None or content.get("examples"):
            return True
        schema = content.get("schema", {})
        if schema.get("format") == "binary":
            return True  # a raw file upload: its media type is the example
        for alt in [schema, *schema.get("anyOf", [])]:
            if _resolve(doc, alt).get("examples"):
                return True
        return False

    missing = [
        (method, path, media)
        for method, path, op in operations(doc)
        for media, content in op.get("requestBody", {}).get("content", {}).items()
        if not has_example(content)
    ]
    assert not missing, f"request bodies without an example: {missing}"


def _response_schemas(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema reachable from a response (components followed through $ref)."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []

    def visit(node: Any) -> None:
        if isinstance(node, list):
            for v in node:
                visit(v)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in seen:
                    seen.add(name)
                    visit(doc["components"]["schemas"][name])
            if "properties" in node and all(node is not o for o in out):
                out.append(node)
            for v in node.values():
                visit(v)

    for _m, _p, op in operations(doc):
        visit(op["responses"])
    return out


def js_unsafe_id_fields(doc: dict[str, Any]) -> list[str]:
    """Id-bearing response fields that a JavaScript client could not hold exactly: neither a string
    nor an integer bounded by 2⁵³−1."""
    bad = []
    for schema in _response_schemas(doc):
        for prop, spec in schema.get("properties", {}).items():
            if not is_id_name(prop):
                continue
            spec = _resolve(doc, spec)
            alts = [spec, *spec.get("anyOf", []), *spec.get("oneOf", [])]
            alts = [a.get("items", {}) if a.get("type") == "array" else a for a in alts]
            for alt in alts:
                kind = alt.get("type")
                if kind in (None, "null", "string", "object") and "$ref" not in alt:
                    continue
                if "$ref" in alt:
                    continue
                if kind != "integer" or alt.get("maximum", float("inf")) > JS_MAX_SAFE_INTEGER:
                    bad.append(f"{schema.get('title')}.{prop}: {alt}")
    return bad


def test_every_id_in_a_response_schema_is_exact_in_javascript(doc):
    fields = [p for s in _response_schemas(doc) for p in s.get("properties", {}) if is_id_name(p)]
    assert len(fields) > 50
    assert js_unsafe_id_fields(doc) == []
    schemas = doc["components"]["schemas"]
    assert schemas["ProgressRead"]["properties"]["id"]["type"] == "string"  # the 63-bit ids
    assert schemas["Change"]["properties"]["aggregate_id"]["type"] == "string"
    assert schemas["IssueRead"]["properties"]["id"]["maximum"] == JS_MAX_SAFE_INTEGER  # a serial id


#: fields that hold ids of the 63-bit tables (rectify_shared.ids): strings wherever they appear
WIDE_ID_FIELDS = {
    "progress_id", "progress_report_id", "progress_report_ids", "target_id", "aggregate_id", "event_id",
    "delivery_id", "message_id", "digest_id", "audit_id", "receipt_id",
}  # fmt: skip
#: response schemas whose own `id` is a 63-bit id
WIDE_ID_SCHEMAS = re.compile(r"^(Progress|Audit|Delivery|Inbox|Change|Digest|Receipt)")


def test_the_63_bit_ids_are_strings_in_every_response_schema(doc):
    """A serial id's `maximum` is the document's promise; a 63-bit id must be a string, whatever
    schema it turns up in (a new `progress_report_id: int` fails here)."""
    wrong = []
    for schema in _response_schemas(doc):
        title = str(schema.get("title", ""))
        for prop, spec in schema.get("properties", {}).items():
            wide = prop in WIDE_ID_FIELDS or (prop == "id" and WIDE_ID_SCHEMAS.match(title))
            if not wide:
                continue
            spec = _resolve(doc, spec)
            alts = spec.get("anyOf") or [spec]
            alts = [a.get("items", {}) if a.get("type") == "array" else a for a in alts]
            if any(a.get("type") not in ("string", "null") for a in alts):
                wrong.append(f"{title}.{prop}")
    assert wrong == [], "63-bit ids must be rectify_shared.ids.WideId (a string in JSON)"


def test_the_js_rule_check_catches_an_unbounded_integer_id(doc):
    tampered = {**doc, "components": {**doc["components"], "schemas": dict(doc["components"]["schemas"])}}
    tampered["components"]["schemas"]["ProgressRead"] = {
        **doc["components"]["schemas"]["ProgressRead"],
        "properties": {**doc["components"]["schemas"]["ProgressRead"]["properties"], "id": {"type": "integer"}},
    }
    assert js_unsafe_id_fields(tampered) == ["ProgressRead.id: {'type': 'integer'}"]


def test_the_change_feed_documents_its_cursor(doc):
    op = doc["paths"]["/api/v1/changes"]["get"]
    after = next(p for p in op["parameters"] if p["name"] == "after")
    assert "beyond the feed's head" in after["description"]
    assert any(a.get("pattern") for a in after["schema"]["anyOf"])
    nxt = doc["components"]["schemas"]["ChangePage"]["properties"]["next_cursor"]
    assert "never null" in nxt["description"]
