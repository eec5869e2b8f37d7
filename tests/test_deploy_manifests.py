"""deploy/: the Kustomize tree and the Helm chart come from one source, render offline with
kubectl, validate against the Kubernetes (and vendored CRD) schemas, and agree with each other."""

import copy
import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
pytestmark = pytest.mark.skipif(
    not shutil.which("kubectl") and not Path("/usr/bin/kubectl").exists(), reason="kubectl not installed"
)


def _load(name: str):
    sys.path.insert(0, str(DEPLOY))
    spec = importlib.util.spec_from_file_location(f"deploy_{name}", DEPLOY / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load("check")


def test_every_overlay_renders_validates_and_matches_the_chart():
    assert check.check() == []


def test_the_national_overlay_scales_workers_on_queue_depth_and_runs_one_scheduler():
    objs = {(o["kind"], o["metadata"]["name"]): o for o in check.kustomize(DEPLOY / "k8s/overlays/national")}
    assert objs[("HorizontalPodAutoscaler", "rectify-api")]["spec"]["maxReplicas"] == 30
    scaled = objs[("ScaledObject", "rectify-notifier")]["spec"]
    assert scaled["triggers"][0]["metadata"]["listName"] == "rectify:queue:notifier"
    scheduler = objs[("Deployment", "rectify-scheduler")]["spec"]
    assert scheduler["replicas"] == 1 and scheduler["strategy"] == {"type": "Recreate"}
    periodic = {c["name"]: c["env"][0]["value"] for c in scheduler["template"]["spec"]["containers"]}
    assert periodic == {"notifier": "1", "report-worker": "1"}
    notifier = objs[("Deployment", "rectify-notifier")]["spec"]["template"]["spec"]
    assert notifier["containers"][0]["env"] == [{"name": "RECTIFY_RUN_PERIODIC", "value": "0"}]
    assert notifier["initContainers"][0]["command"][:2] == ["rectify", "wait-for-migrations"]
    assert ("ScaledObject", "rectify-notifier") not in {
        (o["kind"], o["metadata"]["name"]) for o in check.kustomize(DEPLOY / "k8s/overlays/province")
    }


def test_an_existing_secret_replaces_the_generated_one_everywhere():
    values = check.gen.values_for("province")
    values["secret"]["existingSecret"] = "rectify-prod"
    values["migrateSecret"]["existingSecret"] = "rectify-prod-owner"
    objs = check.render_chart(values)
    assert "Secret" not in {o["kind"] for o in objs}
    api = next(o for o in objs if o["metadata"]["name"] == "rectify-api" and o["kind"] == "Deployment")
    assert api["spec"]["template"]["spec"]["containers"][0]["envFrom"][1] == {"secretRef": {"name": "rectify-prod"}}
    job = next(o for o in objs if o["kind"] == "Job")["spec"]["template"]["spec"]["containers"][0]
    owner = {"secretRef": {"name": "rectify-prod-owner"}}
    assert job["envFrom"][1:] == [{"secretRef": {"name": "rectify-prod"}}, owner]


def test_the_checks_catch_an_invalid_manifest_and_a_drifted_chart():
    deployment = copy.deepcopy(next(o for o in check.kustomize(DEPLOY / "k8s/base") if o["kind"] == "Deployment"))
    deployment["spec"]["replicaz"] = 2
    with pytest.raises(Exception, match="replicaz"):
        check.validate(deployment)
    chart = check.render_chart(check.with_secrets(check.gen.values_for("national")))
    national = {(o["kind"], o["metadata"]["name"]): o for o in chart}
    base = {(o["kind"], o["metadata"]["name"]): o for o in check.kustomize(DEPLOY / "k8s/base")}
    assert national != base


def test_values_outside_the_schema_are_refused():
    import jsonschema

    values = check.gen.values_for(None)
    values["api"]["minReplicas"] = 0
    schema = __import__("json").loads((DEPLOY / "helm/rectify/values.schema.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(values, schema)
