"""What a web, phone or provincial client meets: ids exact in JavaScript, CORS and `OPTIONS`,
docs that need no network, a token endpoint that says it takes a form, the change feed's cursor,
totals on request, and validation messages in Chinese."""

import json
import re
from pathlib import Path
from typing import Any

import httpx

from issues_api.apidocs import router as apidocs
from rectify_shared.ids import JS_MAX_SAFE_INTEGER, js_safe

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def unsafe_numbers(body: Any, where: str = "") -> list[str]:
    """Every integer in a decoded JSON body that `JSON.parse` would round."""
    if isinstance(body, bool):
        return []
    if isinstance(body, int):
        return [f"{where}={body}"] if abs(body) > JS_MAX_SAFE_INTEGER else []
    if isinstance(body, dict):
        return [u for k, v in body.items() for u in unsafe_numbers(v, f"{where}.{k}")]
    if isinstance(body, list):
        return [u for i, v in enumerate(body) for u in unsafe_numbers(v, f"{where}[{i}]")]
    return []


def test_js_safe_turns_only_wide_integers_into_strings():
    payload = {"id": 388049409119663637, "issue_id": 5, "ok": True, "n": [2**53 - 1, 2**53, -(2**60)]}
    assert js_safe(payload) == {"id": "388049409119663637", "issue_id": 5, "ok": True,
                                "n": [2**53 - 1, "9007199254740992", "-1152921504606846976"]}  # fmt: skip
    assert unsafe_numbers(payload) == [".id=388049409119663637", ".n[1]=9007199254740992", ".n[2]=-1152921504606846976"]


async def test_a_63_bit_id_round_trips_through_every_answer(client, signin, app, demo_round):
    """A phone app reports progress, links its photo to the report by the id it was given, and
    finds the same id in the list and the change feed: no answer holds a number JavaScript rounds."""
    unit = await signin("abgq")
    issues = (await unit.get("/api/v1/issues?limit=1")).json()["items"]
    issue_id = issues[0]["id"]
    r = await unit.post(f"/api/v1/issues/{issue_id}/progress", json={"text": "完成治理面积17.21平方公里"})
    assert r.status_code == 201, r.text
    report = r.json()
    assert isinstance(report["id"], str) and int(report["id"]) > JS_MAX_SAFE_INTEGER
    # what JSON.parse in a browser would make of it, were it a number: another report
    assert float(int(report["id"])) != int(report["id"])

    photo = (
        await unit.post("/api/v1/attachments", files={"file": ("照片.pdf", PDF, "application/octet-stream")})
    ).json()
    link = {"target_kind": "progress_report", "target_id": report["id"]}  # the string, as a JS client has it
    r = await unit.post(f"/api/v1/attachments/{photo['id']}/links", json=link)
    assert r.status_code in (200, 201), r.text
    linked = (await unit.get(f"/api/v1/attachments/{photo['id']}")).json()
    assert [lk["target_id"] for lk in linked["links"]] == [report["id"]]
    # a client with 64-bit integers may send the number: the same report
    again = await unit.post(f"/api/v1/attachments/{photo['id']}/links", json={**link, "target_id": int(report["id"])})
    assert again.status_code in (200, 201, 409), again.text

    listing = (await unit.get(f"/api/v1/issues/{issue_id}/progress")).json()
    assert report["id"] in [p["id"] for p in listing["items"]]
    await app.state.relay.run_once()
    feed = (await client.get("/api/v1/changes?limit=200")).json()
    reported = [c for c in feed["items"] if c["type"] == "progress.reported"]
    assert reported[-1]["aggregate_id"] == report["id"] and reported[-1]["data"]["id"] == report["id"]
    audit = (await client.get("/api/v1/audit?limit=200")).json()
    bodies = [report, linked, listing, feed, audit, (await unit.get(f"/api/v1/issues/{issue_id}")).json()]
    assert [u for b in bodies for u in unsafe_numbers(b)] == []


async def test_cors_is_off_by_default_and_on_for_the_configured_origins(app, settings):
    from issues_api.main import create_app

    origin = "https://console.example.gov.cn"
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}  # fmt: skip
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.options("/api/v1/issues", headers=preflight)
        assert "access-control-allow-origin" not in r.headers  # nothing configured: no CORS at all
        r = await c.options("/api/v1/issues")
        assert r.status_code == 204 and r.headers["allow"] == "GET, POST, OPTIONS"
        r = await c.options("/api/v1/issues/17")
        assert r.status_code == 204 and r.headers["allow"] == "GET, PATCH, OPTIONS"
        r = await c.delete("/api/v1/issues/17")  # the router alone would say `Allow: GET`
        assert r.status_code == 405 and r.headers["allow"] == "GET, PATCH, OPTIONS"
        assert (await c.options("/api/v1/no-such-thing")).status_code == 404

    configured = create_app(settings.model_copy(update={"cors_origins": f"{origin}, https://m.example.gov.cn"}))
    async with configured.router.lifespan_context(configured):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=configured), base_url="http://t") as c:
            r = await c.options("/api/v1/issues", headers=preflight)
            assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin
            assert "access-control-allow-credentials" not in r.headers
            assert "authorization" in r.headers["access-control-allow-headers"].lower()
            r = await c.get("/api/v1/issues", headers={"Origin": origin})
            assert r.status_code == 401 and r.headers["access-control-allow-origin"] == origin
            exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
            assert {"location", "retry-after", "idempotent-replayed", "x-request-id"} <= exposed
            r = await c.get("/api/v1/issues", headers={"Origin": "https://evil.example.com"})
            assert "access-control-allow-origin" not in r.headers


async def test_the_docs_render_with_no_network_and_root_points_at_them(anon, tmp_path, monkeypatch):
    from issues_api.console import build

    monkeypatch.setattr(build, "DIST", tmp_path / "dist")
    monkeypatch.setattr(build, "STATE", tmp_path / "state.json")
    for page in (apidocs.DOCS_URL, apidocs.REDOC_URL):
        r = await anon.get(page)
        assert r.status_code == 200
        urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']|(?:url|openapi_url)\s*:\s*["']([^"']+)["']""", r.text)
        urls = [a or b for a, b in urls]
        assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
        assert "http://" not in r.text.replace("http://www.w3.org", "") and "https://" not in r.text
        for url in urls:
            assert (await anon.get(url)).status_code == 200, url
    r = await anon.get("/")
    assert r.status_code == 307 and r.headers["location"] == apidocs.DOCS_URL
    # while the console is being built, and once it is, / leads there
    build.write_state("building")
    assert (await anon.get("/")).headers["location"] == "/console/"
    build.write_state("failed", "no node")
    assert (await anon.get("/")).headers["location"] == apidocs.DOCS_URL
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<!doctype html>")
    assert (await anon.get("/")).headers["location"] == "/console/"


async def test_the_token_endpoint_says_it_takes_a_form(anon, demo_round, helpers):
    r = await anon.post("/api/v1/auth/token", json={"username": "admin", "password": helpers.ADMIN_PASSWORD})
    assert r.status_code == 415
    error = r.json()["error"]
    assert error["code"] == "form_expected" and "表单" in error["message"] and "form" in error["message_en"]
    r = await anon.post("/api/v1/auth/token", data={"username": "admin", "password": helpers.ADMIN_PASSWORD})
    assert r.status_code == 200


async def test_queries_say_what_the_document_says(client, app):
    r = await client.get("/api/v1/audit?until=0.5")
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "query.until"
    assert (await client.get("/api/v1/audit?until=2024-12-01T00:00:00%2B08:00")).status_code == 200

    await app.state.relay.run_once()
    page = (await client.get("/api/v1/changes?limit=200")).json()
    cursor = page["next_cursor"]
    while page["items"]:
        cursor = page["next_cursor"]
        page = (await client.get(f"/api/v1/changes?limit=200&after={cursor}")).json()
    # caught up: the same cursor back, never null
    assert page["next_cursor"] == cursor and cursor is not None
    import base64

    position = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()[1:])
    forged = base64.urlsafe_b64encode(f"p{position + 1000}".encode()).decode().rstrip("=")
    r = await client.get(f"/api/v1/changes?after={forged}")
    assert r.status_code == 422 and r.json()["error"]["details"][0]["reason"] == "beyond_head"


async def _walk(c: Any, path: str) -> tuple[int, int]:
    """(total on the first page, items over every page) of a list, three at a time."""
    first, count, url = None, 0, f"{path}?limit=3&with_total=true"
    while url:
        page = (await c.get(url)).json()
        first = page["total"] if first is None else first
        assert page["total"] == first
        count += len(page["items"])
        url = f"{path}?limit=3&with_total=true&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    return first, count


async def test_with_total_counts_under_the_callers_scope(client, signin):
    unit = await signin("abgq")
    for c, path in ((client, "/api/v1/issues"), (unit, "/api/v1/issues"), (client, "/api/v1/audit"),
                    (client, "/api/v1/petition-cases"), (unit, "/api/v1/petition-cases")):  # fmt: skip
        total, count = await _walk(c, path)
        assert total == count, path
        assert total > 0 or c is unit, path
    mine = (await unit.get("/api/v1/issues?with_total=true&status=in_progress")).json()
    allof = (await client.get("/api/v1/issues?with_total=true&status=in_progress")).json()
    assert mine["total"] < allof["total"]
    assert (await client.get("/api/v1/issues")).json()["total"] is None  # off by default


async def test_validation_reasons_are_in_chinese_too(client, demo_round):
    r = await client.get("/api/v1/issues?limit=500&deadline_before=tomorrow")
    error = r.json()["error"]
    reasons = {d["field"]: d for d in error["details"]}
    assert reasons["query.limit"]["reason_zh"] == "须小于或等于 200"
    assert reasons["query.deadline_before"]["reason_zh"].startswith("须为日期")
    assert error["message"].startswith("输入数据不合法：query.") and "另有 1 处" in error["message"]
    r = await client.post("/api/v1/issues", json={"round_id": demo_round, "category": "x" * 300})
    reasons = {d["field"]: d["reason_zh"] for d in r.json()["error"]["details"]}
    assert reasons["body.description"] == "必填" and reasons["body.category"].startswith("至多")
    r = await client.get("/api/v1/issues?status=bogus")
    assert r.json()["error"]["details"][0]["reason_zh"].startswith("须为以下之一：not_started")
    r = await client.get("/api/v1/issues?round_id=abc")
    assert r.json()["error"]["details"][0]["reason_zh"] == "须为整数"


def test_the_published_document_is_current():
    """`docs/openapi.json` is what `rectify openapi` prints (regenerate it after an API change)."""
    from issues_api.main import create_app

    published = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
    assert json.loads(published.read_text(encoding="utf-8")) == json.loads(json.dumps(create_app().openapi()))
