"""The same report request on unchanged data reuses the report; any write in between makes a new one.
A PDF estimated over the page cap is refused at request time."""

from typing import Any

import pytest
from sqlalchemy import func, select

from rectify_shared.escalation_policy import DEFAULT_POLICY
from rectify_shared.models import OutboxEvent, ReportJob
from report_worker.jobs import render_report

LEDGER_MD = {"kind": "ledger", "format": "md", "as_of": "2024-12-15"}


async def count(app: Any, stmt: Any) -> int:
    async with app.state.rectify.read_sessions() as s:
        return int((await s.execute(stmt)).scalar_one())


async def jobs_and_requests(app: Any) -> tuple[int, int]:
    jobs = await count(app, select(func.count()).select_from(ReportJob))
    queued = await count(
        app, select(func.count()).select_from(OutboxEvent).where(OutboxEvent.event_type == "report.requested")
    )
    return jobs, queued


async def render(app: Any, report_id: int) -> None:
    state = app.state.rectify
    ctx = {"write_sessions": state.write_sessions, "read_sessions": state.read_sessions}
    assert await render_report(ctx, {"report_id": report_id}) == "done"


async def test_the_same_request_twice_gets_the_same_report_and_no_second_job(app, client, demo_round):
    body = {**LEDGER_MD, "round_id": demo_round}
    first = await client.post("/api/v1/reports", json=body)
    assert first.status_code == 202 and first.json()["reused"] is False
    report_id = first.json()["id"]

    # still queued: the second request joins it
    waiting = await client.post("/api/v1/reports", json=body)
    assert waiting.status_code == 202
    assert waiting.json()["id"] == report_id and waiting.json()["reused"] is True
    assert waiting.headers["Location"] == f"/api/v1/reports/{report_id}"

    await render(app, report_id)
    again = await client.post("/api/v1/reports", json=body)
    assert again.status_code == 200, again.text
    assert again.json()["id"] == report_id and again.json()["status"] == "done" and again.json()["reused"] is True
    assert (await jobs_and_requests(app)) == (1, 1)
    file = await client.get(f"/api/v1/reports/{report_id}/file")
    assert file.status_code == 200 and file.headers["ETag"] == f'"{again.json()["sha256"]}"'


@pytest.mark.parametrize("change", ["as_of", "format", "org_id", "kind"])
async def test_a_different_request_is_a_different_report(app, client, demo_round, change):
    body = {**LEDGER_MD, "round_id": demo_round}
    first = (await client.post("/api/v1/reports", json=body)).json()["id"]
    await render(app, first)
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    other = {
        "as_of": {"as_of": "2024-12-16"},
        "format": {"format": "xlsx"},
        "org_id": {"org_id": next(o["id"] for o in orgs if o["name"] == "阿巴嘎旗")},
        "kind": {"kind": "issue_progress"},
    }[change]
    r = await client.post("/api/v1/reports", json={**body, **other})
    assert r.status_code == 202 and r.json()["id"] != first and r.json()["reused"] is False


async def _issue_status(client: Any, round_id: int) -> None:
    items = (await client.get(f"/api/v1/issues?round_id={round_id}&limit=200")).json()["items"]
    issue = next(i for i in items if i["seq"] == 3)
    r = await client.patch(f"/api/v1/issues/{issue['id']}", json={"status": "completed", "reason": "整改办核定"})
    assert r.status_code == 200, r.text


async def _narrative(client: Any, round_id: int) -> None:
    r = await client.put(
        f"/api/v1/rounds/{round_id}/narrative",
        json={"sections": [{"heading": "一、新的部署", "paragraphs": ["新段落。"]}]},
    )
    assert r.status_code == 200, r.text


async def _policy(client: Any, round_id: int) -> None:
    policy = DEFAULT_POLICY.model_dump(mode="json")
    policy["rules"][0]["trigger"]["working_days"] = 10
    r = await client.put(f"/api/v1/rounds/{round_id}/escalation-policy", json=policy)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("kind", "write"),
    [("ledger", _issue_status), ("progress_report", _narrative), ("ledger", _policy)],
    ids=["issue-status", "narrative", "escalation-policy"],
)
async def test_a_write_in_between_makes_a_new_report(app, client, demo_round, kind, write):
    body = {**LEDGER_MD, "kind": kind, "round_id": demo_round}
    first = (await client.post("/api/v1/reports", json=body)).json()["id"]
    await render(app, first)
    await write(client, demo_round)
    second = await client.post("/api/v1/reports", json=body)
    assert second.status_code == 202 and second.json()["id"] != first and second.json()["reused"] is False
    assert (await jobs_and_requests(app)) == (2, 2)


async def test_the_new_report_shows_the_write(app, client, demo_round):
    body = {**LEDGER_MD, "as_of": None, "round_id": demo_round}
    first = (await client.post("/api/v1/reports", json=body)).json()["id"]
    await render(app, first)
    before = (await client.get(f"/api/v1/reports/{first}/file")).text
    await _issue_status(client, demo_round)
    second = (await client.post("/api/v1/reports", json=body)).json()["id"]
    await render(app, second)
    after = (await client.get(f"/api/v1/reports/{second}/file")).text
    assert before.count("整改进展情况：正在推进") == after.count("整改进展情况：正在推进") + 1


async def test_a_failed_report_is_not_reused(app, client, demo_round):
    body = {**LEDGER_MD, "round_id": demo_round}
    first = (await client.post("/api/v1/reports", json=body)).json()["id"]
    async with app.state.rectify.write_sessions() as s:
        job = await s.get(ReportJob, first)
        assert job is not None
        job.state, job.error = "failed", "boom"
        await s.commit()
    r = await client.post("/api/v1/reports", json=body)
    assert r.status_code == 202 and r.json()["id"] != first


@pytest.mark.parametrize(
    ("kind", "refused_at", "allowed_at"),
    # the attachment: 12 problems, their status lines and 40 items, at 22 lines a page: at least 3 pages;
    # the ledger: 40 measure rows at 30 rows a page: at least 2
    [("issue_progress", 2, 3), ("ledger", 1, 2)],
)
async def test_a_pdf_over_the_page_cap_is_refused_when_requested(app, client, demo_round, kind, refused_at, allowed_at):
    body = {"kind": kind, "format": "pdf", "round_id": demo_round, "as_of": "2024-12-15"}
    app.state.rectify.settings.pdf_max_pages = refused_at
    r = await client.post("/api/v1/reports", json=body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "pdf_too_long"
    assert "xlsx" in error["message"] and "docx" in error["message"] and "xlsx" in error["message_en"]
    assert (await jobs_and_requests(app)) == (0, 0)
    # the same document as docx is fine, and so is the PDF under a higher cap
    assert (await client.post("/api/v1/reports", json={**body, "format": "docx"})).status_code == 202
    app.state.rectify.settings.pdf_max_pages = allowed_at
    assert (await client.post("/api/v1/reports", json=body)).status_code == 202
