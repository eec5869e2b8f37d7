"""Error codes live in per-domain catalogues (`<domain>/errors.py`, the core's in
`core/error_catalogue.py`), and the OpenAPI document lists each operation's codes (issue 28, item 10)."""

import ast
import string
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from issues_api.core.error_catalogue import all_codes
from issues_api.main import create_app

SRC = Path(__file__).resolve().parents[1] / "src/issues_api"
#: where an ApiError may still be built by hand: the class's home, the catalogue, and helpers that
#: carry a code from data (each marked with `@raises(...)` naming the catalogue entries)
BUILDERS = {
    "core/errors.py",
    "core/error_catalogue.py",
    "auth/sso_flow.py",
    "core/signed_links.py",
    "imports/preview.py",
}


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return create_app().openapi()


def test_a_code_keeps_one_status_in_every_catalogue(doc):
    statuses: dict[str, set[int]] = defaultdict(set)
    for entry in all_codes():
        statuses[entry.code].add(entry.status)
        fields_zh = {f for _, f, _, _ in string.Formatter().parse(entry.message) if f}
        fields_en = {f for _, f, _, _ in string.Formatter().parse(entry.message_en) if f}
        assert fields_zh or fields_en or "{" not in entry.message + entry.message_en, entry
    assert {c: s for c, s in statuses.items() if len(s) > 1} == {}
    assert len(statuses) > 90


def test_no_error_code_is_built_inline():
    inline = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel in BUILDERS or "migrations/" in rel:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ApiError":
                inline.append(f"{rel}:{node.lineno}")
    assert inline == []


def test_the_catalogue_words_an_error_as_the_raise_site_did():
    from issues_api.reports.errors import PDF_TOO_LONG, REPORT_QUOTA

    quota = REPORT_QUOTA.error(quota=3)
    assert (quota.status, quota.code) == (429, "report_quota")
    assert quota.message == "您已有3份报告在排队或生成中，请待其完成后再申请"
    assert quota.message_en == "You already have 3 reports queued or rendering; wait for one to finish"
    pages = PDF_TOO_LONG.error(pages=120, cap=100, details=[{"field": "body.format", "reason": "x"}])
    assert pages.message_en.startswith("The PDF of this report would have at least 120 pages, over the limit of 100; ")
    assert pages.details == [{"field": "body.format", "reason": "x"}]


def _op(doc: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return doc["paths"][path][method]


def test_each_operation_lists_the_codes_its_code_can_answer(doc):
    request = _op(doc, "post", "/api/v1/reports")["x-error-codes"]
    assert {"report_quota", "pdf_too_long", "invalid_input", "invalid_idempotency_key"} <= set(request)
    assert "report_not_ready" not in request
    assert "report_not_ready" in _op(doc, "post", "/api/v1/reports/{report_id}/link")["x-error-codes"]
    assert "not_failed" in _op(doc, "post", "/api/v1/deliveries/{delivery_id}/retry")["x-error-codes"]
    assert "scan_not_withdrawable" in _op(doc, "post", "/api/v1/escalations/scans/{scan_id}/withdraw")["x-error-codes"]
    # the Idempotency-Key is kept on POSTs only
    assert "idempotency_key_reused" not in _op(doc, "get", "/api/v1/reports")["x-error-codes"]
    catalogue = {(e["domain"], e["code"]): e for e in doc["x-error-catalogue"]}
    assert catalogue[("reports", "report_quota")]["status"] == 429
    listed = {c for _m, _p, op in _ops(doc) for c in op.get("x-error-codes", [])}
    unlisted = {e["code"] for e in doc["x-error-catalogue"]} - listed
    # only the app's own handlers' codes (any route) are on no operation
    assert unlisted <= {
        "database_unavailable", "internal_error", "invalid_body", "invalid_character", "storage_not_writable",
        "unavailable", "validation_error", "value_out_of_range",
    }  # fmt: skip


def _ops(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, ops in doc["paths"].items() for m, op in ops.items() if isinstance(op, dict)]


def test_every_raise_site_fills_its_template():
    """A field the template names and the raise site does not pass would be a 500 at run time."""
    import importlib

    from issues_api.core.error_catalogue import ErrorCode

    unfilled = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if "migrations" in rel.parts:
            continue
        module = importlib.import_module(".".join(["issues_api", *rel.with_suffix("").parts]).removesuffix(".__init__"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "error"):
                continue
            entry = getattr(module, getattr(node.func.value, "id", ""), None)
            if not isinstance(entry, ErrorCode):
                continue
            given = {k.arg for k in node.keywords}
            for text, override in ((entry.message, "message"), (entry.message_en, "message_en")):
                needed = {f.split("!")[0].split(".")[0] for _, f, _, _ in string.Formatter().parse(text) if f}
                if override not in given and needed - given:
                    unfilled.append(f"{rel}:{node.lineno} {entry.code} misses {sorted(needed - given)}")
    assert unfilled == []
