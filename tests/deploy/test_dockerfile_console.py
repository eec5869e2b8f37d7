"""The issues-api image's console stage, read (Docker cannot build here): the node stage copies what the
console's build reads, writes where the final stage copies from, and that lands in the package data the
wheel ships (console/dist, served at /console/). The stage's commands themselves were run directly
(npm ci, then `CONSOLE_OUT_DIR=… npm run build`, then a wheel of services/issues-api with the output
copied in: index.html, m/index.html, csp.json and the assets in the wheel)."""

import json
import re
import tomllib

from .compose_sandbox import ROOT

DOCKERFILE = ROOT / "services" / "issues-api" / "Dockerfile"
CONSOLE = ROOT / "services" / "console"


def _stages() -> dict[str, list[str]]:
    """Each stage's instructions (continuation lines joined), by its name (the final one: "final")."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("FROM "):
            match = re.search(r"\bAS\s+(\S+)", line, re.I)
            current = [line]
            stages[match.group(1) if match else "final"] = current
        elif line and not line.startswith("#"):
            current.append(line)
    return stages


def test_the_console_stage_copies_what_the_build_reads_and_runs_on_a_node_it_accepts() -> None:
    console = _stages()["console"]
    assert console[0].startswith("FROM node:20")
    engines = json.loads((CONSOLE / "package.json").read_text())["engines"]["node"]
    assert re.fullmatch(r">=20(\.\d+)*", engines), engines  # node:20 (latest 20.x) satisfies it
    workdir = next(line.split()[1] for line in console if line.startswith("WORKDIR"))
    copies = [tuple(line.split()[1:]) for line in console if line.startswith("COPY")]
    assert ("docs/openapi.json", "docs/openapi.json") in copies
    assert ("services/console", "services/console") in copies
    # `npm run build` first generates the API types from ../../docs/openapi.json (from services/console)
    scripts = json.loads((CONSOLE / "package.json").read_text())["scripts"]
    assert "../../docs/openapi.json" in scripts["gen:api"] and scripts["build"].startswith("npm run gen:api")
    assert workdir == "/src"
    # everything the stale-check hashes (issues_api/console/build.py INPUTS) is inside services/console
    build_py = (ROOT / "services/issues-api/src/issues_api/console/build.py").read_text()
    inputs = re.search(r"INPUTS = \(([^)]*)\)", build_py)
    assert inputs
    for name in re.findall(r'"([^"]+)"', inputs.group(1)):
        assert (CONSOLE / name).is_file(), name


def test_the_build_output_reaches_the_package_data_the_image_installs() -> None:
    stages = _stages()
    run = next(line for line in stages["console"] if line.startswith("RUN"))
    assert "npm ci" in run and "npm run build" in run
    out = re.search(r"CONSOLE_OUT_DIR=(\S+)", run)
    assert out, run
    assert "process.env.CONSOLE_OUT_DIR" in (CONSOLE / "vite.config.ts").read_text()
    final = stages["final"]
    copy = next(i for i, line in enumerate(final) if line.startswith("COPY --from=console"))
    source, target = final[copy].split()[2:4]
    assert source == out.group(1)
    assert target == "./services/issues-api/src/issues_api/console/dist"
    install = next(i for i, line in enumerate(final) if "pip install" in line and "./services/issues-api" in line)
    assert copy < install, "the assets must be in the source tree before the package is installed"
    pyproject = tomllib.loads((ROOT / "services/issues-api/pyproject.toml").read_text())
    assert "console/dist/**/*" in pyproject["tool"]["setuptools"]["package-data"]["issues_api"]


def test_host_builds_stay_out_of_the_build_context() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {"**/node_modules", "services/console/dist", "services/issues-api/src/issues_api/console/dist*"} <= ignored
