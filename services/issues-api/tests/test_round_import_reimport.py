"""The clerk's 台账 imported again after edits: a reworded deadline, a new measure, a status moved
and the problems' own numbers (序号) come through as updates; the same file again changes nothing."""

from typing import Any

from issues_api.imports import samples
from rectify_shared.timezone import today

from .test_round_import import issues_of, new_round, upload


async def apply(client: Any, round_id: int, job: dict[str, Any], mapping: dict[str, int]) -> dict[str, Any]:
    r = await client.post(f"/api/v1/rounds/{round_id}/imports/{job['id']}/apply", json={"org_mapping": mapping})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def imported(client: Any, demo_round: int, rows: list[dict[str, Any]]) -> tuple[int, dict[str, int]]:
    round_id = await new_round(client, demo_round)
    r = await upload(client, round_id, samples.clerk_ledger_xlsx(rows))
    assert r.status_code == 201, r.text
    mapping = {u["text"]: u["suggestions"][0]["id"] for u in r.json()["preview"]["unknown_orgs"]}
    assert (await apply(client, round_id, r.json(), mapping))["result"]["created"] == 12
    return round_id, mapping


def by_seq(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {r["seq"]: r for r in rows}


async def dashboard_agrees(client: Any, round_id: int) -> None:
    """The dashboard's figures (kept with the writes) count what the ledger lists, and today's
    figures equal the ones recounted from history as of today."""
    rows = await issues_of(client, round_id)
    listed: dict[str, int] = {}
    for r in rows:
        listed[r["status"]] = listed.get(r["status"], 0) + 1
    kept = (await client.get("/api/v1/stats/issues", params={"round_id": round_id})).json()
    assert {k: v for k, v in kept["by_status"].items() if v} == listed
    assert kept["total"] == len(rows)
    recounted = (
        await client.get("/api/v1/stats/issues", params={"round_id": round_id, "as_of": today().isoformat()})
    ).json()
    for field in ("total", "by_status", "by_category", "deadlines"):
        assert kept[field] == recounted[field], field


async def test_a_reworded_deadline_a_new_measure_and_a_status_are_updates_and_the_same_file_changes_nothing(
    client, demo_round
):
    rows = samples.ledger_rows()
    round_id, mapping = await imported(client, demo_round, rows)
    await dashboard_agrees(client, round_id)
    before = by_seq(await issues_of(client, round_id))
    three = before[3]
    assert (three["deadline"], three["deadline_text"], three["deadline_precision"]) == (
        "2025-12-31",
        "2025年12月底前",
        "month",
    )
    nine = before[9]
    assert nine["status"] == "in_progress"

    edited = samples.ledger_rows()
    e = by_seq(edited)
    e[3]["deadline"] = "2025年12月31日前"  # the same day, written otherwise
    assert e[3]["measures"][0]["deadline"] == "2022年12月底前"
    e[3]["measures"][0]["deadline"] = "2022年12月31日"  # the measure's too
    added = {"text": "（六）建立长效监管机制，按月调度。", "org": "", "deadline": "2026年6月30日", "status": "未启动"}
    e[7]["measures"].append(added)
    e[9]["status"], e[9]["completed_on"] = "已完成整改", "2024年11月30日"
    data = samples.clerk_ledger_xlsx(edited)

    r = await upload(client, round_id, data)
    assert r.status_code == 201, r.text
    preview = r.json()["preview"]
    assert preview["counts"] == {"create": 0, "update": 3, "unchanged": 9}
    changed = {row["seq"]: row for row in preview["rows"] if row["action"] == "update"}
    assert {c["field"]: (c["old"], c["new"]) for c in changed[3]["changes"]} == {
        "deadline_text": ("2025年12月底前", "2025年12月31日前")
    }
    assert changed[3]["measure_changes"] == [
        {"position": 1, "changes": [{"field": "deadline_text", "old": "2022年12月底前", "new": "2022年12月31日"}]}
    ]
    assert {c["field"]: (c["old"], c["new"]) for c in changed[7]["changes"]} == {"measures": (5, 6)}
    assert changed[7]["measure_changes"] == []
    assert {c["field"]: (c["old"], c["new"]) for c in changed[9]["changes"]} == {"status": ("in_progress", "completed")}

    assert (await apply(client, round_id, r.json(), mapping))["result"]["updated"] == 3
    after = by_seq(await issues_of(client, round_id))
    three = after[3]
    # the wording and its precision follow the file; the date did not move, so no correction is kept
    assert (three["deadline"], three["deadline_text"], three["deadline_precision"]) == (
        "2025-12-31",
        "2025年12月31日前",
        "day",
    )
    assert three["original_deadline"] == before[3]["original_deadline"]
    m = after[3]["measures"][0]
    assert (m["deadline"], m["deadline_text"], m["deadline_precision"]) == ("2022-12-31", "2022年12月31日", "day")
    new = after[7]["measures"][-1]
    assert (new["seq"], new["position"], new["text"]) == (6, 6, "建立长效监管机制，按月调度。")
    assert (new["deadline"], new["status"]) == ("2026-06-30", "not_started")
    assert after[9]["status"] == "completed"
    await dashboard_agrees(client, round_id)
    for seq in set(after) - {3, 7, 9}:
        assert after[seq] == before[seq], seq

    # the edited file again, as a new upload and applied: nothing changes
    r = await upload(client, round_id, data)
    assert r.status_code == 201, r.text
    assert r.json()["preview"]["counts"] == {"create": 0, "update": 0, "unchanged": 12}
    assert (await apply(client, round_id, r.json(), mapping))["result"]["unchanged"] == 12
    assert by_seq(await issues_of(client, round_id)) == after


async def test_the_problems_own_numbers_are_kept_and_follow_the_file(client, demo_round):
    rows = samples.ledger_rows()
    e = by_seq(rows)
    e[3]["seq"], e[10]["seq"], e[4]["seq"] = "（三）", "序号十", "4."
    round_id, mapping = await imported(client, demo_round, rows)
    got = by_seq(await issues_of(client, round_id))
    # the number as written, without its brackets; a plain 4. is the problem number itself
    assert {seq: i["display_no"] for seq, i in got.items() if i["display_no"]} == {3: "三", 10: "序号十"}
    assert (await client.get(f"/api/v1/issues/{got[10]['id']}")).json()["display_no"] == "序号十"

    e[10]["seq"], e[4]["seq"] = "十", "（四）"
    data = samples.clerk_ledger_xlsx(rows)
    r = await upload(client, round_id, data)
    assert r.status_code == 201, r.text
    preview = r.json()["preview"]
    assert preview["counts"] == {"create": 0, "update": 2, "unchanged": 10}
    changes = {
        row["seq"]: [(c["field"], c["old"], c["new"]) for c in row["changes"]]
        for row in preview["rows"]
        if row["action"] == "update"
    }
    assert changes == {4: [("display_no", None, "四")], 10: [("display_no", "序号十", "十")]}
    await apply(client, round_id, r.json(), mapping)
    after = by_seq(await issues_of(client, round_id))
    assert (after[4]["display_no"], after[10]["display_no"], after[3]["display_no"]) == ("四", "十", "三")

    r = await upload(client, round_id, data)
    assert r.json()["preview"]["counts"] == {"create": 0, "update": 0, "unchanged": 12}
