"""The console's browser tests: one real system for the whole session (the processes of `make run`
on a temporary data dir, serving the built console) and one browser (Debian's chromium, driven by
Playwright for Python; `playwright install` cannot download here).

Without chromium the browser tests are skipped with a message — unless CI=true, where that fails.
"""

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..live_system import RUN, embedded_env, free_port, live_system, signed_in

try:
    from playwright.sync_api import expect

    # a loaded 2-core machine renders the first page in seconds, not milliseconds
    expect.set_options(timeout=20_000)
except ImportError:  # reported by the browser fixture (skip, or fail under CI)
    pass

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM = os.environ.get("RECTIFY_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"
ADMIN_PASSWORD = "console-admin-pw"
DEMO_PASSWORD = "demo"
PHONE = "iPhone 13"
DESKTOP = {"viewport": {"width": 1440, "height": 900}, "device_scale_factor": 1, "locale": "zh-CN"}
# Every browser sits 16 hours from China (UTC-8 in winter): a page that takes the browser's day for
# China's (the day the server means by "today") asks for the wrong day for most of every day, and
# its test fails at whatever hour CI runs. The tests' own "today" is China's (rectify_shared.clock).
BROWSER_TIMEZONE = "America/Los_Angeles"
SIZES = ("phone", "desktop")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests run last: Playwright's sync API keeps an event loop running in the main
    thread from its first use to the end of the session, where pytest-asyncio could not run."""
    here = Path(__file__).parent
    items.sort(key=lambda item: Path(str(item.path)).is_relative_to(here))


def _missing(what: str) -> None:
    message = f"{what}; as root run `make browsers` (apt-get install chromium fonts-noto-cjk)"
    if CI:
        pytest.fail(f"CI=true and {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright's launch arguments: Debian's chromium instead of a downloaded build."""
    if not Path(CHROMIUM).is_file():
        _missing(f"no chromium at {CHROMIUM}: the console's browser tests are skipped")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _missing("Playwright for Python is not installed")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-dev-shm-usage",
        ],
    }


@dataclass
class System:
    base: str
    data_dir: Path
    admin: httpx.Client
    round_id: int
    admin_password: str = ADMIN_PASSWORD

    def client(self, username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
        token = httpx.post(
            f"{self.base}/api/v1/auth/token", data={"username": username, "password": password}, timeout=60
        )
        assert token.status_code == 200, token.text
        return httpx.Client(
            base_url=f"{self.base}/api/v1",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
            timeout=60,
        )

    def tokens(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
        got = httpx.post(
            f"{self.base}/api/v1/auth/token", data={"username": username, "password": password}, timeout=60
        )
        assert got.status_code == 200, got.text
        return dict(got.json())

    def org_id(self, name: str) -> int:
        return next(
            o["id"] for o in self.admin.get("/orgs", params={"limit": 200}).json()["items"] if o["name"] == name
        )


@pytest.fixture(scope="session")
def console_built() -> Path:
    """The console built from this checkout (skipped when unchanged: the build's stamp)."""
    from issues_api.console import build

    log = (Path(os.environ.get("TMPDIR", "/tmp")) / "rectify-console-build.log").open("w")
    reason = build.build(log=log)
    log.close()
    if reason:
        _missing(f"the console cannot be built: {reason}")
    return build.DIST


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Any]:
    """A local OpenID Connect provider the system signs people in through (tests/sso_servers.py):
    whoever types `zhang.wei` at its page is the unit operator `abgq`."""
    from ..sso_servers import OidcProvider

    provider = OidcProvider(claims={"zhang.wei": {"preferred_username": "abgq"}})
    with provider.serve():
        yield provider


@pytest.fixture(scope="session")
def system(console_built: Path, tmp_path_factory: pytest.TempPathFactory, oidc_provider: Any) -> Iterator[System]:
    data_dir = tmp_path_factory.mktemp("console-system")
    env = embedded_env(
        data_dir,
        free_port(),
        RECTIFY_ADMIN_PASSWORD=ADMIN_PASSWORD,
        RECTIFY_DEMO_PASSWORD=DEMO_PASSWORD,
        RECTIFY_LOGIN_MAX_FAILURES="50",
        RECTIFY_OIDC_ISSUER=oidc_provider.issuer,
        RECTIFY_OIDC_CLIENT_ID="rectify-console",
        RECTIFY_OIDC_CLIENT_SECRET="oidc-client-secret-for-tests",
    )
    with live_system(RUN, env, data_dir / "run.log") as base:
        admin = signed_in(base, "admin", ADMIN_PASSWORD)
        round_id = admin.get("/rounds").json()["items"][0]["id"]
        yield System(base, data_dir, admin, round_id)


@pytest.fixture(scope="session")
def playwright_devices(playwright: Any) -> dict[str, Any]:
    return dict(playwright.devices)


@pytest.fixture
def open_page(browser: Any, system: System, playwright_devices: dict[str, Any]) -> Iterator[Callable[..., Any]]:
    """open_page(size, user=None): a page in a fresh context at phone (iPhone 13) or desktop size,
    signed in as `user` (tokens put where the console keeps them) or signed out. Console errors
    and failed requests are collected on `page.problems`."""
    contexts: list[Any] = []

    def open_(size: str, user: str | None = None, password: str | None = None) -> Any:
        options = dict(playwright_devices[PHONE], locale="zh-CN") if size == "phone" else dict(DESKTOP)
        options["timezone_id"] = BROWSER_TIMEZONE
        context = browser.new_context(base_url=system.base, accept_downloads=True, **options)
        contexts.append(context)
        if user:
            t = system.tokens(user, password or (ADMIN_PASSWORD if user == "admin" else DEMO_PASSWORD))
            session = {
                "access": t["access_token"],
                "refresh": t["refresh_token"],
                "expiresAt": time.time() * 1000 + t["expires_in"] * 1000,
            }
            import json

            context.add_init_script(f"localStorage.setItem('rectify.session', {json.dumps(json.dumps(session))})")
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        # a request the page itself cancels by navigating away (net::ERR_ABORTED) is no failure
        page.on(
            "requestfailed",
            lambda r: (
                None
                if "ERR_ABORTED" in (r.failure or "")
                else problems.append(f"request failed: {r.method} {r.url} {r.failure}")
            ),
        )
        page.on(
            "response",
            lambda r: problems.append(f"HTTP {r.status}: {r.request.method} {r.url}") if r.status >= 400 else None,
        )
        page.problems = problems
        return page

    yield open_
    for context in contexts:
        context.close()


def shot(page: Any, name: str, size: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{size}.png"), full_page=False)


@pytest.fixture
def screenshot() -> Callable[[Any, str, str], None]:
    return shot
