"""The OpenAPI document is the contract provincial systems code against.

`docs/openapi.json` is the published document. Adding is fine; removing an operation, a schema
or a field, or changing a field's type, breaks clients and needs a major version bump.
Regenerate the published document with `make openapi` after an intended change.
"""

import json
from pathlib import Path
from typing import Any

from issues_api.main import create_app

PUBLISHED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def _type_of(prop: dict[str, Any]) -> Any:
    return prop.get("type") or prop.get("$ref") or [_type_of(p) for p in prop.get("anyOf", [])]


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    for path, ops in old["paths"].items():
        for method in ops:
            if method not in new["paths"].get(path, {}):
                problems.append(f"removed operation {method.upper()} {path}")
    old_schemas = old.get("components", {}).get("schemas", {})
    new_schemas = new.get("components", {}).get("schemas", {})
    for name, schema in old_schemas.items():
        if name not in new_schemas:
            problems.append(f"removed schema {name}")
            continue
        for prop, spec in schema.get("properties", {}).items():
            now = new_schemas[name].get("properties", {}).get(prop)
            if now is None:
                problems.append(f"removed field {name}.{prop}")
            elif _type_of(now) != _type_of(spec):
                problems.append(f"changed type of {name}.{prop}: {_type_of(spec)} -> {_type_of(now)}")
        added_required = set(new_schemas[name].get("required", [])) - set(schema.get("required", []))
        if added_required and name.endswith(("Create", "Patch", "Request")):
            problems.append(f"new required request fields in {name}: {sorted(added_required)}")
    return problems


def test_no_published_field_breaks_without_a_major_version_bump():
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    current = create_app().openapi()
    if current["info"]["version"].split(".")[0] != published["info"]["version"].split(".")[0]:
        return  # a new major version may break; docs/openapi.json is then regenerated
    assert breaking_changes(published, current) == []


def test_the_checker_catches_a_removed_field():
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    tampered = json.loads(json.dumps(published))
    del tampered["components"]["schemas"]["IssueSummary"]["properties"]["deadline"]
    del tampered["paths"]["/api/v1/changes"]
    problems = breaking_changes(published, tampered)
    assert "removed field IssueSummary.deadline" in problems
    assert "removed operation GET /api/v1/changes" in problems
