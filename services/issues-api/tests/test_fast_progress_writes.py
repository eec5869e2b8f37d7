"""The progress report's fast path (`progress/fast.py`) and its column-only write (`progress.service`).

Two apps on one database: the default one (fast path on) and one with `RECTIFY_FAST_READS=false`,
where every request goes through FastAPI. The same reports, by the same callers, get the same
status, headers and bytes from both (a new report's id and times aside), the errors included;
the fast path answers the plain forms itself and leaves the others to FastAPI. A report leaves
the same traces as before: its row, the evidence link, the outbox events with their payloads,
the audit records (the chain still verifies), and the dashboard's kept counts equal a recount.
"""

import json
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import select

from issues_api.progress import fast
from rectify_shared.models import AttachmentLink, AuditRecord, Issue, OutboxEvent, ProgressReport
from rectify_shared.models.stats import StatsIssueDue, StatsIssueKey, StatsIssueTally
from rectify_shared.stats_tally import rebuild

from .fast_twins import count_answers, framework_twin, sign_in, twin_client


@pytest.fixture
async def framework_app(settings: Any) -> AsyncIterator[Any]:
    async with framework_twin(settings) as application:
        yield application


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the fast path answered itself."""
    return count_answers(monkeypatch, fast.FastProgressWrites)


def _answer(r: httpx.Response, given: dict[str, Any] | None) -> tuple[int, list[tuple[str, str]], Any]:
    """Status, headers and body; a new report's own id and server times (and the length and
    Location that follow from them) masked, after checking the Location names the report."""
    headers = dict(r.headers.items())
    if r.status_code != 201:
        return r.status_code, sorted(headers.items()), r.content
    body = r.json()
    assert headers.pop("location") == f"/api/v1/progress/{body['id']}"
    assert int(headers.pop("content-length")) == len(r.content)
    body["id"] = body["created_at"] = "*"
    if not (given or {}).get("reported_at"):
        body["reported_at"] = "*"
    return r.status_code, sorted(headers.items()), body


async def _same(fast_app: Any, framework_app: Any, token: str | None, requests: list[tuple[str, Any]]) -> list[int]:
    """Each (path, body) posted through both apps: identical answers; returns the statuses. A body
    given as bytes is sent as it is (JSON content type), else as JSON."""
    statuses = []
    async with twin_client(fast_app, token) as a, twin_client(framework_app, token) as b:
        for path, body in requests:
            headers = {"X-Request-ID": uuid4().hex, "Content-Type": "application/json"}  # errors carry the id
            content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            given = body if isinstance(body, dict) else None
            got = _answer(await a.post(path, content=content, headers=headers), given)
            want = _answer(await b.post(path, content=content, headers=headers), given)
            assert got == want, (path, body)
            statuses.append(got[0])
    return statuses


async def _upload(app: Any, token: str, name: str) -> int:
    async with twin_client(app, token) as c:
        r = await c.post("/api/v1/attachments", files={"file": (name, b"%PDF-1.4\n" + name.encode() + b"\n%%EOF\n")})
        assert r.status_code == 201, r.text
        return int(r.json()["id"])


async def _ledger(app: Any, token: str, round_id: int) -> tuple[list[dict[str, Any]], int]:
    """Every measure of the round (with its problem's id) and the county 锡林浩特市's org id."""
    async with twin_client(app, token) as c:
        items = (await c.get(f"/api/v1/issues?round_id={round_id}&limit=200")).json()["items"]
        measures = []
        for item in items:
            for m in (await c.get(f"/api/v1/issues/{item['id']}")).json()["measures"]:
                measures.append({**m, "issue_id": item["id"]})
        orgs = (await c.get("/api/v1/orgs?limit=200")).json()["items"]
    return measures, next(o["id"] for o in orgs if o["name"] == "锡林浩特市")


async def test_reports_answer_byte_for_byte_as_the_route(app, framework_app, demo_round, served, helpers):
    admin = await sign_in(app, "admin", helpers.ADMIN_PASSWORD)
    measures, county = await _ledger(app, admin, demo_round)
    live = [m for m in measures if m.get("withdrawn_at") is None]
    mine = next(m for m in live if (m.get("responsible_org") or {}).get("id") == county)
    other = next(m for m in live if (m.get("responsible_org") or {}).get("id") not in (None, county))
    m1, m2 = live[0]["id"], live[1]["id"]
    photos = [await _upload(app, admin, f"现场照片{n}.pdf") for n in range(3)]
    async with twin_client(app, admin) as c:
        gone = live[-1]
        r = await c.post(f"/api/v1/measures/{gone['id']}/withdraw", json={"reason": "录入错误"})
        assert r.status_code == 200, r.text
    text_ = "截至本月底，已完成治理面积17.21平方公里。"
    served.clear()
    plain = [
        (f"/api/v1/measures/{m1}/progress", {"text": text_}),
        (f"/api/v1/measures/{m1}/progress", {"text": text_, "attachment_ids": [photos[0]]}),
        (f"/api/v1/measures/{m2}/progress", {"text": text_, "attachment_ids": [photos[2], photos[1], photos[2]]}),
        (f"/api/v1/measures/{m2}/progress", {"text": text_, "reporting_org_id": county}),
        (f"/api/v1/measures/{m2}/progress",
         {"text": text_, "reported_at": "2024-12-01T09:00:00+08:00", "occurred_on": "2024-11-30"}),
        (f"/api/v1/issues/{live[2]['issue_id']}/progress", {"text": "总体进展", "attachment_ids": [photos[1]]}),
        # the route's own errors, answered by the fast path through the app's handlers
        ("/api/v1/measures/999999/progress", {"text": text_}),
        ("/api/v1/issues/999999/progress", {"text": text_}),
        (f"/api/v1/measures/{gone['id']}/progress", {"text": text_}),
        (f"/api/v1/measures/{m1}/progress", {"text": text_, "reporting_org_id": 999999}),
        (f"/api/v1/measures/{m1}/progress", {"text": text_, "attachment_ids": [photos[0], 999999]}),
        (f"/api/v1/measures/{m1}/progress", {"text": text_, "reported_at": "2999-01-01T00:00:00+08:00"}),
        (f"/api/v1/measures/{m1}/progress", {"text": text_, "reported_at": "2024-01-01T00:00:00"}),
        (f"/api/v1/measures/{m1}/progress", {"text": text_, "occurred_on": "2099-12-31"}),
    ]  # fmt: skip
    statuses = await _same(app, framework_app, admin, plain)
    assert statuses[:6] == [201] * 6 and {404, 409, 422} <= set(statuses[6:])
    assert len(served) == len(plain)

    # a unit: its own measure, another unit's (not found), a date it may not give
    unit = await sign_in(app, "xlhts", helpers.DEMO_PASSWORD)
    served.clear()
    as_unit = [
        (f"/api/v1/measures/{mine['id']}/progress", {"text": text_}),
        (f"/api/v1/measures/{other['id']}/progress", {"text": text_}),
        (f"/api/v1/measures/{mine['id']}/progress", {"text": text_, "reported_at": "2024-12-01T09:00:00+08:00"}),
        (f"/api/v1/measures/{mine['id']}/progress", {"text": text_, "attachment_ids": [photos[0]]}),
    ]
    assert (await _same(app, framework_app, unit, as_unit))[:3] == [201, 404, 422]
    assert len(served) == len(as_unit)

    # no credentials, a forged token: the route's 401s
    served.clear()
    for token in (None, admin[:-2] + "xx"):
        assert set(await _same(app, framework_app, token, plain[:1])) == {401}
    assert len(served) == 2


async def test_other_forms_go_through_fastapi_unchanged(app, framework_app, demo_round, served, helpers):
    admin = await sign_in(app, "admin", helpers.ADMIN_PASSWORD)
    measures, _ = await _ledger(app, admin, demo_round)
    path = f"/api/v1/measures/{measures[0]['id']}/progress"
    served.clear()
    refused = [
        (path, {"text": ""}),  # the body's validation: FastAPI's 422, the body replayed to it
        (path, {"text": "x", "bogus": 1}),
        (path, {"text": "x", "attachment_ids": "7"}),
        (path, {"reporting_org_id": 1}),
        (path, b"not json"),
        (path, b"[1, 2]"),
        (path, b""),
        ("/api/v1/measures/0/progress", {"text": "x"}),
        ("/api/v1/measures/007/progress", {"text": "x"}),
        ("/api/v1/measures/abc/progress", {"text": "x"}),
        ("/api/v1/measures/99999999999999999999999/progress", {"text": "x"}),
        (path + "?x=1", {"text": "x"}),
    ]
    statuses = await _same(app, framework_app, admin, refused)
    assert served == [] and 422 in statuses and 404 in statuses
    # another content type, a chunked body: FastAPI's (or the body guard's) answer
    async with twin_client(app, admin) as a, twin_client(framework_app, admin) as b:
        for headers, content in (
            ({"Content-Type": "application/json; charset=utf-8"}, b'{"text": "x"}'),
            ({"Content-Type": "text/plain"}, b'{"text": "x"}'),
        ):
            rid = {"X-Request-ID": uuid4().hex, **headers}
            got = _answer(await a.post(path, content=content, headers=rid), {})
            assert got == _answer(await b.post(path, content=content, headers=rid), {})

        async def chunks() -> AsyncIterator[bytes]:
            yield b'{"text": "chunked"}'

        r = await a.post(path, content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 201
    assert served == []


async def test_a_route_that_takes_more_stops_the_app_at_startup():
    from fastapi import FastAPI, Query

    from issues_api.progress import router as progress_router

    app = FastAPI()
    app.include_router(progress_router.router)
    assert fast.check_route(app, progress_router.report_on_measure).status_code == 201

    async def with_query(measure_id: int, data: Any, notify: bool = Query(False)) -> Any:
        raise AssertionError("never called")

    other = FastAPI()
    other.post("/api/v1/measures/{measure_id}/progress", status_code=201)(with_query)
    with pytest.raises(RuntimeError, match=r"update progress/fast\.py"):
        fast.check_route(other, with_query)


async def _kept(s: Any) -> list[Any]:
    out = []
    for model in (StatsIssueKey, StatsIssueTally, StatsIssueDue):
        table = model.__table__
        rows = (await s.execute(select(*[c for c in table.c if c.name != "id"]))).all()
        out.append(sorted((tuple(r) for r in rows if getattr(r, "n", 1) != 0), key=repr))
    return out


async def test_a_report_leaves_its_row_link_events_audit_and_counts(app, client, demo_round, served):
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    body = {
        "round_id": demo_round,
        "category": "其他需要关注的问题方面",
        "description": "新发现问题：某企业未落实防渗措施。",
        "lead_org_id": orgs["锡林郭勒盟生态环境局"],
        "responsible_org_ids": [orgs["多伦县"]],
        "deadline": "2025-06-30",
    }
    created = await client.post("/api/v1/issues", json=body)
    assert created.status_code == 201, created.text
    issue = created.json()
    r = await client.post(
        f"/api/v1/issues/{issue['id']}/measures",
        json={"text": "清理防渗层", "responsible_org_id": orgs["多伦县"], "deadline": "2025-06-30"},
    )
    assert r.status_code == 201, r.text
    measure = r.json()
    assert issue["status"] == measure["status"] == "not_started"
    photo = await _upload(app, client.headers["Authorization"].split()[1], "整改前后对比.pdf")
    served.clear()
    request_id = uuid4().hex
    r = await client.post(
        f"/api/v1/measures/{measure['id']}/progress",
        json={"text": "已完成清理。", "attachment_ids": [photo]},
        headers={"X-Request-ID": request_id},
    )
    assert r.status_code == 201, r.text
    assert served == [f"/api/v1/measures/{measure['id']}/progress"]
    report = r.json()
    rid = int(report["id"])
    org = report["reporting_org"]
    assert org["id"] == measure["responsible_org"]["id"] and [a["id"] for a in report["attachments"]] == [photo]
    # the first report starts the work: the measure and its problem are in progress
    after = (await client.get(f"/api/v1/issues/{issue['id']}")).json()
    assert after["status"] == "in_progress"
    assert next(m for m in after["measures"] if m["id"] == measure["id"])["status"] == "in_progress"
    assert (await client.get(f"/api/v1/progress/{rid}")).json() == report

    async with app.state.rectify.read_sessions() as s:
        row = (await s.execute(select(ProgressReport).where(ProgressReport.id == rid))).scalar_one()
        assert (row.issue_id, row.measure_id, row.reporting_org_id, row.text) == (
            issue["id"], measure["id"], org["id"], "已完成清理。"
        )  # fmt: skip
        link = (await s.execute(select(AttachmentLink).where(AttachmentLink.target_id == rid))).scalar_one()
        assert (link.attachment_id, link.target_kind, link.issue_id, link.linked_by) == (
            photo, "progress_report", issue["id"], "admin"
        )  # fmt: skip
        events = (await s.execute(select(OutboxEvent).where(OutboxEvent.request_id == request_id))).scalars().all()
        by_type = {e.event_type: e for e in events}
        # the report, its evidence, and the work it started (the measure; the problem's status)
        assert {"measure.updated", "progress.reported", "attachment.linked"} <= set(by_type)
        reported = by_type["progress.reported"]
        assert (reported.aggregate_type, reported.aggregate_id, reported.in_feed) == ("progress_report", rid, True)
        assert reported.payload == {
            "id": rid,
            "issue_id": issue["id"],
            "measure_id": measure["id"],
            "reporting_org_id": org["id"],
            "reported_at": row.reported_at.isoformat(),
        }
        assert by_type["attachment.linked"].payload == {
            "attachment_id": photo, "target_kind": "progress_report", "target_id": rid, "issue_id": issue["id"]
        }  # fmt: skip
        problem = (await s.execute(select(Issue).where(Issue.id == issue["id"]))).scalar_one()
        assert reported.org_path == row.org_path and by_type["attachment.linked"].org_path == problem.org_path
        audits = (
            (await s.execute(select(AuditRecord).where(AuditRecord.entity_id.in_([str(rid), str(photo)]))))
            .scalars()
            .all()
        )
        actions = {a.action: a for a in audits}
        assert actions["progress.reported"].after == {
            "occurred_on": row.occurred_on.isoformat(),
            "issue_id": issue["id"],
            "measure_id": measure["id"],
            "text": "已完成清理。",
            "reporting_org_id": org["id"],
            "reported_at": row.reported_at.isoformat(),
        }
        assert actions["progress.reported"].request_id == actions["attachment.linked"].request_id is not None
    verified = (await client.get("/api/v1/audit/verify")).json()
    assert verified["ok"] is True, verified

    # the dashboard's kept counts moved with the problem: they are what a recount from the rows makes
    async with app.state.rectify.write_sessions() as s:
        kept = await _kept(s)
        await (await s.connection()).run_sync(rebuild)
        assert await _kept(s) == kept
        await s.rollback()
    stats = (await client.get(f"/api/v1/stats/issues?round_id={demo_round}")).json()
    assert stats["by_status"]["in_progress"] >= 1
