"""The permission matrix: which roles may use which policy, and the public allow-list.

Every route declares exactly one policy (through `require(name)`) or is listed in PUBLIC.
The permission matrix test walks every route and fails on one that does neither.
"""

from .principal import Role

R = Role
ALL = frozenset(Role)

POLICIES: dict[str, frozenset[Role]] = {
    # reading the ledger, orgs, rounds, statistics
    "ledger.read": ALL,
    # the office keeps the ledger
    "ledger.write": frozenset({R.office_admin}),
    # a system admin (all roots) sets up trees: their orgs and their office admins
    "orgs.write": frozenset({R.office_admin, R.system_admin}),
    "rounds.write": frozenset({R.office_admin}),
    # units report progress on their own tasks
    "progress.write": frozenset({R.office_admin, R.unit_operator}),
    # units move the status of the tasks they answer for; the office keeps every other field (the
    # services check which fields and whose task: `issues.service` / `issues.measures`)
    "tasks.status": frozenset({R.office_admin, R.unit_operator}),
    # the change feed is for integrations and the office
    "changes.read": frozenset({R.office_admin, R.leader, R.integration}),
    "reports.request": ALL,
    "reports.read": ALL,
    "users.manage": frozenset({R.office_admin, R.system_admin}),
    "apikeys.manage": frozenset({R.office_admin}),
    "audit.read": frozenset({R.office_admin, R.system_admin}),
    # verifying the hash chains of the office's orgs (a system admin has `rectify audit verify`)
    "audit.verify": frozenset({R.office_admin}),
    # the work calendar, dispatch rounds and the escalation ladder
    "calendar.write": frozenset({R.office_admin}),
    "dispatch.write": frozenset({R.office_admin}),
    "escalations.write": frozenset({R.office_admin}),
    "escalations.respond": frozenset({R.office_admin, R.unit_operator}),
    # delivery: integration clients manage their own webhook subscriptions
    "webhooks.manage": frozenset({R.office_admin, R.integration}),
    "deliveries.manage": frozenset({R.office_admin}),
    "templates.manage": frozenset({R.office_admin}),
    # evidence, closure (验收 → 公示 → 销号) and extensions
    "attachments.write": frozenset({R.office_admin, R.unit_operator}),
    "attachments.audit": frozenset({R.office_admin}),
    "closures.act": frozenset({R.office_admin, R.unit_operator}),
    "closures.manage": frozenset({R.office_admin}),
    "extensions.request": frozenset({R.office_admin, R.unit_operator}),
    "extensions.decide": frozenset({R.office_admin}),
    # petition cases (信访举报件): the office registers and certifies, units report their handling
    "petitions.write": frozenset({R.office_admin}),
    "petitions.handle": frozenset({R.office_admin, R.unit_operator}),
    # every signed-in user: their own account
    "self": ALL,
}

#: (method, path) pairs that need no credentials. Keep this list short.
PUBLIC: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/api/v1/auth/token"),
        # single sign-on (auth/sso_router.py): how a person without a session gets one
        ("GET", "/api/v1/auth/sso"),
        ("GET", "/api/v1/auth/oidc/login"),
        ("GET", "/api/v1/auth/oidc/callback"),
        ("GET", "/api/v1/auth/cas/login"),
        ("GET", "/api/v1/auth/cas/callback"),
        ("GET", "/healthz"),
        ("GET", "/readyz"),
        # Prometheus scrapes; RECTIFY_METRICS_TOKEN (bearer) restricts it instead of a role
        ("GET", "/metrics"),
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/docs"),
        ("GET", "/api/v1/docs/oauth2-redirect"),
        ("GET", "/api/v1/redoc"),
        ("GET", "/"),  # a redirect to the console or the docs
        # 公示: active notices are public, and anyone may object (rate-limited per client address)
        ("GET", "/public/notices"),
        ("GET", "/public/notices/{closure_id}"),
        ("POST", "/public/notices/{closure_id}/objections"),
        ("POST", "/public/notices/{closure_id}/objections/form"),  # the page's form, with its proof of work
        # signed links (core/signed_links.py): the token is the credential, minutes long, bound to a scope
        ("GET", "/api/v1/attachments/{attachment_id}/signed"),
        ("GET", "/api/v1/reports/{report_id}/signed"),
        ("GET", "/api/v1/changes/stream/signed"),
        # SMS providers' status callbacks: checked against RECTIFY_SMS_CALLBACK_TOKEN instead
        ("POST", "/api/v1/delivery-receipts/{provider}"),
    }
)
