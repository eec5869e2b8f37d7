"""The Helm chart, rendered by real Helm (the Helm v4 SDK in the helm-python-sdk wheel): object names
come from the release, so two releases share a namespace; every object carries the standard labels."""

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
pytest.importorskip("helm_python")


def _load(name: str) -> Any:
    sys.path.insert(0, str(DEPLOY))
    spec = importlib.util.spec_from_file_location(f"deploy_{name}_helm", DEPLOY / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load("check")


def _names(objs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(o["kind"], o["metadata"]["name"]) for o in objs}


@pytest.mark.parametrize("overlay", [None, "province", "national"])
def test_two_releases_in_one_namespace_do_not_collide(overlay: str | None) -> None:
    values = check.gen.values_for(overlay)
    a = check.render_chart(values, release="league-a", namespace="shared")
    b = check.render_chart(values, release="league-b", namespace="shared")
    assert _names(a).isdisjoint(_names(b))
    assert all(name.startswith("league-a") for _, name in _names(a))
    api = next(o for o in a if o["kind"] == "Deployment" and o["metadata"]["name"] == "league-a-api")
    assert api["spec"]["selector"]["matchLabels"]["app.kubernetes.io/instance"] == "league-a"
    assert api["spec"]["template"]["spec"]["containers"][0]["envFrom"] == [
        {"configMapRef": {"name": "league-a"}},
        {"secretRef": {"name": "league-a"}},
    ]


def test_every_object_has_the_standard_labels() -> None:
    for obj in check.render_chart(check.gen.values_for("national"), release="prov"):
        labels = obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/instance") == "prov", obj["metadata"]["name"]
        assert labels.get("app.kubernetes.io/managed-by") == "Helm"
        assert labels.get("helm.sh/chart", "").startswith("rectify-")


def test_helm_lint_is_clean() -> None:
    for overlay in (None, *check.gen.OVERLAYS):
        assert check.lint_chart(check.gen.values_for(overlay)) == []
