"""The Helm chart, rendered by real Helm (the Helm v4 SDK in the helm-python-sdk wheel): object names
come from the release, so two releases share a namespace; every object carries the standard labels."""

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

helm_python = pytest.importorskip("helm_python")

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


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
    values = check.with_secrets(check.gen.values_for(overlay))
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
    for obj in check.render_chart(check.with_secrets(check.gen.values_for("national")), release="prov"):
        labels = obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/instance") == "prov", obj["metadata"]["name"]
        assert labels.get("app.kubernetes.io/managed-by") == "Helm"
        assert labels.get("helm.sh/chart", "").startswith("rectify-")


def test_helm_lint_is_clean() -> None:
    for overlay in (None, *check.gen.OVERLAYS):
        assert check.lint_chart(check.with_secrets(check.gen.values_for(overlay))) == []


def _render(**changes: Any) -> dict[tuple[str, str], dict[str, Any]]:
    values = check.with_secrets(check.gen.values_for(None))
    for path, value in changes.items():
        node = values
        *parents, leaf = path.split("__")
        for part in parents:
            node = node[part]
        node[leaf] = value
    return {(o["kind"], o["metadata"]["name"]): o for o in check.render_chart(values, release="r")}


@pytest.mark.parametrize("bad", ["", "CHANGE-ME", "postgresql://rectify:CHANGE-ME@pg:5432/rectify", "changeme"])
def test_the_chart_refuses_empty_and_placeholder_secrets(bad: str) -> None:
    values = check.with_secrets(check.gen.values_for(None))
    values["secret"]["values"]["DATABASE_URL"] = bad
    with pytest.raises(helm_python.HelmError, match=r"DATABASE_URL|values"):
        check.render_chart(values)


def test_the_chart_requires_secrets_unless_an_existing_secret_is_named() -> None:
    with pytest.raises(helm_python.HelmError):
        check.render_chart(check.gen.values_for(None))  # the default values.yaml chose no secrets
    values = check.gen.values_for(None)
    values["secret"]["existingSecret"] = "rectify-prod"
    values["migrateSecret"]["existingSecret"] = "rectify-prod-owner"
    names = _names(check.render_chart(values))
    assert ("Secret", "rectify") not in names and ("Secret", "rectify-migrate") not in names


def test_evidence_goes_to_s3_by_default_and_to_a_pvc_on_request() -> None:
    def api_env(objs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str]:
        container = objs[("Deployment", "r-api")]["spec"]["template"]["spec"]["containers"][0]
        return {e["name"]: e.get("value") for e in container["env"]}

    s3 = _render()
    env = api_env(s3)
    assert env["RECTIFY_STORAGE"] == "s3" and env["RECTIFY_S3_ADDRESSING_STYLE"] == "virtual"
    assert env["RECTIFY_S3_ENDPOINT"].startswith("https://") and env["RECTIFY_DATA_DIR"] == "/data"
    assert ("PersistentVolumeClaim", "r-evidence") not in s3
    pvc = _render(evidence__pvc={"enabled": True, "size": "200Gi", "accessMode": "ReadWriteMany"})
    assert api_env(pvc)["RECTIFY_STORAGE"] == "local"
    assert pvc[("PersistentVolumeClaim", "r-evidence")]["spec"]["resources"]["requests"]["storage"] == "200Gi"
    volumes = pvc[("Deployment", "r-api")]["spec"]["template"]["spec"]["volumes"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "r-evidence"}} in volumes


def test_ingress_terminates_tls_and_the_api_trusts_only_the_proxies() -> None:
    objs = _render()
    ingress = objs[("Ingress", "r-api")]["spec"]
    assert ingress["tls"][0]["hosts"] == [ingress["rules"][0]["host"]] and ingress["tls"][0]["secretName"]
    container = objs[("Deployment", "r-api")]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["FORWARDED_ALLOW_IPS"] == env["RECTIFY_TRUSTED_PROXIES"] == "10.0.0.0/8"


def test_a_nightly_logical_backup_and_alerts_on_the_exported_metrics() -> None:
    objs = _render()
    cron = objs[("CronJob", "r-backup")]["spec"]
    pod = cron["jobTemplate"]["spec"]["template"]["spec"]
    assert cron["schedule"] == "30 2 * * *" and cron["concurrencyPolicy"] == "Forbid"
    assert "pg_dump --format=custom" in pod["containers"][0]["command"][2]
    assert pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "r-backup"
    rules = objs[("PrometheusRule", "r-alerts")]["spec"]["groups"][0]["rules"]
    exported = (DEPLOY.parent / "README.md").read_text()
    for rule in rules:  # every alert is about a metric the README documents as exported
        metrics = {m for m in __import__("re").findall(r"rectify_[a-z_]+", rule["expr"])}
        assert metrics and all(m.removesuffix("_bucket") in exported for m in metrics), rule


def test_the_kustomize_pvc_component_matches_the_charts_pvc_option() -> None:
    assert check.check_pvc_component("province") == []
    assert check.check_pvc_component(None) == []
