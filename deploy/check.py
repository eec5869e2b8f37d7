"""`make deploy-check`: the manifests are current, render, validate, and the chart agrees.

1. `deploy/gen.py --check`: the generated trees match their source.
2. `kubectl kustomize` renders `base` and every overlay; each object validates against the
   Kubernetes schemas (kubernetes-validate, strict); KEDA ScaledObjects and ServiceMonitors validate
   against the upstream CRD schemas, through the validators kubernetes-models generates from them
   (deploy/crds/, pinned by its package-lock.json, installed with `npm ci` on first use). Without
   Node.js the check falls back to the hand-written subsets in deploy/schemas/ and says so.
3. The Helm chart, rendered by `render_chart` (an evaluator of exactly the template forms gen.py
   writes — Helm is not installable here), gives the same objects as Kustomize for the default
   values and for values-<overlay>.yaml; every values set validates against values.schema.json.
"""

import json
import re
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


_SCALAR = re.compile(r'\{\{ \.Values\.([\w.]+)((?: \| [^}]+?)*) \}\}')
_BLOCK = re.compile(r"^(\s*)(\S+):\n\{\{- toYaml \.Values\.([\w.]+) \| nindent (\d+) \}\}$", re.M)
_IF = re.compile(r"\A\{\{- if (not )?\.Values\.([\w.]+) \}\}\n(.*)\{\{- end \}\}\n\Z", re.S)


def _lookup(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        node = node[part]
    return node


def _pipe(value: Any, filters: str) -> str:
    for f in (x.strip() for x in filters.split("|") if x.strip()):
        if f == "quote":
            value = json.dumps(str(value), ensure_ascii=False)
        elif f == "lower":
            value = str(value).lower()
        elif m := re.fullmatch(r'default "(.*)"', f):
            value = value or m.group(1)
        elif m := re.fullmatch(r'replace "(.*)" "(.*)"', f):
            value = str(value).replace(m.group(1), m.group(2))
        else:
            raise ValueError(f"template filter not understood: {f}")
    return str(value)


def render_chart(values: dict[str, Any]) -> list[dict[str, Any]]:
    docs = []
    for path in sorted((gen.CHART / "templates").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        text = "\n".join(line for line in text.splitlines() if not line.startswith("# GENERATED")) + "\n"
        if m := _IF.match(text):
            if bool(_lookup(values, m.group(2))) == bool(m.group(1)):
                continue
            text = m.group(3)
        text = _BLOCK.sub(
            lambda m: f"{m.group(1)}{m.group(2)}:\n"
            + "\n".join(" " * int(m.group(4)) + line
                        for line in yaml.safe_dump(_lookup(values, m.group(3)), sort_keys=False).splitlines()),
            text,
        )
        text = _SCALAR.sub(lambda m: _pipe(_lookup(values, m.group(1)), m.group(2)), text)
        docs.append(yaml.safe_load(text))
    return docs


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
        values = gen.values_for(overlay)
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
        from_kustomize = {_key(o): o for o in objs}
        from_chart = {_key(o): o for o in render_chart(values)}
        if from_kustomize != from_chart:
            differ = sorted(k for k in from_kustomize.keys() | from_chart.keys()
                            if from_kustomize.get(k) != from_chart.get(k))
            problems.append(f"{name}: Helm chart and Kustomize differ in {differ}")
    return problems


def main() -> int:
    upstream = upstream_crd_validator()
    if not upstream:
        print("deploy-check: Node.js not found: KEDA and ServiceMonitor objects are checked against the "
              "hand-written subsets in deploy/schemas/ only, not the upstream CRD schemas")
    problems = check(upstream)
    for p in problems:
        print(f"deploy-check: {p}")
    if not problems:
        crd = "upstream KEDA + prometheus-operator CRD schemas" if upstream else "hand-written CRD subsets"
        print(f"deploy-check: base + {len(gen.OVERLAYS)} overlays render, validate (Kubernetes {K8S_VERSION} "
              f"+ {crd}) and match the Helm chart")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
