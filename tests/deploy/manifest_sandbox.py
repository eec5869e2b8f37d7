"""The containers of rendered Kubernetes objects and the systemd units, run without a cluster.

Each container becomes a process: its command, the environment the manifest gives it (the image's
ENV from its Dockerfile, then `envFrom` ConfigMaps and Secrets in order, then `env`, with
`secretKeyRef`/`configMapKeyRef` resolved), not as root, in a temporary root where only its
`volumeMounts` are writable when `readOnlyRootFilesystem` is set. A systemd unit likewise: its
EnvironmentFile(s), Environment=, ExecStartPre/ExecStart, User=, and under ProtectSystem=strict only
ReadWritePaths=, StateDirectory= and (PrivateTmp=) /tmp writable. Container and unit paths (/data,
/tmp, /var/lib/rectify…) map to directories under the sandbox root; read-only ones are sealed 0555.
"""

import re
import shlex
import shutil
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .compose_sandbox import ROOT, dockerfile_defaults, free_port

VENV_BIN = Path(sys.executable).parent
SYSTEMD_BIN = "/opt/rectify/.venv/bin/"


@dataclass
class Process:
    """One container (or unit) to run: what the manifest says, mapped onto this machine."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    writable: list[Path]
    #: ("http", path) on the api's port, or ("exec", argv)
    probes: list[tuple[str, Any]] = field(default_factory=list)
    port: int | None = None
    security: dict[str, Any] = field(default_factory=dict)


def exe(arg: str) -> str:
    if arg == "python":
        return sys.executable
    if arg.startswith(SYSTEMD_BIN):
        arg = arg[len(SYSTEMD_BIN) :]
    if arg in ("python", "python3"):
        return sys.executable
    if arg == "rectify":
        return shutil.which("rectify", path=str(VENV_BIN)) or arg
    return arg


class Root:
    """A temporary root: /path → <root>/rootfs/path (sealed read-only) unless a writable mount maps it."""

    def __init__(self, root: Path, env_keep: dict[str, str]) -> None:
        self.root = root
        self.env_keep = env_keep
        self.writable: set[Path] = set()

    def host(self, owner: str, path: str) -> Path:
        return self.root / "rootfs" / owner / path.strip("/")

    def volume(self, owner: str, name: str) -> Path:
        path = self.root / "volumes" / owner / name
        path.mkdir(parents=True, exist_ok=True)
        path.chmod(0o777)
        self.writable.add(path)
        return path

    def map_value(self, value: str, mounts: dict[str, Path], owner: str, image_paths: bool) -> str:
        for target, host in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
            if value == target or value.startswith(target + "/"):
                return str(host) + value[len(target) :]
        if image_paths and value.startswith("/") and not value.startswith("//") and " " not in value:
            return str(self.host(owner, value))
        return value

    def seal(self) -> None:
        """Every directory but the writable mounts: 0555 (what read-only root filesystem means here)."""
        for path in [self.root, *self.root.rglob("*")]:
            if path.is_dir() and path not in self.writable and not any(m in path.parents for m in self.writable):
                path.chmod(0o555)

    def unseal(self) -> None:
        for path in [self.root, *self.root.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)


# ---------------------------------------------------------------- Kubernetes

IMAGE_PATHS = ("/data", "/tmp", "/var/run/rectify", "/backup", "/app")


def _dockerfile_for(image: str) -> Path | None:
    service = image.rsplit("/", 1)[-1].split(":")[0]
    path = ROOT / "services" / service / "Dockerfile"
    return path if path.exists() else None


def _workdir(dockerfile: Path) -> str:
    final = dockerfile.read_text().split("\nFROM ")[-1]
    workdir = "/"
    for line in final.splitlines():
        if line.startswith("WORKDIR "):
            workdir = line.split(None, 1)[1].strip()
    return workdir


def k8s_env(container: dict[str, Any], objs: list[dict[str, Any]]) -> dict[str, str]:
    """The environment Kubernetes gives the container (without the image's ENV)."""
    config = {o["metadata"]["name"]: o.get("data") or {} for o in objs if o["kind"] == "ConfigMap"}
    secrets = {o["metadata"]["name"]: o.get("stringData") or {} for o in objs if o["kind"] == "Secret"}
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config[source["configMapRef"]["name"]])
        else:
            name = source["secretRef"]["name"]
            if name not in secrets and not source["secretRef"].get("optional"):
                raise KeyError(f"Secret {name!r} is not among the rendered objects")
            env.update(secrets.get(name, {}))
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
            continue
        ref = item["valueFrom"]
        kind, table = ("secretKeyRef", secrets) if "secretKeyRef" in ref else ("configMapKeyRef", config)
        key_ref = ref[kind]
        found = table.get(key_ref["name"], {}).get(key_ref["key"])
        if found is None and not key_ref.get("optional"):
            raise KeyError(f"{kind} {key_ref['name']}/{key_ref['key']} is missing")
        if found is not None:
            env[item["name"]] = str(found)
    return {k: str(v) for k, v in env.items()}


def k8s_processes(
    root: Root, pod_owner: str, pod: dict[str, Any], objs: list[dict[str, Any]], init: bool = False
) -> list[Process]:
    """The pod's containers (or its init containers) as processes."""
    spec = pod["spec"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    out = []
    for container in spec.get("initContainers" if init else "containers", []):
        owner = f"{pod_owner}.{container['name']}"
        dockerfile = _dockerfile_for(container["image"])
        image_cmd, image_env = dockerfile_defaults(dockerfile) if dockerfile else ([], {})
        security = container.get("securityContext", {})
        mounts: dict[str, Path] = {}
        for mount in container.get("volumeMounts", []):
            volume = volumes[mount["name"]]
            assert "emptyDir" in volume or "persistentVolumeClaim" in volume, volume
            # an emptyDir is the pod's (shared by its containers); a claim is the namespace's
            key = mount["name"] if "emptyDir" in volume else f"pvc-{volume['persistentVolumeClaim']['claimName']}"
            mounts[mount["mountPath"]] = root.volume(pod_owner, key)
        env = {**image_env, **k8s_env(container, objs)}
        read_only = security.get("readOnlyRootFilesystem", False)
        env = {k: root.map_value(v, mounts, owner, read_only) for k, v in env.items()}
        port = None
        if env.get("RECTIFY_PORT"):
            port = free_port()
            env["RECTIFY_PORT"], env["RECTIFY_HOST"] = str(port), "127.0.0.1"
        argv = [exe(a) for a in (container.get("command") or image_cmd) + container.get("args", [])]
        if argv and argv[0] == "sh":  # a script: its mount paths too
            argv = [_map_script(a, mounts) for a in argv]
        probes: list[tuple[str, Any]] = []
        for key in ("readinessProbe", "livenessProbe"):
            probe = container.get(key)
            if probe and "httpGet" in probe:
                probes.append(("http", probe["httpGet"]["path"]))
            elif probe and "exec" in probe:
                probes.append(("exec", [exe(a) for a in probe["exec"]["command"]]))
        cwd = root.host(owner, _workdir(dockerfile) if dockerfile else "/")
        cwd.mkdir(parents=True, exist_ok=True)
        out.append(Process(owner, argv, env, cwd, list(mounts.values()), probes, port, security))
    return out


def _map_script(text: str, mounts: dict[str, Path]) -> str:
    for target, host in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"(?<![\w/]){re.escape(target)}(?=[/\"';\s]|$)", str(host), text)
    return text


# ---------------------------------------------------------------- systemd


def parse_unit(path: Path) -> dict[str, list[str]]:
    """The [Service] section's keys, each with every value it was given."""
    keys: dict[str, list[str]] = {}
    section = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
            continue
        if section == "[Service]" and "=" in line:
            key, _, value = line.partition("=")
            keys.setdefault(key.strip(), []).append(value.strip())
    return keys


def read_env_file(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip().strip('"')
    return out


def systemd_process(root: Root, unit: Path, env_files: dict[str, str], start: str = "ExecStart") -> list[Process]:
    """The unit's ExecStartPre commands (`start="ExecStartPre"`) or its ExecStart, as processes.
    `env_files`: the text each EnvironmentFile path holds on this host."""
    keys = parse_unit(unit)
    owner = unit.stem
    assert keys.get("User") == ["rectify"], f"{unit.name} must not run as root"
    env: dict[str, str] = {}
    for name in keys.get("EnvironmentFile", []):
        optional = name.startswith("-")
        name = name.lstrip("-")
        if name not in env_files:
            assert optional, f"{unit.name}: {name} is not provided"
            continue
        env.update(read_env_file(env_files[name]))
    for assignment in keys.get("Environment", []):
        for pair in shlex.split(assignment):
            key, _, value = pair.partition("=")
            env[key] = value
    strict = keys.get("ProtectSystem") == ["strict"]
    mounts: dict[str, Path] = {}
    for path in " ".join(keys.get("ReadWritePaths", [])).split():
        mounts[path] = root.volume("host", path.strip("/").replace("/", "_"))
    for name in " ".join(keys.get("StateDirectory", [])).split():
        mounts[f"/var/lib/{name}"] = root.volume("host", f"var_lib_{name}")
    if keys.get("PrivateTmp") == ["true"] or not strict:
        mounts["/tmp"] = root.volume(owner, "tmp")
    env = {k: root.map_value(v, mounts, owner, strict) for k, v in env.items()}
    env.setdefault("TMPDIR", str(mounts.get("/tmp", root.host(owner, "/tmp"))))
    env.setdefault("HOME", str(root.host(owner, "/home/rectify")))
    port = None
    if "serve" in " ".join(keys.get("ExecStart", [])):
        port = free_port()
        env["RECTIFY_PORT"], env["RECTIFY_HOST"] = str(port), "127.0.0.1"
    cwd = root.host(owner, keys.get("WorkingDirectory", ["/"])[0])
    cwd.mkdir(parents=True, exist_ok=True)
    procs = []
    for line in keys.get(start, []):
        argv = [exe(a) for a in shlex.split(line.lstrip("-+!@"))]
        procs.append(Process(f"{owner}:{start}", argv, env, cwd, list(mounts.values()), [], port))
    return procs


def timer_probe(service: Path) -> list[str]:
    """A `*-alive.service`'s heartbeat check (the part before `|| systemctl restart …`)."""
    line = parse_unit(service)["ExecStart"][0]
    script = shlex.split(line)[-1]
    return [exe(a) for a in shlex.split(script.split("||")[0])]


def http_ok(port: int, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as r:
            return bool(r.status == 200)
    except OSError:
        return False
