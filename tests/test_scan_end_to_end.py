"""The scan through the whole system: API request → outbox → notifier process → escalations."""

from .conftest import wait_for


async def test_a_requested_scan_creates_the_ladder_once(client, workers, demo_round):
    async def run(as_of: str) -> dict:
        r = await client.post("/api/v1/escalations/scan", json={"as_of": as_of})
        assert r.status_code == 202, r.text
        url = r.headers["location"]

        async def finished():
            body = (await client.get(url)).json()
            return body if body["status"] in ("done", "failed") else None

        return await wait_for(finished, what=f"the scan as of {as_of}")

    first = await run("2026-03-31")
    assert first["status"] == "done", first
    assert first["created"] > 0
    escalations = (await client.get("/api/v1/escalations?limit=200")).json()["items"]
    assert len(escalations) == first["created"]
    # only open work is escalated: the demo's three problems still in progress, and their measures
    open_issues = {i["id"] for i in (await client.get("/api/v1/issues?status=in_progress&limit=200")).json()["items"]}
    assert {e["issue_id"] for e in escalations} <= open_issues
    # one rung on the first scan, one letter per unit and problem
    assert {e["level"] for e in escalations if e["issue_id"]} == {"notice"}
    assert len({(e["addressed_org_id"], e["issue_id"], e["level"]) for e in escalations}) == len(escalations)

    again = await run("2026-03-31")
    assert again["status"] == "done" and again["created"] == 0
    assert len((await client.get("/api/v1/escalations?limit=200")).json()["items"]) == len(escalations)
