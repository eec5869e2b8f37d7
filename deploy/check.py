"""`make deploy-check`: the manifests are current, render, validate, and the chart agrees.

1. `deploy/gen.py --check`: the generated trees match their source.
2. `kubectl kustomize` renders `base` and every overlay; each object validates against the
   Kubernetes schemas (kubernetes-validate, strict); KEDA ScaledObjects and ServiceMonitors validate
   against the upstream CRD schemas, through the validators kubernetes-models generates from them
   (deploy/crds/, pinned by its package-lock.json, installed with `npm ci` on first use). Without
   Node.js the check falls back to the hand-written subsets in deploy/schemas/ and says so.
3. The Helm chart, linted (`--strict`) and rendered by real Helm — the Helm v4 Go SDK in the
   helm-python-sdk wheel, no helm binary — gives the same objects as Kustomize for the default
   values and for values-<overlay>.yaml (release name `rectify`; Helm's own bookkeeping labels
   aside); every values set validates against values.schema.json.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen

K8S_VERSION = "1.30.0"
CRD_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobject-keda-v1alpha1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "servicemonitor-monitoring-v1.json",
    ("monitoring.coreos.com/v1", "PrometheusRule"): "prometheusrule-monitoring-v1.json",
}
KUBECTL = "/usr/bin/kubectl"
CRDS = Path(__file__).resolve().parent / "crds"


def kustomize(target: Path) -> list[dict[str, Any]]:
    out = subprocess.run([KUBECTL, "kustomize", str(target)], check=True, capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def is_crd(obj: dict[str, Any]) -> bool:
    return (obj["apiVersion"], obj["kind"]) in CRD_SCHEMAS


def validate(obj: dict[str, Any]) -> None:
    """Kubernetes built-ins; a CRD object only against the hand-written subset (the fallback)."""
    key = (obj["apiVersion"], obj["kind"])
    if key in CRD_SCHEMAS:
        schema = json.loads((gen.ROOT / "schemas" / CRD_SCHEMAS[key]).read_text())
        jsonschema.validate(obj, schema)
    else:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def upstream_crd_validator() -> bool:
    """True when the upstream CRD validators can run (Node.js present, deploy/crds installed)."""
    if shutil.which("node") is None:
        return False
    if not (CRDS / "node_modules").is_dir():
        if shutil.which("npm") is None:
            return False
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=CRDS, check=True)
    return True


def validate_crds_upstream(objs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    """Each invalid object with the upstream schema's complaints."""
    if not objs:
        return []
    out = subprocess.run(["node", str(CRDS / "validate.mjs")], input=json.dumps(objs), cwd=CRDS,
                         check=True, capture_output=True, text=True).stdout
    return [(objs[bad["index"]], bad["errors"]) for bad in json.loads(out)]


#: the release name deploy-check renders with: the chart's objects are then named as Kustomize's
RELEASE = gen.NAME
#: labels only Helm sets (the chart's bookkeeping), left out when comparing with Kustomize
HELM_ONLY_LABELS = ("helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/version")


def lint_chart(values: dict[str, Any]) -> list[str]:
    """`helm lint --strict` through the Helm v4 SDK (helm-python-sdk): errors and warnings."""
    import helm_python

    report = helm_python.lint(str(gen.CHART), values, strict=True, kube_version=f"v{K8S_VERSION}")
    found = [f"{m['path']}: {m['error']}" for m in report["messages"] if m["severity"] >= 2]
    return [*found, *report.get("errors", [])]


def render_chart(values: dict[str, Any], release: str = RELEASE, namespace: str = "rectify") -> list[dict[str, Any]]:
    """`helm template` through the Helm v4 SDK: real Helm (values.schema.json enforced), offline."""
    import helm_python

    chart = helm_python.Chart.load(str(gen.CHART))
    manifests = chart.render(values, name=release, namespace=namespace, is_install=True)
    docs = [d for text in manifests.values() for d in yaml.safe_load_all(text) if d]
    return docs


#: what an operator puts in `secret.values` (the chart refuses the Kustomize placeholders)
CHECK_SECRETS = {"DATABASE_URL": "postgresql://rectify_api:s3cr3t-pw@pgbouncer:6432/rectify",
                 "DATABASE_RO_URL": "postgresql://rectify_api:s3cr3t-pw@pg-replica:5432/rectify",
                 "REDIS_URL": "redis://:s3cr3t-pw@redis:6379/0",
                 "RECTIFY_JWT_SECRET": "s3cr3t-jwt-key-0123456789-0123456789-0123456789",
                 "RECTIFY_AUDIT_KEY": "s3cr3t-audit-key-0123456789-0123456789-0123456789",
                 "RECTIFY_DATA_KEY": "s3cr3t-data-key-0123456789-0123456789-0123456789",
                 "RECTIFY_S3_ACCESS_KEY_ID": "AKID-check", "RECTIFY_S3_SECRET_ACCESS_KEY": "s3cr3t-key"}
CHECK_MIGRATE_SECRETS = {"RECTIFY_MIGRATE_DATABASE_URL": "postgresql://rectify:s3cr3t-owner-pw@pg-primary:5432/rectify"}


def with_secrets(values: dict[str, Any], secrets: dict[str, str] | None = None,
                 migrate_secrets: dict[str, str] | None = None) -> dict[str, Any]:
    """The values set as an operator would install it: secrets chosen (the app's and the owner's)."""
    out = dict(values)
    out["secret"] = {**values["secret"], "values": dict(CHECK_SECRETS if secrets is None else secrets)}
    out["migrateSecret"] = {**values["migrateSecret"],
                            "values": dict(CHECK_MIGRATE_SECRETS if migrate_secrets is None else migrate_secrets)}
    return out


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """Helm's bookkeeping labels aside, and a Secret's values (placeholders in Kustomize)."""
    out: dict[str, Any] = _without_helm_labels(obj)
    if out["kind"] == "Secret":
        out = {**out, "stringData": sorted(out.get("stringData") or {})}
    return out


def _without_helm_labels(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _without_helm_labels(v) for k, v in obj.items() if k not in HELM_ONLY_LABELS}
    if isinstance(obj, list):
        return [_without_helm_labels(v) for v in obj]
    return obj


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def check(upstream: bool | None = None) -> list[str]:
    """Every problem found; `upstream`: validate CRD objects with the upstream validators (default:
    when Node.js can run them)."""
    if upstream is None:
        upstream = upstream_crd_validator()
    problems: list[str] = []
    if gen.main(["--check"]) != 0:
        problems.append("generated files are out of date: run python deploy/gen.py")
    schema = json.loads((gen.CHART / "values.schema.json").read_text())
    for overlay in (None, *gen.OVERLAYS):
        name = overlay or "base"
        values = with_secrets(gen.values_for(overlay))
        try:
            jsonschema.validate(values, schema)
        except jsonschema.ValidationError as exc:
            problems.append(f"{name}: values do not match values.schema.json: {exc.message}")
        target = gen.K8S / ("base" if overlay is None else f"overlays/{overlay}")
        objs = kustomize(target)
        for obj in objs:
            if upstream and is_crd(obj):
                continue
            try:
                validate(obj)
            except Exception as exc:
                problems.append(f"{name}: {obj['kind']}/{obj['metadata']['name']}: {getattr(exc, 'message', exc)}")
        if upstream:
            crds = [o for o in objs if is_crd(o)]
            if not crds:
                problems.append(f"{name}: no ScaledObject or ServiceMonitor rendered; the CRD check checked nothing")
            for obj, errors in validate_crds_upstream(crds):
                problems.append(f"{name}: {obj['kind']}/{obj['metadata']['name']}: {'; '.join(errors)}")
        problems += [f"{name}: helm lint: {p}" for p in lint_chart(values)]
        from_kustomize = {_key(o): _comparable(o) for o in objs}
        from_chart = {_key(o): _comparable(o) for o in render_chart(values)}
        if from_kustomize != from_chart:
            differ = sorted(k for k in from_kustomize.keys() | from_chart.keys()
                            if from_kustomize.get(k) != from_chart.get(k))
            problems.append(f"{name}: Helm chart and Kustomize differ in {differ}")
    return problems


def _named_lists_sorted(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _named_lists_sorted(v) for k, v in obj.items()}
    if isinstance(obj, list):
        items = [_named_lists_sorted(v) for v in obj]
        if items and all(isinstance(i, dict) and "name" in i for i in items):
            return sorted(items, key=lambda i: str(i["name"]))
        return items
    return obj


def check_pvc_component(overlay: str | None = "province") -> list[str]:
    """The Kustomize component `evidence-pvc` on an overlay gives what the chart gives with
    evidence.pvc.enabled, and validates."""
    import os
    import tempfile

    target = gen.K8S / ("base" if overlay is None else f"overlays/{overlay}")
    with tempfile.TemporaryDirectory() as tmp:
        rel = lambda p: os.path.relpath(p, tmp)  # noqa: E731
        Path(tmp, "kustomization.yaml").write_text(yaml.safe_dump({
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "resources": [rel(target)], "components": [rel(gen.K8S / "components" / "evidence-pvc")]}))
        objs = kustomize(Path(tmp))
    problems = []
    for obj in objs:
        if not is_crd(obj):
            try:
                validate(obj)
            except Exception as exc:
                where = f"{obj['kind']}/{obj['metadata']['name']}"
                problems.append(f"evidence-pvc: {where}: {getattr(exc, 'message', exc)}")
    chart = render_chart(with_secrets(gen.values_for(overlay, gen.PVC_OPTION)))
    # a strategic-merge patch moves the items it touches to the front of a list: order aside
    same = lambda o: _named_lists_sorted(_comparable(o))  # noqa: E731
    if {_key(o): same(o) for o in objs} != {_key(o): same(o) for o in chart}:
        problems.append("evidence-pvc: the Kustomize component and the chart's evidence.pvc.enabled differ")
    return problems


def main() -> int:
    upstream = upstream_crd_validator()
    if not upstream:
        print("deploy-check: Node.js not found: KEDA and ServiceMonitor objects are checked against the "
              "hand-written subsets in deploy/schemas/ only, not the upstream CRD schemas")
    problems = check(upstream) + check_pvc_component()
    for p in problems:
        print(f"deploy-check: {p}")
    if not problems:
        crd = "upstream KEDA + prometheus-operator CRD schemas" if upstream else "hand-written CRD subsets"
        print(f"deploy-check: base + {len(gen.OVERLAYS)} overlays render, validate (Kubernetes {K8S_VERSION} "
              f"+ {crd}) and match the Helm chart; so does the evidence-pvc component")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
