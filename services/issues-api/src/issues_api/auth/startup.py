"""What production refuses to start with: demo passwords, a placeholder JWT secret, no audit key.

"Production" is anything but the embedded demo: a PostgreSQL DATABASE_URL, or RECTIFY_ENV=production
(`Settings.embedded`). The embedded demo keeps admin/admin so `make run` works as the README says.
"""

from sqlalchemy import select
from sqlmodel import col

from rectify_shared import data_keys
from rectify_shared.db import engine_for, make_sessionmaker
from rectify_shared.models import UserAccount
from rectify_shared.settings import Settings

from ..audit.keys import AuditKeyMissing, configured_key
from . import passwords

DEMO_PASSWORDS = ("admin", "demo")
#: the demo's own named accounts (demo/accounts.py); argon2 is slow, so only these are tried
DEMO_ACCOUNTS = ("admin", "leader")
PLACEHOLDER_WORDS = ("changeme", "placeholder", "example", "yoursecret", "secretkey")
MIN_SECRET_CHARS = 32


class RefusedToStart(SystemExit):
    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "Rectify refuses to start outside the embedded demo (PostgreSQL or RECTIFY_ENV=production) "
            "/ 生产环境拒绝启动:\n"
            + "\n".join(f"  - {p}" for p in problems)
            + "\nSee docs/security.md, section 'Settings an operator must set'."
        )
        self.problems = problems


def placeholder_secret(secret: str) -> bool:
    """Too short, or a placeholder someone forgot to replace (CHANGE-ME, your-secret-here, …)."""
    letters = "".join(c for c in secret.lower() if c.isalnum())
    return len(secret.strip()) < MIN_SECRET_CHARS or any(word in letters for word in PLACEHOLDER_WORDS)


def settings_problems(settings: Settings, *, loads_demo: bool = False) -> list[str]:
    """Problems found in the settings alone (empty in the embedded demo)."""
    if settings.embedded:
        return []
    problems = []
    if placeholder_secret(settings.jwt_secret):
        problems.append(
            f"RECTIFY_JWT_SECRET is empty or a placeholder: set a random secret of at least {MIN_SECRET_CHARS} "
            "characters (e.g. `openssl rand -base64 48`)"
        )
    try:
        if configured_key(settings) is None:
            problems.append("no audit key: set RECTIFY_AUDIT_KEY or RECTIFY_AUDIT_KEY_FILE (32+ characters)")
    except AuditKeyMissing as exc:
        problems.append(str(exc))
    try:
        data_secret = data_keys.configured_secret(settings)
        if data_secret is None:
            problems.append("no data key: set RECTIFY_DATA_KEY or RECTIFY_DATA_KEY_FILE (32+ characters)")
        elif placeholder_secret(data_secret):
            problems.append(
                f"RECTIFY_DATA_KEY is empty or a placeholder: set a random key of at least {MIN_SECRET_CHARS} "
                "characters kept outside the database (e.g. `openssl rand -base64 48`)"
            )
        else:
            data_keys.data_keys(settings)
    except data_keys.DataKeyError as exc:
        problems.append(str(exc))
    problems += sso_problems(settings)
    if loads_demo:
        demo = (("RECTIFY_ADMIN_PASSWORD", settings.admin_password), ("RECTIFY_DEMO_PASSWORD", settings.demo_password))
        for name, value in demo:
            if value in DEMO_PASSWORDS or passwords.policy_problems(value):
                problems.append(f"{name} is a demo password or too weak for a real deployment")
    return problems


def sso_problems(settings: Settings) -> list[str]:
    """Single sign-on outside the embedded demo: the provider over TLS, the OIDC client complete."""
    problems = []
    for name, url in (("RECTIFY_OIDC_ISSUER", settings.oidc_issuer), ("RECTIFY_CAS_URL", settings.cas_url)):
        if url and not url.startswith("https://"):
            problems.append(
                f"{name} must be an https:// URL (identities and codes cross it) / 统一身份认证须使用 HTTPS"
            )
    if (settings.oidc_issuer or settings.cas_url) and not settings.sso_public_url.startswith("https://"):
        # behind the gateway the request's own address is the internal http:// one: callbacks need the public one
        problems.append("single sign-on needs RECTIFY_PUBLIC_URL, the https:// address people reach Rectify at")
    if settings.oidc_issuer and not settings.oidc_client_id:
        problems.append("RECTIFY_OIDC_ISSUER is set without RECTIFY_OIDC_CLIENT_ID")
    if settings.oidc_issuer and not (settings.oidc_client_secret or settings.oidc_client_secret_file):
        problems.append("RECTIFY_OIDC_ISSUER is set without RECTIFY_OIDC_CLIENT_SECRET or _CLIENT_SECRET_FILE")
    return problems


async def demo_accounts_problems(settings: Settings) -> list[str]:
    """Accounts in the database still signing in with a demo password (the demo loaded in production)."""
    if settings.embedded:
        return []
    engine = engine_for(settings, pool_size=1)
    try:
        async with make_sessionmaker(engine, write=False)() as session:
            stmt = select(col(UserAccount.username), col(UserAccount.password_hash)).where(
                col(UserAccount.username).in_(DEMO_ACCOUNTS)
            )
            rows = (await session.execute(stmt)).all()
    finally:
        await engine.dispose()
    found = []
    for row in rows:
        for candidate in DEMO_PASSWORDS:
            if (await passwords.verify_async(candidate, row.password_hash))[0]:
                found.append(f"account {row.username!r} has the demo password {candidate!r}: reset it")
                break
    return found


def refuse_unless_safe(settings: Settings, *, loads_demo: bool = False) -> None:
    problems = settings_problems(settings, loads_demo=loads_demo)
    if problems:
        raise RefusedToStart(problems)
