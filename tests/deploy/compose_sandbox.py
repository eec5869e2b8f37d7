"""docker-compose.yml, run without Docker: each service's command, environment, user, working
directory and volumes, on this machine's PostgreSQL and Redis, in a temporary root where only the
service's declared volumes and tmpfs mounts are writable.

What the images add is read from their Dockerfiles (CMD, ENV); the service's own keys win, as in
Docker. Container paths (/data, /tmp, /app) map to directories under the sandbox root.
"""

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable syntax: ${X}, ${X:-default}, ${X-default}, ${X:?error}, ${X?error}."""

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3) or ""
        value = env.get(name)
        empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":?", "?") and empty:
            raise KeyError(f"{name}: {arg}")
        if op in (":-", "-") and empty:
            return arg
        return value or ""

    return _VAR.sub(one, text)


def read_env_file(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, _, v = line.partition("=")
            out[k.strip()] = v.strip()
    return out


def load_compose(dotenv: dict[str, str]) -> dict[str, Any]:
    text = interpolate((ROOT / "docker-compose.yml").read_text(), dotenv)
    doc: dict[str, Any] = yaml.safe_load(text)
    return doc


def dockerfile_defaults(dockerfile: Path) -> tuple[list[str], dict[str, str]]:
    """(CMD, ENV) of the final stage of a Dockerfile."""
    text = dockerfile.read_text().replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]
    cmd: list[str] = []
    env: dict[str, str] = {}
    for line in final.splitlines():
        if line.startswith("CMD "):
            cmd = json.loads(line[4:])
        elif line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                k, _, v = pair.partition("=")
                env[k] = v
    return cmd, env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    name: str
    command: list[str]
    env: dict[str, str]
    cwd: Path
    healthcheck: list[str] | None
    writable: list[Path] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None


class Sandbox:
    """Maps a compose service onto a temporary root: /data → <root>/volumes/<volume>, …"""

    def __init__(self, root: Path, replacements: dict[str, str]) -> None:
        self.root = root
        #: host names and URLs of the compose network → this machine's servers
        self.replacements = replacements
        self.api_port = free_port()

    def _host_path(self, service: str, container_path: str, kind: str, name: str = "") -> Path:
        if kind == "volume":
            return self.root / "volumes" / name
        if kind == "tmpfs":
            return self.root / "tmpfs" / service / container_path.strip("/").replace("/", "_")
        return self.root / "rootfs" / container_path.strip("/")  # read-only image paths

    def service(self, name: str, spec: dict[str, Any]) -> Service:
        dockerfile = ROOT / spec["build"]["dockerfile"]
        image_cmd, image_env = dockerfile_defaults(dockerfile)
        env = {**image_env, **{k: "" if v is None else str(v) for k, v in (spec.get("environment") or {}).items()}}
        mounts: dict[str, Path] = {}
        for vol in spec.get("volumes", []):
            source, _, target = vol.partition(":")
            mounts[target.split(":")[0]] = self._host_path(name, target, "volume", source)
        for target in spec.get("tmpfs", []):
            mounts[target] = self._host_path(name, target, "tmpfs")
        for path in mounts.values():
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o777)  # writable for whichever identity runs the child
        workdir = self._host_path(name, spec.get("working_dir", "/"), "image")
        workdir.mkdir(parents=True, exist_ok=True)

        def to_host(value: str) -> str:
            for target, host in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
                if value == target or value.startswith(target + "/"):
                    return str(host) + value[len(target) :]
            for old, new in self.replacements.items():
                value = value.replace(old, new)
            return value

        env = {k: to_host(v) for k, v in env.items()}
        if env.get("RECTIFY_PORT") == "8000":
            env["RECTIFY_PORT"] = str(self.api_port)
        env["PATH"] = f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"
        for keep in ("PYTHONPATH", "LANG"):  # the test interpreter's import path (a worktree's code)
            if keep in os.environ:
                env[keep] = os.environ[keep]
        command = [self._exe(a) for a in (spec.get("command") or image_cmd)]
        check = spec.get("healthcheck", {}).get("test")
        health = None
        if check:
            health = [self._exe(a).replace(":8000/", f":{self.api_port}/") for a in check[1:]]
            if check[0] == "CMD-SHELL":
                health = ["sh", "-c", health[0]]
        return Service(name, command, env, workdir, health, list(mounts.values()))

    @staticmethod
    def _exe(arg: str) -> str:
        if arg == "python":
            return sys.executable
        if arg == "rectify":
            return shutil.which("rectify", path=str(Path(sys.executable).parent)) or arg
        return arg

    def seal(self, services: list[Service]) -> None:
        """Every directory of the sandbox but the mounts: mode 0555, like `read_only: true`
        (the mounts stay 0777; a read-only parent does not stop writing inside them)."""
        mounts = {p for s in services for p in s.writable}
        for path in [self.root, *self.root.rglob("*")]:
            if path.is_dir() and path not in mounts and not any(m in path.parents for m in mounts):
                path.chmod(0o555)

    def unseal(self) -> None:
        for path in [self.root, *self.root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)
