"""Reading the ledger: the demo round as the seed gives it, filters, sorting, keyset paging."""

from typing import Any

import pytest

from issues_api.demo.loader import read_demo

DEMO = read_demo()
#: the seed's statuses (as of 2024-12-15); the demo's closures wrote one task off after that day
STATUS_OF = {i["seq"]: i["status"] for i in DEMO["issues"]} | {8: "closed"}
CATEGORY_OF = {i["seq"]: i["category"] for i in DEMO["issues"]}


async def all_pages(client: Any, url: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        sep = "&" if "?" in url else "?"
        r = await client.get(f"{url}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        items += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return items


async def test_demo_round_lists_the_twelve_problems_in_seq_order(client, demo_round):
    r = await client.get(f"/api/v1/issues?round_id={demo_round}")
    assert r.status_code == 200
    items = r.json()["items"]
    assert [i["seq"] for i in items] == list(range(1, 13))
    assert {i["seq"]: i["status"] for i in items} == STATUS_OF
    assert {i["seq"]: i["category"] for i in items} == CATEGORY_OF
    texts = {i["seq"]: i["status_text"] for i in items}
    assert texts[1] == "已完成整改，长期坚持" and texts[3] == "正在推进" and texts[4] == "已完成整改"
    assert r.json()["next_cursor"] is None


async def test_issue_detail_has_measures_in_order_with_the_seed_text(client, demo_round):
    items = (await client.get(f"/api/v1/issues?round_id={demo_round}")).json()["items"]
    ids = {i["seq"]: i["id"] for i in items}
    for spec in DEMO["issues"]:
        r = await client.get(f"/api/v1/issues/{ids[spec['seq']]}")
        assert r.status_code == 200
        body = r.json()
        assert body["description"] == spec["description"]
        assert [m["text"] for m in body["measures"]] == [m["text"] for m in spec["measures"]]
        assert [m["seq"] for m in body["measures"]] == [m["seq"] for m in spec["measures"]]
    four = (await client.get(f"/api/v1/issues/{ids[4]}")).json()
    assert [m["seq"] for m in four["measures"]] == [None]  # one unnumbered paragraph
    one = (await client.get(f"/api/v1/issues/{ids[1]}")).json()
    assert [m["seq"] for m in one["measures"]] == [1, 2, 3, 4, 5, 6]
    assert "deadline" in one["illustrative"] or one["deadline"] is None


async def test_keyset_pages_cover_everything_once_for_every_sort(client, demo_round):
    for sort in ("seq", "-seq", "deadline", "-deadline", "updated_at", "-updated_at", "created_at"):
        paged = await all_pages(client, f"/api/v1/issues?round_id={demo_round}&sort={sort}", limit=5)
        whole = (await client.get(f"/api/v1/issues?round_id={demo_round}&sort={sort}&limit=200")).json()["items"]
        assert [i["id"] for i in paged] == [i["id"] for i in whole], sort
        assert len({i["id"] for i in paged}) == 12


async def test_sort_by_deadline_puts_undated_last_both_ways(client, demo_round):
    for sort in ("deadline", "-deadline"):
        items = (await client.get(f"/api/v1/issues?round_id={demo_round}&sort={sort}&limit=200")).json()["items"]
        dated = [i["deadline"] for i in items if i["deadline"]]
        assert dated == sorted(dated, reverse=sort.startswith("-"))
        undated = [i for i in items if not i["deadline"]]
        assert items[len(items) - len(undated) :] == undated


async def test_filters(client, demo_round):
    base = f"/api/v1/issues?round_id={demo_round}&limit=200"
    in_progress = (await client.get(f"{base}&status=in_progress")).json()["items"]
    assert [i["seq"] for i in in_progress] == [3, 7, 9]
    two = (await client.get(f"{base}&status=in_progress&status=completed_long_term")).json()["items"]
    assert [i["seq"] for i in two] == [1, 2, 3, 7, 9]
    heading = DEMO["categories"][1]
    cat = (await client.get(base, params={"category": heading})).json()["items"]
    assert [i["seq"] for i in cat] == [6, 7]
    q = (await client.get(base, params={"q": "尾矿"})).json()["items"]
    assert [i["seq"] for i in q] == [10, 11]
    pct = (await client.get(base, params={"q": "%"})).json()["items"]  # LIKE wildcards are literal
    assert all("%" in i["description"] or "%" in i["category"] for i in pct)
    deadline = "2023-07-01"
    early = (await client.get(f"{base}&deadline_before={deadline}")).json()["items"]
    expected = sorted(i["seq"] for i in DEMO["issues"] if i.get("deadline") and i["deadline"].isoformat() < deadline)
    assert [i["seq"] for i in early] == expected


async def test_org_filter_takes_descendants_and_responsible_orgs(client, demo_round):
    orgs = (await client.get("/api/v1/orgs?limit=200")).json()["items"]
    by_name = {o["name"]: o for o in orgs}
    base = f"/api/v1/issues?round_id={demo_round}&limit=200"
    league = by_name["锡林郭勒盟"]["id"]
    assert len((await client.get(f"{base}&org_id={league}")).json()["items"]) == 12
    keys = {o["key"]: o["name"] for o in DEMO["orgs"]}
    county = next(o for o in DEMO["orgs"] if o["name"] == "阿巴嘎旗")
    subtree_keys = {county["key"]} | {o["key"] for o in DEMO["orgs"] if o.get("parent") == county["key"]}
    expected = sorted(
        i["seq"] for i in DEMO["issues"] if ({i["lead_org"], *i.get("responsible_orgs", [])} & subtree_keys)
    )
    got = (await client.get(f"{base}&org_id={by_name[keys[county['key']]]['id']}")).json()["items"]
    assert [i["seq"] for i in got] == expected and expected


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=201", "status=done", "sort=name", "deadline_before=2024-13-01", "cursor=not-a-cursor"],
)
async def test_bad_list_queries_are_422_in_the_error_format(client, demo_round, query):
    r = await client.get(f"/api/v1/issues?{query}")
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] in ("validation_error", "invalid_cursor")
    assert err["message"] and err["message_en"] and err["details"]
    assert err["request_id"] == r.headers["x-request-id"]


async def test_a_cursor_from_another_sort_is_rejected(client, demo_round):
    cursor = (await client.get(f"/api/v1/issues?round_id={demo_round}&limit=2")).json()["next_cursor"]
    r = await client.get(f"/api/v1/issues?round_id={demo_round}&limit=2&sort=-deadline&cursor={cursor}")
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cursor"


async def test_unknown_ids_are_404_in_the_error_format(client, demo_round):
    for url in (
        "/api/v1/issues/99999",
        "/api/v1/measures/99999",
        "/api/v1/rounds/999",
        "/api/v1/orgs/999",
        "/api/v1/issues/99999/progress",
        "/api/v1/reports/999",
    ):
        r = await client.get(url)
        assert r.status_code == 404, url
        assert r.json()["error"]["code"] == "not_found"


async def test_org_tree_and_rounds(client, demo_round):
    tree = (await client.get("/api/v1/orgs/tree")).json()
    assert [n["name"] for n in tree] == ["内蒙古自治区"]
    league = tree[0]["children"][0]
    assert league["name"] == "锡林郭勒盟"
    county_names = {c["name"] for c in league["children"] if c["kind"] == "county"}
    assert {"锡林浩特市", "二连浩特市", "东乌珠穆沁旗", "阿巴嘎旗", "太仆寺旗", "多伦县"} <= county_names
    flat = await all_pages(client, "/api/v1/orgs", limit=7)
    assert len(flat) == len(DEMO["orgs"])
    # tree order: each parent before its children, siblings by sort_order then name (not by path string)
    seen: set[int] = set()
    for o in flat:
        assert o["parent_id"] is None or o["parent_id"] in seen
        seen.add(o["id"])
    siblings = [(o["sort_order"], o["name"]) for o in flat if o["parent_id"] == league["id"]]
    assert siblings == sorted(siblings) and len(siblings) > 10
    rounds = (await client.get("/api/v1/rounds")).json()["items"]
    assert rounds[0]["inspection_team"] == "中央第三生态环境保护督察组"
    assert rounds[0]["stay_start"] == "2022-03-25" and rounds[0]["feedback_date"] == "2022-06-02"


async def test_a_list_item_is_what_the_detail_says_and_its_links_are_what_orgs_of_gives(app, client, demo_round):
    """The list folds the org links into the page query and validates its summaries in one call;
    each must be exactly the detail's summary fields, with the links `orgs_of` reads."""
    from issues_api.auth.principal import Scope
    from issues_api.issues import repository, views

    items = await all_pages(client, f"/api/v1/issues?round_id={demo_round}", 5)
    assert len(items) == 12
    with_links = 0
    for item in items:
        detail = (await client.get(f"/api/v1/issues/{item['id']}")).json()
        assert {k: detail[k] for k in item} == item
        with_links += bool(item["responsible_orgs"])
    assert with_links > 0  # the demo has responsible orgs to fold in
    async with app.state.rectify.read_sessions() as s:
        rows = await repository.list_page(s, repository.IssueFilter(round_id=demo_round), Scope("/"), "seq", None, 50)
        links = await repository.orgs_of(s, [r.id for r in rows])
        assert len(rows) == 12
        for row in rows:
            assert repository.links_of(row) == links.get(row.id, [])
        one_by_one = [views.summary_of(r, links.get(r.id, [])) for r in rows]
        assert views.summaries_of(rows, [repository.links_of(r) for r in rows]) == one_by_one
