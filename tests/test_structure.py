"""The house rules of the layout, checked on every run (issue 28, item 9):

* `rectify_shared` imports no service;
* no service imports another (they talk through the database, the outbox and the queues);
* issues-api's domain packages form no import cycle beyond the ones known below, which may only
  shrink: a new edge inside a cycle fails here, and an edge that is gone must leave the list.

Imports are read from the source (ast), lazy imports inside functions included: they are cycles too,
only hidden from the interpreter.
"""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "rectify_shared": ROOT / "shared/src/rectify_shared",
    "issues_api": ROOT / "services/issues-api/src/issues_api",
    "notifier": ROOT / "services/notifier/src/notifier",
    "report_worker": ROOT / "services/report-worker/src/report_worker",
}

#: domain → domain imports that close a cycle today (to be broken: move the cross-domain call into a
#: flow module, or the shared rule into rectify_shared). Only ever remove lines.
KNOWN_CYCLE_EDGES = {
    ("audit", "auth"), ("audit", "core"), ("auth", "audit"), ("auth", "core"), ("core", "auth"),
    ("attachments", "issues"), ("attachments", "petitions"),
    ("closures", "attachments"), ("closures", "issues"), ("closures", "objections"), ("closures", "petitions"),
    ("issues", "closures"), ("issues", "long_term"),
    ("long_term", "attachments"), ("long_term", "closures"), ("long_term", "issues"), ("long_term", "progress"),
    ("objections", "closures"),
    ("petitions", "closures"), ("petitions", "issues"),
    ("progress", "issues"), ("progress", "long_term"),
    # a report's evidence (issue 20): to break with attachments' scope check moved below the domains
    ("progress", "attachments"),
}  # fmt: skip


def modules(base: Path) -> list[tuple[str, Path]]:
    out = []
    for path in sorted(base.rglob("*.py")):
        if "migrations/versions" in path.as_posix():
            continue
        parts = list(path.relative_to(base.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out.append((".".join(parts), path))
    return out


def imported(name: str, path: Path) -> set[str]:
    """Every module name the file imports (absolute; relative imports resolved)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                if path.name != "__init__.py":
                    base.pop()
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join([*base, *([node.module] if node.module else [])])
            else:
                mod = node.module or ""
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def all_imports() -> dict[str, dict[str, set[str]]]:
    return {pkg: {name: imported(name, path) for name, path in modules(base)} for pkg, base in PACKAGES.items()}


def test_shared_imports_no_service_and_no_service_imports_another():
    crossing = sorted(
        f"{name} imports {imp}"
        for pkg, mods in all_imports().items()
        for name, imps in mods.items()
        for imp in imps
        if imp.split(".")[0] in PACKAGES and imp.split(".")[0] not in (pkg, "rectify_shared")
    )
    assert crossing == []


def domain_edges() -> dict[str, set[str]]:
    base = PACKAGES["issues_api"]
    edges: dict[str, set[str]] = defaultdict(set)
    for name, imps in all_imports()["issues_api"].items():
        parts = name.split(".")
        if len(parts) < 2 or not (base / parts[1]).is_dir():
            continue
        for imp in imps:
            target = imp.split(".")
            if target[0] == "issues_api" and len(target) > 1 and target[1] != parts[1] and (base / target[1]).is_dir():
                edges[parts[1]].add(target[1])
    return edges


def cycle_edges(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Edges inside a strongly connected component (Tarjan): each lies on some cycle."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    component: dict[str, int] = {}

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            while True:
                w = stack.pop()
                on.discard(w)
                component[w] = index[v]
                if w == v:
                    break

    for v in list(edges):
        if v not in index:
            visit(v)
    return {(a, b) for a, bs in edges.items() for b in bs if component.get(a) == component.get(b)}


def test_the_domains_form_no_new_import_cycle():
    found = cycle_edges(domain_edges())
    assert sorted(found - KNOWN_CYCLE_EDGES) == [], "a new import cycle between issues-api's domains"
    assert sorted(KNOWN_CYCLE_EDGES - found) == [], "a cycle was broken: take its edges out of KNOWN_CYCLE_EDGES"


def test_the_cycle_finder_finds_a_cycle_and_nothing_else():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycle_edges(edges) == {("a", "b"), ("b", "c"), ("c", "a")}
