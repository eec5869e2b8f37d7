"""A report made by an older renderer is not reused after a deploy that changes the renderer."""

from rectify_shared import report_versions

from .test_report_reuse import LEDGER_MD, jobs_and_requests, render


async def test_bumping_a_kinds_renderer_version_makes_a_new_report(app, client, demo_round, monkeypatch):
    body = {**LEDGER_MD, "round_id": demo_round}
    first = (await client.post("/api/v1/reports", json=body)).json()["id"]
    await render(app, first)
    assert (await client.post("/api/v1/reports", json=body)).json()["reused"] is True

    # another kind's new renderer leaves this kind's finished report alone
    monkeypatch.setitem(report_versions.RENDERER_VERSIONS, "issue_progress", 99)
    same = await client.post("/api/v1/reports", json=body)
    assert same.status_code == 200 and same.json()["id"] == first and same.json()["reused"] is True

    # the deploy: the ledger renderer changed, no data did
    monkeypatch.setitem(report_versions.RENDERER_VERSIONS, "ledger", report_versions.renderer_version("ledger") + 1)
    again = await client.post("/api/v1/reports", json=body)
    assert again.status_code == 202, again.text
    assert again.json()["id"] != first and again.json()["reused"] is False
    await render(app, again.json()["id"])
    assert (await client.get(f"/api/v1/reports/{again.json()['id']}/file")).status_code == 200
    assert (await jobs_and_requests(app)) == (2, 2)
