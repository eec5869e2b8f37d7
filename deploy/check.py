"""`make deploy-check`: the manifests are current, render, validate, and the chart agrees.

1. `deploy/gen.py --check`: the generated trees match their source.
2. `kubectl kustomize` renders `base` and every overlay; each object validates against the
   Kubernetes schemas (kubernetes-validate, strict) or, for KEDA and ServiceMonitor, the vendored
   CRD schemas in deploy/schemas/.
3. The Helm chart, rendered by `render_chart` (an evaluator of exactly the template forms gen.py
   writes — Helm is not installable here), gives the same objects as Kustomize for the default
   values and for values-<overlay>.yaml; every values set validates against values.schema.json.
"""

import json
import re
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


def kustomize(target: Path) -> list[dict[str, Any]]:
    out = subprocess.run([KUBECTL, "kustomize", str(target)], check=True, capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


def validate(obj: dict[str, Any]) -> None:
    key = (obj["apiVersion"], obj["kind"])
    if key in CRD_SCHEMAS:
        schema = json.loads((gen.ROOT / "schemas" / CRD_SCHEMAS[key]).read_text())
        jsonschema.validate(obj, schema)
    else:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


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


def check() -> list[str]:
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
            try:
                validate(obj)
            except Exception as exc:
                problems.append(f"{name}: {obj['kind']}/{obj['metadata']['name']}: {getattr(exc, 'message', exc)}")
        from_kustomize = {_key(o): o for o in objs}
        from_chart = {_key(o): o for o in render_chart(values)}
        if from_kustomize != from_chart:
            differ = sorted(k for k in from_kustomize.keys() | from_chart.keys()
                            if from_kustomize.get(k) != from_chart.get(k))
            problems.append(f"{name}: Helm chart and Kustomize differ in {differ}")
    return problems


def main() -> int:
    problems = check()
    for p in problems:
        print(f"deploy-check: {p}")
    if not problems:
        print(f"deploy-check: base + {len(gen.OVERLAYS)} overlays render, validate (Kubernetes {K8S_VERSION} "
              "+ vendored CRD schemas) and match the Helm chart")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
