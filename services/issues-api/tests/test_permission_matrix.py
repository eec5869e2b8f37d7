"""The permission matrix: every endpoint × every role × an object in scope and one out of it.

A route must be public (declared in `auth.policies.PUBLIC`) or carry exactly one policy; a route
with no entry in CASES below fails the test, so a new endpoint cannot ship without a decision.
Expected outcomes follow the policy table: a role outside the policy gets 403; inside it, an
object in its scope succeeds and one outside is 404 (422 when a create names it), and lists
simply do not contain it.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from fastapi.routing import APIRoute

from issues_api.auth.policies import POLICIES, PUBLIC
from issues_api.auth.principal import Role

ROLE_USERS = {Role.office_admin: "xlgl_admin", Role.unit_operator: "abgq", Role.leader: "leader"}


def route_policy(route: APIRoute) -> list[str]:
    found: list[str] = []

    def walk(dep: Any) -> None:
        name = getattr(dep.call, "rectify_policy", None)
        if name:
            found.append(name)
        for sub in dep.dependencies:
            walk(sub)

    walk(route.dependant)
    return found


def api_routes(app: Any) -> list[APIRoute]:
    """Every route of the app, checked against the OpenAPI document so that none escapes."""
    from issues_api.main import ALL_ROUTERS

    routes = [r for router in ALL_ROUTERS for r in router.routes if isinstance(r, APIRoute)]
    documented = {(m.upper(), p) for p, ops in app.openapi()["paths"].items() for m in ops}
    walked = {(m, r.path) for r in routes for m in r.methods}
    assert documented - PUBLIC <= walked, f"routes not in ALL_ROUTERS: {documented - walked}"
    return routes


def test_every_route_is_public_or_has_exactly_one_policy():
    from issues_api.main import create_app

    for route in api_routes(create_app()):
        for method in route.methods:
            policies = route_policy(route)
            if (method, route.path) in PUBLIC:
                assert policies == [], f"{method} {route.path} is public but declares {policies}"
            else:
                assert len(policies) == 1, f"{method} {route.path} declares no policy (or several): {policies}"
                assert policies[0] in POLICIES


@dataclass
class Case:
    url: Callable[[SimpleNamespace], str]
    ok: set[int]
    out: int | str | None  # status for an out-of-scope object, "absent" for lists, None: no scope to test
    body: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    absent: Callable[[SimpleNamespace, Any], bool] | None = None
    needs: tuple[str, ...] = field(default_factory=tuple)


def _ids(items: list[dict[str, Any]]) -> set[Any]:
    return {i["id"] for i in items}


def _tree_ids(nodes: list[dict[str, Any]]) -> set[int]:
    out: set[int] = set()
    for n in nodes:
        out |= {n["id"]} | _tree_ids(n["children"])
    return out


u = uuid.uuid4
CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/me"): Case(lambda o: "/api/v1/me", {200}, None),
    ("POST", "/api/v1/me/password"): Case(
        lambda o: "/api/v1/me/password",
        {204, 409},
        None,
        body=lambda o: {"current_password": o.password, "new_password": "changed-pw-2024"},
    ),
    ("POST", "/api/v1/users"): Case(
        lambda o: "/api/v1/users",
        {201},
        422,
        body=lambda o: {
            "username": f"u{u().hex[:10]}",
            "password": "long-enough-pw",
            "org_id": o.org,
            "role": "unit_operator",
        },
    ),
    ("GET", "/api/v1/users"): Case(
        lambda o: "/api/v1/users?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.user not in _ids(body["items"]),
        needs=("user",),
    ),
    ("GET", "/api/v1/users/{user_id}"): Case(lambda o: f"/api/v1/users/{o.user}", {200}, 404, needs=("user",)),
    ("PATCH", "/api/v1/users/{user_id}"): Case(
        lambda o: f"/api/v1/users/{o.user}", {200}, 404, body=lambda o: {"display_name": "改名"}, needs=("user",)
    ),
    ("POST", "/api/v1/users/{user_id}/password"): Case(
        lambda o: f"/api/v1/users/{o.user}/password",
        {204},
        404,
        body=lambda o: {"new_password": "reset-pw-2024"},
        needs=("user",),
    ),
    ("POST", "/api/v1/api-keys"): Case(
        lambda o: "/api/v1/api-keys", {201}, 422, body=lambda o: {"name": "省级系统", "org_id": o.org}
    ),
    ("GET", "/api/v1/api-keys"): Case(
        lambda o: "/api/v1/api-keys?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.key not in _ids(body["items"]),
        needs=("key",),
    ),
    ("POST", "/api/v1/api-keys/{key_id}/revoke"): Case(
        lambda o: f"/api/v1/api-keys/{o.key}/revoke", {200}, 404, needs=("key",)
    ),
    ("GET", "/api/v1/audit"): Case(
        lambda o: "/api/v1/audit?limit=200&entity_type=issue",
        {200},
        "absent",
        absent=lambda o, body: str(o.issue) not in {i["entity_id"] for i in body["items"]},
        needs=("issue",),
    ),
    ("GET", "/api/v1/rounds"): Case(
        lambda o: "/api/v1/rounds", {200}, "absent", absent=lambda o, body: o.round not in _ids(body["items"])
    ),
    ("GET", "/api/v1/rounds/{round_id}"): Case(lambda o: f"/api/v1/rounds/{o.round}", {200}, 404),
    ("POST", "/api/v1/rounds"): Case(
        lambda o: "/api/v1/rounds",
        {201},
        422,
        body=lambda o: {
            "name": "第三轮中央生态环境保护督察",
            "inspection_team": "中央第一生态环境保护督察组",
            "target_region": "内蒙古自治区",
            "org_id": o.org,
        },
    ),
    ("GET", "/api/v1/orgs"): Case(
        lambda o: "/api/v1/orgs?limit=200", {200}, "absent", absent=lambda o, body: o.org not in _ids(body["items"])
    ),
    ("GET", "/api/v1/orgs/tree"): Case(
        lambda o: "/api/v1/orgs/tree", {200}, "absent", absent=lambda o, body: o.org not in _tree_ids(body)
    ),
    ("GET", "/api/v1/orgs/{org_id}"): Case(lambda o: f"/api/v1/orgs/{o.org}", {200}, 404),
    ("POST", "/api/v1/orgs"): Case(
        lambda o: "/api/v1/orgs",
        {201},
        422,
        body=lambda o: {"name": "新单位", "kind": "department", "parent_id": o.org},
    ),
    ("GET", "/api/v1/issues"): Case(
        lambda o: "/api/v1/issues?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.issue not in _ids(body["items"]),
        needs=("issue",),
    ),
    ("GET", "/api/v1/issues/{issue_id}"): Case(lambda o: f"/api/v1/issues/{o.issue}", {200}, 404, needs=("issue",)),
    ("POST", "/api/v1/issues"): Case(
        lambda o: "/api/v1/issues",
        {201},
        422,
        body=lambda o: {
            "round_id": o.round,
            "category": "其他需要关注的问题方面",
            "description": "新问题",
            "lead_org_id": o.org,
        },
    ),
    ("PATCH", "/api/v1/issues/{issue_id}"): Case(
        lambda o: f"/api/v1/issues/{o.issue}", {200}, 404, body=lambda o: {"goal": "新目标"}, needs=("issue",)
    ),
    ("POST", "/api/v1/issues/{issue_id}/withdraw"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/withdraw",
        {200},
        404,
        body=lambda o: {"reason": "测试撤回"},
        needs=("issue",),
    ),
    ("POST", "/api/v1/issues/{issue_id}/measures"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/measures", {201}, 404, body=lambda o: {"text": "新措施"}, needs=("issue",)
    ),
    ("GET", "/api/v1/measures/{measure_id}"): Case(
        lambda o: f"/api/v1/measures/{o.measure}", {200}, 404, needs=("measure",)
    ),
    ("PATCH", "/api/v1/measures/{measure_id}"): Case(
        lambda o: f"/api/v1/measures/{o.measure}",
        {200},
        404,
        body=lambda o: {"status": "in_progress"},
        needs=("measure",),
    ),
    ("POST", "/api/v1/measures/{measure_id}/withdraw"): Case(
        lambda o: f"/api/v1/measures/{o.measure}/withdraw",
        {200},
        404,
        body=lambda o: {"reason": "测试撤回"},
        needs=("measure",),
    ),
    ("POST", "/api/v1/measures/{measure_id}/progress"): Case(
        lambda o: f"/api/v1/measures/{o.measure}/progress",
        {201},
        404,
        body=lambda o: {"text": "进展"},
        needs=("measure",),
    ),
    ("POST", "/api/v1/issues/{issue_id}/progress"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/progress", {201}, 404, body=lambda o: {"text": "进展"}, needs=("issue",)
    ),
    ("GET", "/api/v1/issues/{issue_id}/progress"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/progress", {200}, 404, needs=("issue",)
    ),
    ("GET", "/api/v1/stats/issues"): Case(lambda o: f"/api/v1/stats/issues?round_id={o.round}", {200}, 404),
    ("GET", "/api/v1/changes"): Case(
        lambda o: "/api/v1/changes?limit=200",
        {200},
        "absent",
        needs=("issue",),
        absent=lambda o, body: (
            o.issue not in {c["aggregate_id"] for c in body["items"] if c["aggregate_type"] == "issue"}
        ),
    ),
    ("POST", "/api/v1/reports"): Case(
        lambda o: "/api/v1/reports",
        {202},
        422,
        body=lambda o: {"kind": "ledger", "round_id": o.round, "format": "md", "org_id": o.org},
    ),
    ("GET", "/api/v1/reports/{report_id}"): Case(
        lambda o: f"/api/v1/reports/{o.report}", {200}, 404, needs=("report",)
    ),
    ("GET", "/api/v1/reports/{report_id}/file"): Case(
        lambda o: f"/api/v1/reports/{o.report}/file", {200, 409}, 404, needs=("report",)
    ),
}


class World:
    """Builds fresh objects in or out of a role's scope, through the root admin's API."""

    def __init__(self, root: Any, round_id: int, orgs: dict[str, int]) -> None:
        self.root, self.round, self.orgs = root, round_id, orgs

    async def post(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
        r = await self.root.post(url, json=body)
        assert r.status_code in (201, 202), (url, r.text)
        return r.json()

    async def objects(self, role: Role, inside: bool, needs: tuple[str, ...]) -> SimpleNamespace:
        if inside:
            org = self.orgs["abgq"] if role == Role.unit_operator else self.orgs["xlgl_sthjj"]
            round_id = self.round
        else:
            org, round_id = self.orgs["other_county"], self.orgs["other_round"]
        o = SimpleNamespace(org=org, round=round_id, password=None)
        if {"issue", "measure", "report"} & set(needs) or "issue" in needs:
            issue = await self.post(
                "/api/v1/issues",
                {"round_id": round_id, "category": "矩阵测试", "description": "矩阵测试问题", "lead_org_id": org},
            )
            o.issue = issue["id"]
            if "measure" in needs:
                o.measure = (await self.post(f"/api/v1/issues/{o.issue}/measures", {"text": "矩阵测试措施"}))["id"]
        if "report" in needs:
            o.report = (
                await self.post(
                    "/api/v1/reports", {"kind": "ledger", "round_id": round_id, "format": "md", "org_id": org}
                )
            )["id"]
        if "user" in needs:
            o.user = (
                await self.post(
                    "/api/v1/users",
                    {"username": f"m{u().hex[:10]}", "password": "long-enough-pw", "org_id": org, "role": "leader"},
                )
            )["id"]
        if "key" in needs:
            o.key = (await self.post("/api/v1/api-keys", {"name": "矩阵测试", "org_id": org}))["id"]
        return o


async def _call(c: Any, method: str, url: str, body: dict[str, Any] | None) -> Any:
    return await c.request(method, url, json=body) if body is not None else await c.request(method, url)


async def test_permission_matrix(app, client, signin, helpers, demo_round):
    root = client
    orgs = {o["name"]: o["id"] for o in (await root.get("/api/v1/orgs?limit=200")).json()["items"]}
    ids = {
        "abgq": orgs["阿巴嘎旗"],
        "xlgl_sthjj": orgs["锡林郭勒盟生态环境局"],
        "xlgl": orgs["锡林郭勒盟"],
        "nmg": orgs["内蒙古自治区"],
    }
    other = (
        await root.post("/api/v1/orgs", json={"name": "乌兰察布市", "kind": "league", "parent_id": ids["nmg"]})
    ).json()
    ids["other_county"] = (
        await root.post("/api/v1/orgs", json={"name": "集宁区", "kind": "county", "parent_id": other["id"]})
    ).json()["id"]
    ids["other_round"] = (
        await root.post(
            "/api/v1/rounds",
            json={
                "name": "第二轮中央生态环境保护督察",
                "inspection_team": "中央第三生态环境保护督察组",
                "target_region": "内蒙古自治区",
                "org_id": other["id"],
            },
        )
    ).json()["id"]
    r = await root.post(
        "/api/v1/users",
        json={
            "username": "xlgl_admin",
            "password": helpers.DEMO_PASSWORD,
            "org_id": ids["xlgl"],
            "role": "office_admin",
        },
    )
    assert r.status_code == 201
    key = (await root.post("/api/v1/api-keys", json={"name": "自治区系统", "org_id": ids["xlgl"]})).json()["secret"]
    world = World(root, demo_round, ids)

    callers: dict[Role, Any] = {role: await signin(name) for role, name in ROLE_USERS.items()}
    import httpx

    integration = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://rectify.test",
        headers={"Authorization": f"Bearer {key}"},
    )
    callers[Role.integration] = integration
    passwords = {
        Role.office_admin: helpers.DEMO_PASSWORD,
        Role.unit_operator: helpers.DEMO_PASSWORD,
        Role.leader: helpers.DEMO_PASSWORD,
        Role.integration: "an-api-key-has-none",
    }

    seen: set[tuple[str, str]] = set()
    failures: list[str] = []
    try:
        for route in api_routes(app):
            for method in route.methods:
                if (method, route.path) in PUBLIC:
                    continue
                seen.add((method, route.path))
                case = CASES.get((method, route.path))
                if case is None:
                    failures.append(f"no permission-matrix case for {method} {route.path}: add one to CASES")
                    continue
                policy = route_policy(route)[0]
                for role, c in callers.items():
                    allowed = role in POLICIES[policy]
                    for inside in (True, False):
                        if not inside and case.out is None:
                            continue
                        o = await world.objects(role, inside, case.needs)
                        o.password = passwords[role]
                        await app.state.relay.run_once()
                        resp = await _call(c, method, case.url(o), case.body(o) if case.body else None)
                        label = f"{method} {route.path} as {role.value} ({'in' if inside else 'out of'} scope)"
                        if not allowed:
                            ok = resp.status_code == 403
                        elif inside:
                            ok = resp.status_code in case.ok
                        elif case.out == "absent":
                            ok = resp.status_code == 200 and case.absent is not None and case.absent(o, resp.json())
                        else:
                            ok = resp.status_code == case.out
                        if not ok:
                            failures.append(f"{label}: got {resp.status_code} {resp.text[:200]}")
    finally:
        await integration.aclose()
    assert set(CASES) <= seen, f"cases for routes that no longer exist: {set(CASES) - seen}"
    assert failures == [], "\n".join(failures)


async def test_without_credentials_every_private_endpoint_is_401(app, anon):
    for route in api_routes(app):
        for method in route.methods:
            if (method, route.path) in PUBLIC:
                continue
            url = route.path.replace("{", "").replace("}", "")
            for name in ("issue_id", "measure_id", "round_id", "org_id", "user_id", "key_id", "report_id"):
                url = url.replace(name, "1")
            for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer rk_bad_key"}):
                r = await anon.request(method, url, headers=headers, json={} if method != "GET" else None)
                assert r.status_code == 401, f"{method} {route.path} with {headers}: {r.status_code}"
                assert r.json()["error"]["code"] == "unauthorized"
                assert r.headers["www-authenticate"] == "Bearer"
