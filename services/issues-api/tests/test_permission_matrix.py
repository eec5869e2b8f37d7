"""The permission matrix: every endpoint × every role × an object in scope and one out of it.

A route must be public (declared in `auth.policies.PUBLIC`) or carry exactly one policy; a route
with no entry in CASES below fails the test, so a new endpoint cannot ship without a decision.
Expected outcomes follow the policy table: a role outside the policy gets 403; inside it, an
object in its scope succeeds and one outside is 404 (422 when a create names it), and lists
simply do not contain it.
"""

import itertools
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from fastapi.routing import APIRoute

from issues_api.auth.policies import POLICIES, PUBLIC
from issues_api.auth.principal import Role
from rectify_shared.escalation_policy import DEFAULT_POLICY
from rectify_shared.timezone import today as china_today

ROLE_USERS = {Role.office_admin: "xlgl_admin", Role.unit_operator: "abgq", Role.leader: "leader"}
MATRIX_ADMIN_PASSWORD = "Matrix-admin-2024"


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
    walked = {(m, r.path_format) for r in routes for m in r.methods}  # `{id}`, not the `{id:int}` it matches
    assert documented - PUBLIC <= walked, f"routes not in ALL_ROUTERS: {documented - walked}"
    return routes


def test_every_route_is_public_or_has_exactly_one_policy():
    from issues_api.main import create_app

    for route in api_routes(create_app()):
        for method in route.methods:
            policies = route_policy(route)
            if (method, route.path_format) in PUBLIC:
                assert policies == [], f"{method} {route.path_format} is public but declares {policies}"
            else:
                assert len(policies) == 1, f"{method} {route.path_format} declares no policy (or several): {policies}"
                assert policies[0] in POLICIES


@dataclass
class Case:
    url: Callable[[SimpleNamespace], str]
    ok: set[int]
    out: int | str | None  # status for an out-of-scope object, "absent" for lists, None: no scope to test
    body: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    absent: Callable[[SimpleNamespace, Any], bool] | None = None
    needs: tuple[str, ...] = field(default_factory=tuple)
    #: multipart form fields (the upload endpoint); a small PDF goes along as `file`
    form: Callable[[SimpleNamespace], dict[str, Any]] | None = None
    #: in-scope answers that differ for one allowed role (otherwise `ok`)
    ok_for: dict[Role, set[int]] = field(default_factory=dict)
    #: request headers (the change stream's Last-Event-ID)
    headers: dict[str, str] = field(default_factory=dict)


def _ids(items: list[dict[str, Any]]) -> set[Any]:
    return {i["id"] for i in items}


def _tree_ids(nodes: list[dict[str, Any]]) -> set[int]:
    out: set[int] = set()
    for n in nodes:
        out |= {n["id"]} | _tree_ids(n["children"])
    return out


u = uuid.uuid4
_periods = itertools.count(1)


_petition_numbers = itertools.count(1)


def next_petition_no() -> int:
    """A batch number (and intake serial) never used before in this run."""
    return 500 + next(_petition_numbers)


def next_period() -> str:
    """A monthly dispatch period never used before in this run."""
    return f"{2030 + next(_periods)}-01"


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/me"): Case(lambda o: "/api/v1/me", {200}, None),
    # signing out ends the caller's session: the matrix runs it last (see the loop)
    ("POST", "/api/v1/auth/logout"): Case(lambda o: "/api/v1/auth/logout", {204, 409}, None),
    ("GET", "/api/v1/me/sessions"): Case(lambda o: "/api/v1/me/sessions", {200, 409}, None),
    ("DELETE", "/api/v1/me/sessions/{session_ref}"): Case(
        lambda o: "/api/v1/me/sessions/0123456789abcdef", {404, 409}, None
    ),
    ("POST", "/api/v1/me/password"): Case(
        lambda o: "/api/v1/me/password",
        {204, 409},
        None,
        body=lambda o: {"current_password": o.password, "new_password": "changed-pw-2024"},
    ),
    ("GET", "/api/v1/me/notification-preferences"): Case(
        lambda o: "/api/v1/me/notification-preferences", {200, 409}, None
    ),
    ("PUT", "/api/v1/me/notification-preferences"): Case(
        lambda o: "/api/v1/me/notification-preferences",
        {200, 409},
        None,
        body=lambda o: {"preferences": [{"event_type": "issue.status_changed", "channel": "email", "mode": "digest"}]},
    ),
    ("GET", "/api/v1/me/contact"): Case(lambda o: "/api/v1/me/contact", {200, 409}, None),
    ("PATCH", "/api/v1/me/contact"): Case(
        lambda o: "/api/v1/me/contact", {200, 409}, None, body=lambda o: {"phone": "13904790001"}
    ),
    ("POST", "/api/v1/users"): Case(
        lambda o: "/api/v1/users",
        {201},
        422,
        body=lambda o: {
            "username": f"u{u().hex[:10]}",
            "password": "Long-enough-pw1",
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
    ("PATCH", "/api/v1/orgs/{org_id}"): Case(
        lambda o: f"/api/v1/orgs/{o.org}", {200}, 404, body=lambda o: {"mobile": "13904799999"}
    ),
    ("POST", "/api/v1/orgs/{org_id}/move"): Case(
        lambda o: f"/api/v1/orgs/{o.org}/move", {200}, 404, body=lambda o: {"parent_id": o.parent, "position": 0}
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
        lambda o: f"/api/v1/issues/{o.issue}", {200}, 404, body=lambda o: {"status": "in_progress"}, needs=("issue",)
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
    ("GET", "/api/v1/progress/{report_id}"): Case(
        lambda o: f"/api/v1/progress/{o.progress}", {200}, 404, needs=("progress",)
    ),
    ("GET", "/api/v1/measures"): Case(
        lambda o: "/api/v1/measures?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.measure not in _ids(body["items"]),
        needs=("measure",),
    ),
    ("GET", "/api/v1/me/todo"): Case(lambda o: "/api/v1/me/todo", {200}, None),
    # an open stream never ends (the in-process transport would wait for it): a resume position
    # beyond the feed's head answers at once, after the policy
    ("GET", "/api/v1/changes/stream"): Case(
        # a resume position beyond the feed's head answers at once (an open stream would never end here)
        lambda o: "/api/v1/changes/stream",
        {422},
        None,
        headers={"Last-Event-ID": "999999999999999"},
    ),
    ("POST", "/api/v1/changes/stream/link"): Case(lambda o: "/api/v1/changes/stream/link", {200}, None),
    ("POST", "/api/v1/attachments/{attachment_id}/link"): Case(
        lambda o: f"/api/v1/attachments/{o.attachment}/link", {200}, 404, needs=("attachment",)
    ),
    ("POST", "/api/v1/reports/{report_id}/link"): Case(
        lambda o: f"/api/v1/reports/{o.report}/link", {200, 409}, 404, needs=("report",)
    ),
    ("GET", "/api/v1/issues/{issue_id}/progress"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/progress", {200}, 404, needs=("issue",)
    ),
    ("GET", "/api/v1/stats/issues"): Case(lambda o: f"/api/v1/stats/issues?round_id={o.round}", {200}, 404),
    ("GET", "/api/v1/stats/issue-states"): Case(lambda o: f"/api/v1/stats/issue-states?round_id={o.round}", {200}, 404),
    ("GET", "/api/v1/changes"): Case(
        lambda o: "/api/v1/changes?limit=200",
        {200},
        "absent",
        needs=("issue",),
        absent=lambda o, body: (
            str(o.issue) not in {c["aggregate_id"] for c in body["items"] if c["aggregate_type"] == "issue"}
        ),
    ),
    ("POST", "/api/v1/reports"): Case(
        lambda o: "/api/v1/reports",
        {202},
        422,
        body=lambda o: {"kind": "ledger", "round_id": o.round, "format": "md", "org_id": o.org},
    ),
    ("GET", "/api/v1/reports"): Case(
        lambda o: "/api/v1/reports?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.report not in _ids(body["items"]),
        needs=("report",),
    ),
    ("GET", "/api/v1/reports/{report_id}"): Case(
        lambda o: f"/api/v1/reports/{o.report}", {200}, 404, needs=("report",)
    ),
    ("GET", "/api/v1/reports/{report_id}/file"): Case(
        lambda o: f"/api/v1/reports/{o.report}/file", {200, 409}, 404, needs=("report",)
    ),
    ("GET", "/api/v1/calendar/workdays"): Case(
        lambda o: "/api/v1/calendar/workdays?start=2025-12-29&count=5", {200}, None
    ),
    ("GET", "/api/v1/calendar/days"): Case(
        lambda o: "/api/v1/calendar/days?from=2025-09-28&to=2025-10-11", {200}, None
    ),
    ("PUT", "/api/v1/calendar/years/{year}"): Case(
        lambda o: "/api/v1/calendar/years/2027",
        {403},  # the matrix's office is a league's: only the root org's office owns the calendar (finding 9)
        None,
        body=lambda o: {"holidays": [{"date": "2027-01-01", "name": "元旦"}]},
    ),
    ("GET", "/api/v1/calendar/orgs/{org_id}/overrides"): Case(
        lambda o: f"/api/v1/calendar/orgs/{o.org}/overrides", {200}, 404
    ),
    ("PUT", "/api/v1/calendar/orgs/{org_id}/overrides/{year}"): Case(
        lambda o: f"/api/v1/calendar/orgs/{o.org}/overrides/2031",
        {200},
        404,
        body=lambda o: {"days": [{"date": "2031-07-14", "kind": "holiday", "name": "矩阵测试"}]},
    ),
    ("POST", "/api/v1/rounds/{round_id}/imports"): Case(
        # no file: in scope the round is found and the empty upload refused (422); out of scope 404
        lambda o: f"/api/v1/rounds/{o.round}/imports",
        {422},
        404,
    ),
    ("GET", "/api/v1/rounds/{round_id}/imports/{job_id}"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/imports/{o.import_job}", {200}, 404, needs=("import_job",)
    ),
    ("POST", "/api/v1/rounds/{round_id}/imports/{job_id}/apply"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/imports/{o.import_job}/apply",
        {200, 422},  # 422: a unit of the file matched no org (never created silently)
        404,
        body=lambda o: {"org_mapping": {}},
        needs=("import_job",),
    ),
    ("POST", "/api/v1/dispatch-rounds"): Case(
        lambda o: "/api/v1/dispatch-rounds",
        {201},
        422,
        body=lambda o: {
            "round_id": o.round,
            "frequency": "monthly",
            "period": next_period(),
            "cutoff": "2030-01-31",
        },
    ),
    ("GET", "/api/v1/dispatch-rounds"): Case(
        lambda o: "/api/v1/dispatch-rounds?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.dispatch not in _ids(body["items"]),
        needs=("dispatch",),
    ),
    ("GET", "/api/v1/dispatch-rounds/{dispatch_id}"): Case(
        lambda o: f"/api/v1/dispatch-rounds/{o.dispatch}", {200}, 404, needs=("dispatch",)
    ),
    # an issued letter: a proposed one is the office's alone (test_office_ladder.py, seen #6)
    ("GET", "/api/v1/escalations"): Case(
        lambda o: "/api/v1/escalations?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.issued_escalation not in _ids(body["items"]),
        needs=("issued_escalation",),
    ),
    ("GET", "/api/v1/escalations/{escalation_id}"): Case(
        lambda o: f"/api/v1/escalations/{o.issued_escalation}", {200}, 404, needs=("issued_escalation",)
    ),
    ("POST", "/api/v1/escalations"): Case(
        lambda o: "/api/v1/escalations",
        {201},
        422,
        body=lambda o: {"level": "warning", "issue_id": o.issue, "reason": "矩阵测试"},
        needs=("issue",),
    ),
    ("POST", "/api/v1/escalations/{escalation_id}/issue"): Case(
        lambda o: f"/api/v1/escalations/{o.escalation}/issue", {200}, 404, body=lambda o: {}, needs=("escalation",)
    ),
    ("POST", "/api/v1/escalations/{escalation_id}/withdraw"): Case(
        lambda o: f"/api/v1/escalations/{o.escalation}/withdraw",
        {200},
        404,
        body=lambda o: {"reason": "矩阵测试"},
        needs=("escalation",),
    ),
    ("POST", "/api/v1/escalations/{escalation_id}/respond"): Case(
        lambda o: f"/api/v1/escalations/{o.issued_escalation}/respond",
        {200},
        404,
        body=lambda o: {"response": "已按要求整改"},
        needs=("issued_escalation",),
    ),
    ("POST", "/api/v1/escalations/scan"): Case(
        lambda o: "/api/v1/escalations/scan", {202}, None, body=lambda o: {"as_of": "2026-03-31"}
    ),
    ("GET", "/api/v1/escalations/scans/{scan_id}"): Case(
        lambda o: f"/api/v1/escalations/scans/{o.scan}", {200}, None, needs=("scan",)
    ),
    # the scan is still queued here (no notifier runs): the office is let in and told it cannot yet
    ("POST", "/api/v1/escalations/scans/{scan_id}/withdraw"): Case(
        lambda o: f"/api/v1/escalations/scans/{o.scan}/withdraw",
        {409},
        None,
        body=lambda o: {"reason": "矩阵测试撤回"},
        needs=("scan",),
    ),
    ("GET", "/api/v1/rounds/{round_id}/escalation-policy"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/escalation-policy", {200}, 404
    ),
    ("PUT", "/api/v1/rounds/{round_id}/escalation-policy"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/escalation-policy",
        {200},
        404,
        body=lambda o: DEFAULT_POLICY.model_dump(mode="json"),
    ),
    ("GET", "/api/v1/event-types"): Case(lambda o: "/api/v1/event-types", {200}, None),
    ("POST", "/api/v1/webhooks"): Case(
        lambda o: "/api/v1/webhooks",
        {201},
        422,
        body=lambda o: {"url": "http://127.0.0.1:9/hook", "event_types": ["*"], "org_id": o.org},
    ),
    ("GET", "/api/v1/webhooks"): Case(
        lambda o: "/api/v1/webhooks?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.webhook not in _ids(body["items"]),
        needs=("webhook",),
    ),
    ("POST", "/api/v1/webhooks/{webhook_id}/disable"): Case(
        lambda o: f"/api/v1/webhooks/{o.webhook}/disable",
        {200},
        404,
        needs=("webhook",),
        ok_for={Role.integration: {404}},  # the office's subscription: a key manages only its own (finding 5)
    ),
    ("GET", "/api/v1/inbox"): Case(lambda o: "/api/v1/inbox", {200}, None),
    ("POST", "/api/v1/inbox/{message_id}/read"): Case(lambda o: "/api/v1/inbox/1/read", {404}, None),
    ("POST", "/api/v1/inbox/read-all"): Case(lambda o: "/api/v1/inbox/read-all", {204}, None),
    ("GET", "/api/v1/deliveries"): Case(
        lambda o: "/api/v1/deliveries?limit=200",
        {200},
        "absent",
        absent=lambda o, body: str(o.delivery) not in _ids(body["items"]),
        needs=("delivery",),
    ),
    ("POST", "/api/v1/deliveries/{delivery_id}/retry"): Case(
        lambda o: f"/api/v1/deliveries/{o.delivery}/retry", {200}, 404, needs=("delivery",)
    ),
    ("PUT", "/api/v1/templates/{event_type}/{channel}"): Case(
        lambda o: "/api/v1/templates/escalation.issued/email",
        {200},
        None,
        body=lambda o: {"subject": "【{{ level_text }}】", "body": "请于{{ response_due }}前回复"},
    ),
    ("GET", "/api/v1/document-templates/{kind}"): Case(
        lambda o: f"/api/v1/document-templates/closure_notice?round_id={o.round}", {200}, 404
    ),
    # the body is the template's text (here a JSON string, which renders as one paragraph)
    ("PUT", "/api/v1/document-templates/{kind}"): Case(
        lambda o: f"/api/v1/document-templates/petition_notice?round_id={o.round}",
        {200},
        404,
        body=lambda o: "# {{ title }}",  # type: ignore[arg-type,return-value]
    ),
    ("GET", "/api/v1/document-templates"): Case(lambda o: f"/api/v1/document-templates?round_id={o.round}", {200}, 404),
    ("POST", "/api/v1/document-templates/{kind}/preview"): Case(
        lambda o: f"/api/v1/document-templates/petition_notice/preview?round_id={o.round}",
        {200},
        404,
        body=lambda o: "# {{ title }}",  # type: ignore[arg-type,return-value]
    ),
    ("POST", "/api/v1/document-templates/{kind}/reset"): Case(
        lambda o: f"/api/v1/document-templates/petition_notice/reset?round_id={o.round}", {200}, 404
    ),
    ("GET", "/api/v1/templates"): Case(lambda o: "/api/v1/templates", {200}, None),
    ("POST", "/api/v1/templates/{event_type}/{channel}/preview"): Case(
        lambda o: "/api/v1/templates/escalation.issued/sms/preview",
        {200},
        None,
        body=lambda o: {"body": "【{{ level_text }}】请于{{ response_due | cn_date }}前回复"},
    ),
    ("GET", "/api/v1/audit/verify"): Case(lambda o: "/api/v1/audit/verify", {200}, None),
    ("GET", "/api/v1/document-templates/{kind}/schema"): Case(
        lambda o: "/api/v1/document-templates/progress_report/schema", {200}, None
    ),
    ("GET", "/api/v1/rounds/{round_id}/narrative"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/narrative?org_id={o.org}", {200}, 404
    ),
    ("PUT", "/api/v1/rounds/{round_id}/narrative"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/narrative?org_id={o.org}",
        {200},
        404,
        body=lambda o: {"sections": [{"heading": "一、矩阵测试", "paragraphs": ["矩阵测试段落。"]}]},
    ),
    ("POST", "/api/v1/attachments"): Case(
        lambda o: "/api/v1/attachments", {201}, 422, form=lambda o: {"org_id": str(o.org)}
    ),
    ("GET", "/api/v1/attachments/duplicates"): Case(lambda o: "/api/v1/attachments/duplicates", {200}, None),
    ("GET", "/api/v1/attachments/{attachment_id}"): Case(
        lambda o: f"/api/v1/attachments/{o.attachment}", {200}, 404, needs=("attachment",)
    ),
    ("GET", "/api/v1/attachments/{attachment_id}/content"): Case(
        lambda o: f"/api/v1/attachments/{o.attachment}/content", {200}, 404, needs=("attachment",)
    ),
    ("POST", "/api/v1/attachments/{attachment_id}/links"): Case(
        lambda o: f"/api/v1/attachments/{o.attachment}/links",
        {201},
        404,
        body=lambda o: {"target_kind": "closure", "target_id": o.closure},
        needs=("attachment", "closure"),
    ),
    ("POST", "/api/v1/closures"): Case(
        lambda o: "/api/v1/closures",
        {201},
        422,
        body=lambda o: {"issue_id": o.issue, "statement": "矩阵测试完成情况"},
        needs=("task",),
    ),
    ("GET", "/api/v1/closures"): Case(
        lambda o: "/api/v1/closures?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.closure not in _ids(body["items"]),
        needs=("closure",),
    ),
    ("GET", "/api/v1/closures/{closure_id}"): Case(
        lambda o: f"/api/v1/closures/{o.closure}", {200}, 404, needs=("closure",)
    ),
    ("POST", "/api/v1/closures/{closure_id}/review"): Case(
        lambda o: f"/api/v1/closures/{o.closure}/review",
        {200},
        404,
        body=lambda o: {"approve": True},
        needs=("closure",),
    ),
    ("POST", "/api/v1/closures/{closure_id}/accept"): Case(
        lambda o: f"/api/v1/closures/{o.closure}/accept", {200}, 404, body=lambda o: {}, needs=("closure_accepting",)
    ),
    ("POST", "/api/v1/closures/{closure_id}/reject"): Case(
        lambda o: f"/api/v1/closures/{o.closure}/reject",
        {200},
        404,
        body=lambda o: {"reason": "矩阵测试退回"},
        needs=("closure",),
    ),
    ("POST", "/api/v1/closures/{closure_id}/publicity"): Case(
        lambda o: f"/api/v1/closures/{o.closure}/publicity",
        {200},
        404,
        body=lambda o: {"start": "2026-01-05", "days": 10, "medium": "网站", "contact": "0479"},
        needs=("closure_accepted",),
    ),
    ("POST", "/api/v1/closures/{closure_id}/objections"): Case(
        lambda o: f"/api/v1/closures/{o.closure}/objections",
        {201},
        404,
        body=lambda o: {"name": "张三", "contact": "13800000000", "content": "矩阵测试异议"},
        needs=("closure_publicity",),
    ),
    ("POST", "/api/v1/closures/{closure_id}/objections/{objection_id}/decision"): Case(
        lambda o: f"/api/v1/closures/{o.closure}/objections/{o.objection}/decision",
        {200},
        404,
        body=lambda o: {"upheld": False, "reason": "矩阵测试"},
        needs=("closure_publicity",),
    ),
    ("POST", "/api/v1/closures/{closure_id}/writeoff"): Case(
        lambda o: f"/api/v1/closures/{o.closure}/writeoff", {200}, 404, body=lambda o: {}, needs=("closure_ended",)
    ),
    ("POST", "/api/v1/issues/{issue_id}/extension-requests"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/extension-requests",
        {201},
        404,
        body=lambda o: {"reason": "矩阵测试", "proposed_deadline": "2099-06-30"},
        needs=("deadline_issue",),
    ),
    ("GET", "/api/v1/issues/{issue_id}/extension-requests"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/extension-requests", {200}, 404, needs=("issue",)
    ),
    ("GET", "/api/v1/extension-requests"): Case(
        lambda o: "/api/v1/extension-requests?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.extension not in _ids(body["items"]),
        needs=("extension",),
    ),
    ("POST", "/api/v1/extension-requests/{request_id}/approve"): Case(
        lambda o: f"/api/v1/extension-requests/{o.extension}/approve",
        {200},
        404,
        body=lambda o: {},
        needs=("extension",),
    ),
    ("POST", "/api/v1/extension-requests/{request_id}/reject"): Case(
        lambda o: f"/api/v1/extension-requests/{o.extension}/reject",
        {200},
        404,
        body=lambda o: {"comment": "不同意"},
        needs=("extension",),
    ),
    ("POST", "/api/v1/issues/{issue_id}/attestations"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/attestations",
        {201},
        404,
        body=lambda o: {"statement": "矩阵测试定期复核"},
        needs=("long_term_task",),
    ),
    ("GET", "/api/v1/issues/{issue_id}/attestations"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/attestations", {200}, 404, needs=("issue",)
    ),
    ("POST", "/api/v1/issues/{issue_id}/relapse"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/relapse",
        {201},
        404,
        body=lambda o: {"reason": "矩阵测试反弹", "source": "inspection", "source_detail": "矩阵测试暗访"},
        needs=("finished_task",),
    ),
    ("GET", "/api/v1/issues/{issue_id}/relapses"): Case(
        lambda o: f"/api/v1/issues/{o.issue}/relapses", {200}, 404, needs=("issue",)
    ),
    ("POST", "/api/v1/indicators"): Case(
        lambda o: "/api/v1/indicators",
        {201},
        422,
        body=lambda o: {
            "name": "矩阵测试指标",
            "unit": "个",
            "kind": "cumulative",
            "org_id": o.org,
            "round_id": o.round,
        },
    ),
    ("GET", "/api/v1/indicators"): Case(
        lambda o: "/api/v1/indicators?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.indicator not in _ids(body["items"]),
        needs=("indicator",),
    ),
    ("GET", "/api/v1/indicators/{indicator_id}"): Case(
        lambda o: f"/api/v1/indicators/{o.indicator}", {200}, 404, needs=("indicator",)
    ),
    ("POST", "/api/v1/indicators/{indicator_id}/values"): Case(
        lambda o: f"/api/v1/indicators/{o.indicator}/values",
        {201},
        404,
        body=lambda o: {"period": "2024", "value": 1},
        needs=("indicator",),
    ),
    ("GET", "/api/v1/stats/indicators"): Case(lambda o: f"/api/v1/stats/indicators?round_id={o.round}", {200}, 404),
    ("GET", "/api/v1/rounds/{round_id}/petition-policy"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/petition-policy", {200}, 404
    ),
    ("PUT", "/api/v1/rounds/{round_id}/petition-policy"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/petition-policy",
        {200},
        404,
        body=lambda o: {"due_days": 10, "day_kind": "calendar"},
    ),
    ("GET", "/api/v1/rounds/{round_id}/closure-policy"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/closure-policy", {200}, 404
    ),
    ("PUT", "/api/v1/rounds/{round_id}/closure-policy"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/closure-policy",
        {200},
        404,
        body=lambda o: {"acceptance_levels": ["county", "league"]},
    ),
    ("PUT", "/api/v1/rounds/{round_id}/document-settings"): Case(
        lambda o: f"/api/v1/rounds/{o.round}/document-settings",
        {200},
        404,
        body=lambda o: {"status_words": {"completed_long_term": "已经完成，长期坚持"}, "measure_numbering": "1."},
    ),
    ("POST", "/api/v1/petition-batches"): Case(
        lambda o: "/api/v1/petition-batches",
        {201},
        422,
        body=lambda o: {"round_id": o.round, "batch_no": next_petition_no(), "transferred_at": "2025-09-26"},
    ),
    ("GET", "/api/v1/petition-batches"): Case(
        lambda o: "/api/v1/petition-batches?limit=200",
        {200},
        "absent",
        absent=lambda o, body: o.petition_batch not in _ids(body["items"]),
        needs=("petition_batch",),
    ),
    ("POST", "/api/v1/petition-batches/{batch_id}/import"): Case(
        # no file: in scope the batch is found and the empty upload refused (422); out of scope 404
        lambda o: f"/api/v1/petition-batches/{o.petition_batch}/import",
        {422},
        404,
        needs=("petition_batch",),
    ),
    ("GET", "/api/v1/pollution-types"): Case(lambda o: "/api/v1/pollution-types", {200}, None),
    ("POST", "/api/v1/pollution-types"): Case(
        # the deployment's list: no scope to be out of
        lambda o: "/api/v1/pollution-types",
        {201},
        None,
        body=lambda o: {"code": f"matrix_{u().hex[:8]}", "name": f"矩阵污染{u().hex[:6]}"},
    ),
    ("POST", "/api/v1/petition-cases"): Case(
        lambda o: "/api/v1/petition-cases",
        {201},
        422,
        body=lambda o: {
            "batch_id": o.petition_batch,
            "intake_no": f"D3MX{next_petition_no():08d}",
            "content": "矩阵测试信访件",
            "locality_org_id": o.org,
        },
        needs=("petition_batch",),
    ),
    ("GET", "/api/v1/petition-cases"): Case(
        lambda o: "/api/v1/petition-cases?limit=200&q=矩阵测试",
        {200},
        "absent",
        absent=lambda o, body: o.petition_case not in _ids(body["items"]),
        needs=("petition_case",),
    ),
    ("GET", "/api/v1/petition-cases/{case_id}"): Case(
        lambda o: f"/api/v1/petition-cases/{o.petition_case}", {200}, 404, needs=("petition_case",)
    ),
    ("PATCH", "/api/v1/petition-cases/{case_id}"): Case(
        lambda o: f"/api/v1/petition-cases/{o.petition_case}",
        {200},
        404,
        body=lambda o: {"findings": "矩阵测试核查情况"},
        needs=("petition_case",),
    ),
    ("GET", "/api/v1/stats/petitions"): Case(lambda o: f"/api/v1/stats/petitions?round_id={o.round}", {200}, 404),
}


class World:
    """Builds fresh objects in or out of a role's scope, through the root admin's API."""

    def __init__(self, app: Any, root: Any, round_id: int, orgs: dict[str, int]) -> None:
        self.app, self.root, self.round, self.orgs = app, root, round_id, orgs
        #: who applies for 销号 in scope (True) and out of it (False)
        self.applicants: dict[bool, Any] = {}
        #: a unit's own report is requested by the unit (an exact-scope report; finding 3)
        self.unit: Any = None

    async def failed_delivery(self, org_id: int) -> int:
        from rectify_shared.ids import new_id
        from rectify_shared.models import Delivery, Org

        async with self.app.state.rectify.write_sessions() as s:
            org = await s.get(Org, org_id)
            d = Delivery(
                id=new_id(),
                event_id=str(new_id()),
                event_type="escalation.issued",
                event_month="2026-11",
                channel="email",
                recipient=f"org:{org_id}",
                address="x@example.gov.cn",
                org_path=org.path,
                body="…",
                state="failed",
                idempotency_key=u().hex,
            )
            s.add(d)
            await s.commit()
            return d.id

    async def escalation(self, issue_id: int, org_id: int, state: str) -> int:
        """As the notifier's scan makes them (the API only acts on existing ones)."""
        from rectify_shared.models import Escalation, Org

        async with self.app.state.rectify.write_sessions() as s:
            org = await s.get(Org, org_id)
            e = Escalation(
                round_id=1,
                level="supervision",
                rule="matrix",
                dedupe_key=f"matrix:{u().hex}",
                issue_id=issue_id,
                addressed_org_id=org_id,
                org_path=org.path,
                reason="矩阵测试",
                trigger={"kind": "manual"},
                state=state,
                as_of=date(2026, 3, 31),
            )
            s.add(e)
            await s.commit()
            return int(e.id)

    async def closure(self, o: SimpleNamespace, needs: set[str], inside: bool) -> None:
        """A closure on a fresh task, applied for by a unit (a responsible unit in scope, the lead
        unit out of it: never the caller) and taken by the root office as far as the case needs."""
        stages = ["closure", "closure_accepting", "closure_accepted", "closure_publicity", "closure_ended"]
        stage = max(stages.index(n) for n in needs if n in stages)
        await self.root.patch(f"/api/v1/issues/{o.issue}", json={"status": "in_progress"})
        r = await self.applicants[inside].post("/api/v1/closures", json={"issue_id": o.issue, "statement": "矩阵测试"})
        assert r.status_code == 201, r.text
        o.closure = r.json()["id"]
        steps: list[tuple[str, dict[str, Any]]] = []
        if stage >= stages.index("closure_accepting"):
            steps.append(("review", {"approve": True}))
        if stage >= stages.index("closure_accepted"):
            steps += [("accept", {})] * len(r.json()["levels"])
        if stage >= stages.index("closure_ended"):
            steps.append(("publicity", {"start": "2025-01-02", "days": 5, "medium": "网站", "contact": "0479"}))
        elif stage >= stages.index("closure_publicity"):
            steps.append(
                ("publicity", {"start": china_today().isoformat(), "days": 10, "medium": "网站", "contact": "1"})
            )
        for action, body in steps:
            r = await self.root.post(f"/api/v1/closures/{o.closure}/{action}", json=body)
            assert r.status_code == 200, (action, r.text)
        if "closure_publicity" in needs:
            objection = {"name": "张三", "contact": "13800000000", "content": "矩阵测试"}
            o.objection = (await self.post(f"/api/v1/closures/{o.closure}/objections", objection))["objections"][-1][
                "id"
            ]

    async def post(self, url: str, body: dict[str, Any], by: Any = None) -> dict[str, Any]:
        r = await (by or self.root).post(url, json=body)
        assert r.status_code in (201, 202), (url, r.text)
        return r.json()

    async def objects(self, role: Role, inside: bool, needs: tuple[str, ...]) -> SimpleNamespace:
        if inside:
            org = self.orgs["abgq"] if role == Role.unit_operator else self.orgs["xlgl_sthjj"]
            round_id = self.round
        else:
            org, round_id = self.orgs["other_county"], self.orgs["other_round"]
        o = SimpleNamespace(org=org, parent=self.orgs["xlgl"], round=round_id, password=None)
        closure_needs = {"closure", "closure_accepting", "closure_accepted", "closure_publicity", "closure_ended"}
        issue_needs = {"issue", "measure", "escalation", "issued_escalation", "task", "deadline_issue", "extension"}
        issue_needs |= {"long_term_task", "finished_task", "progress"}
        if (issue_needs | closure_needs) & set(needs):
            issue_body: dict[str, Any] = {"round_id": round_id, "category": "矩阵测试", "lead_org_id": org}
            issue_body["description"] = "矩阵测试问题"
            if inside:  # 锡林浩特市 shares the task: it applies for 销号, so the caller may review and accept
                issue_body["responsible_org_ids"] = [org, self.orgs["xlhts"]]
            issue = await self.post("/api/v1/issues", issue_body)
            o.issue = issue["id"]
            if "measure" in needs:
                o.measure = (await self.post(f"/api/v1/issues/{o.issue}/measures", {"text": "矩阵测试措施"}))["id"]
            if "progress" in needs:
                report = {"text": "矩阵测试进展", "reporting_org_id": org}
                o.progress = (await self.post(f"/api/v1/issues/{o.issue}/progress", report))["id"]
        if {"task", "deadline_issue", "extension"} & set(needs):
            await self.root.patch(f"/api/v1/issues/{o.issue}", json={"status": "in_progress", "deadline": "2099-01-31"})
        if {"long_term_task", "finished_task"} & set(needs):
            long_term = "long_term_task" in needs
            await self.root.patch(f"/api/v1/issues/{o.issue}", json={"status": "in_progress", "long_term": long_term})
            done = "completed_long_term" if long_term else "completed"
            r = await self.root.patch(f"/api/v1/issues/{o.issue}", json={"status": done})
            assert r.status_code == 200, r.text
        if "extension" in needs:
            body = {"reason": "矩阵测试", "proposed_deadline": "2099-06-30"}
            o.extension = (await self.post(f"/api/v1/issues/{o.issue}/extension-requests", body))["id"]
        if closure_needs & set(needs):
            await self.closure(o, closure_needs & set(needs), inside)
        if "attachment" in needs:
            r = await self.root.post(
                "/api/v1/attachments", files={"file": ("m.pdf", MATRIX_PDF)}, data={"org_id": str(org)}
            )
            assert r.status_code == 201, r.text
            o.attachment = r.json()["id"]
        if "import_job" in needs:  # the round's office (root here) previews a one-problem 台账
            r = await self.root.post(
                f"/api/v1/rounds/{round_id}/imports", files={"file": ("台账.xlsx", matrix_ledger_xlsx(), XLSX)}
            )
            assert r.status_code in (200, 201, 202), r.text
            o.import_job = r.json()["id"]
        if {"petition_batch", "petition_case"} & set(needs):
            body = {"round_id": round_id, "batch_no": next_petition_no(), "transferred_at": "2025-09-26"}
            o.petition_batch = (await self.post("/api/v1/petition-batches", body))["id"]
            if "petition_case" in needs:
                case = {
                    "batch_id": o.petition_batch,
                    "intake_no": f"D3MX{next_petition_no():08d}",
                    "content": "矩阵测试信访件",
                    "locality_org_id": org,
                }
                o.petition_case = (await self.post("/api/v1/petition-cases", case))["id"]
        if "escalation" in needs:
            o.escalation = await self.escalation(o.issue, org, "proposed")
        if "issued_escalation" in needs:
            o.issued_escalation = await self.escalation(o.issue, org, "issued")
        if "dispatch" in needs:
            body = {
                "round_id": round_id,
                "frequency": "monthly",
                "period": next_period(),
                "cutoff": "2030-01-31",
            }
            o.dispatch = (await self.post("/api/v1/dispatch-rounds", body))["id"]
        if "webhook" in needs:
            body = {"url": "http://127.0.0.1:9/hook", "event_types": ["*"], "org_id": org}
            o.webhook = (await self.post("/api/v1/webhooks", body))["id"]
        if "delivery" in needs:
            o.delivery = await self.failed_delivery(org)
        if "scan" in needs:
            o.scan = (await self.post("/api/v1/escalations/scan", {"as_of": "2026-03-31"}))["id"]
        if "report" in needs:
            by = self.unit if inside and role == Role.unit_operator else None
            o.report = (
                await self.post(
                    "/api/v1/reports", {"kind": "ledger", "round_id": round_id, "format": "md", "org_id": org}, by
                )
            )["id"]
        if "user" in needs:
            o.user = (
                await self.post(
                    "/api/v1/users",
                    {"username": f"m{u().hex[:10]}", "password": "Long-enough-pw1", "org_id": org, "role": "leader"},
                )
            )["id"]
        if "indicator" in needs:
            body = {"name": "矩阵测试指标", "unit": "个", "kind": "cumulative", "org_id": org, "round_id": round_id}
            o.indicator = (await self.post("/api/v1/indicators", body))["id"]
        if "key" in needs:
            o.key = (await self.post("/api/v1/api-keys", {"name": "矩阵测试", "org_id": org}))["id"]
        return o


MATRIX_PDF = b"%PDF-1.4\n%%EOF\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def matrix_ledger_xlsx() -> bytes:
    """A 台账 of one problem and one measure, as a clerk would keep it."""
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "方面", "问题", "整改措施", "牵头单位", "整改时限"])
    ws.append([1, "矩阵测试方面", "矩阵测试导入问题", "矩阵测试导入措施", "阿巴嘎旗", "2030年12月31日"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def _call(
    c: Any,
    method: str,
    url: str,
    body: dict[str, Any] | None,
    form: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    if form is not None:
        return await c.request(method, url, files={"file": ("m.pdf", MATRIX_PDF)}, data=form, headers=headers)
    if body is not None:
        return await c.request(method, url, json=body, headers=headers)
    return await c.request(method, url, headers=headers)


async def test_permission_matrix(app, client, signin, helpers, demo_round, monkeypatch):
    root = client
    # the matrix queues many reports it never renders; the per-user quota is tested on its own
    monkeypatch.setattr(app.state.rectify.settings, "report_jobs_per_user", 10_000)
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
            "password": "Matrix-initial-1",
            "org_id": ids["xlgl"],
            "role": "office_admin",
        },
    )
    assert r.status_code == 201
    first = await helpers.login(app, "xlgl_admin", "Matrix-initial-1")  # an administrator's password: changed first
    change = {"current_password": "Matrix-initial-1", "new_password": MATRIX_ADMIN_PASSWORD}
    assert (await first.post("/api/v1/me/password", json=change)).status_code == 204
    await first.aclose()
    key = (await root.post("/api/v1/api-keys", json={"name": "自治区系统", "org_id": ids["xlgl"]})).json()["secret"]
    ids["xlhts"] = orgs["锡林浩特市"]
    world = World(app, root, demo_round, ids)
    r = await root.post(
        "/api/v1/users",
        json={
            "username": "jnq_unit",
            "password": "Matrix-initial-2",
            "org_id": ids["other_county"],
            "role": "unit_operator",
        },
    )
    assert r.status_code == 201, r.text
    first = await helpers.login(app, "jnq_unit", "Matrix-initial-2")  # set by an admin: changed at first sign-in
    change = {"current_password": "Matrix-initial-2", "new_password": "Matrix-unit-2024"}
    assert (await first.post("/api/v1/me/password", json=change)).status_code == 204
    await first.aclose()
    world.applicants = {True: await signin("xlhts"), False: await signin("jnq_unit", "Matrix-unit-2024")}

    callers: dict[Role, Any] = {
        role: await signin(name, MATRIX_ADMIN_PASSWORD if role == Role.office_admin else helpers.DEMO_PASSWORD)
        for role, name in ROLE_USERS.items()
    }
    world.unit = callers[Role.unit_operator]
    import httpx

    integration = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://rectify.test",
        headers={"Authorization": f"Bearer {key}"},
    )
    callers[Role.integration] = integration
    passwords = {
        Role.office_admin: MATRIX_ADMIN_PASSWORD,
        Role.unit_operator: helpers.DEMO_PASSWORD,
        Role.leader: helpers.DEMO_PASSWORD,
        Role.integration: "an-api-key-has-none",
    }

    seen: set[tuple[str, str]] = set()
    failures: list[str] = []
    try:
        # signing out last: it ends the session every later request of the role would use
        for route in sorted(api_routes(app), key=lambda r: r.path_format == "/api/v1/auth/logout"):
            for method in route.methods:
                if (method, route.path_format) in PUBLIC:
                    continue
                seen.add((method, route.path_format))
                case = CASES.get((method, route.path_format))
                if case is None:
                    failures.append(f"no permission-matrix case for {method} {route.path_format}: add one to CASES")
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
                        resp = await _call(
                            c,
                            method,
                            case.url(o),
                            case.body(o) if case.body else None,
                            case.form(o) if case.form else None,
                            case.headers,
                        )
                        label = f"{method} {route.path_format} as {role.value} ({'in' if inside else 'out of'} scope)"
                        if not allowed:
                            ok = resp.status_code == 403
                        elif inside:
                            ok = resp.status_code in case.ok_for.get(role, case.ok)
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
            if (method, route.path_format) in PUBLIC:
                continue
            # an id where the path takes digits only (`{id:int}`), the parameter's name elsewhere
            url = re.sub(r"\{\w+:int\}", "1", route.path).replace("{", "").replace("}", "")
            for name in ("issue_id", "measure_id", "round_id", "org_id", "user_id", "key_id", "report_id"):
                url = url.replace(name, "1")
            for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Bearer rk_bad_key"}):
                r = await anon.request(method, url, headers=headers, json={} if method != "GET" else None)
                assert r.status_code == 401, f"{method} {route.path_format} with {headers}: {r.status_code}"
                assert r.json()["error"]["code"] == "unauthorized"
                assert r.headers["www-authenticate"] == "Bearer"
