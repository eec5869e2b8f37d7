"""Security review finding 19: one user's queued reports are capped (RECTIFY_REPORT_JOBS_PER_USER).

Thirty PDFs queued by one unit delayed the office's own export; now the next request past the
quota is refused with 429 in Chinese and English, other users are not affected, a finished report
frees a place, and asking again for a report already queued (reused) costs nothing.
"""

from rectify_shared.enums import ReportState
from rectify_shared.models import ReportJob


def _body(round_id: int, day: int, fmt: str = "md") -> dict[str, object]:
    return {"kind": "ledger", "round_id": round_id, "format": fmt, "as_of": f"2024-12-{day:02d}"}


async def test_finding_19_report_quota_per_user(app, client, signin, demo_round, monkeypatch):
    if hasattr(app.state.rectify.settings, "report_jobs_per_user"):  # (the code before the fix had none)
        monkeypatch.setattr(app.state.rectify.settings, "report_jobs_per_user", 2)
    unit = await signin("abgq")
    first = await unit.post("/api/v1/reports", json=_body(demo_round, 1))
    second = await unit.post("/api/v1/reports", json=_body(demo_round, 2))
    assert first.status_code == 202 and second.status_code == 202
    r = await unit.post("/api/v1/reports", json=_body(demo_round, 3))
    assert r.status_code == 429, r.text
    error = r.json()["error"]
    assert error["code"] == "report_quota" and "排队" in error["message"] and "queued" in error["message_en"]
    # the same request again is the report already queued: answered, nothing new queued
    again = await unit.post("/api/v1/reports", json=_body(demo_round, 1))
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    # the office is not held up by the unit's queue
    assert (await client.post("/api/v1/reports", json=_body(demo_round, 3))).status_code == 202
    # a finished report frees a place
    async with app.state.rectify.write_sessions() as s:
        job = await s.get(ReportJob, first.json()["id"])
        job.state = ReportState.done
        await s.commit()
    assert (await unit.post("/api/v1/reports", json=_body(demo_round, 3))).status_code == 202
