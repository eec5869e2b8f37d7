"""One benchmark figure, its goal and whether it is met; `latest.json` and `latest.md`."""

import json
import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


@dataclass
class Result:
    name: str
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    goal: str | None = None
    met: bool | None = None
    note: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    @classmethod
    def timing(
        cls,
        name: str,
        metric: str,
        value: float,
        unit: str,
        baseline: float | None,
        *,
        goal_ratio_min: float | None = None,
        goal_ratio_max: float | None = None,
        goal_max: float | None = None,
    ) -> "Result":
        r = cls(name, metric, value, unit, baseline)
        ratio = r.ratio
        if goal_ratio_min is not None:
            r.goal = f"ratio ≥ {goal_ratio_min:g}"
            r.met = ratio is not None and ratio >= goal_ratio_min
            if not r.met:
                r.note = f"missed: {_pct(ratio, goal_ratio_min, below=True)} below the goal ratio"
        elif goal_ratio_max is not None:
            r.goal = f"ratio ≤ {goal_ratio_max:g}"
            r.met = ratio is not None and ratio <= goal_ratio_max
            if not r.met:
                r.note = f"missed: {_pct(ratio, goal_ratio_max)} over the goal ratio"
        elif goal_max is not None:
            r._absolute_max(goal_max)
        return r

    @classmethod
    def plain(
        cls, name: str, metric: str, value: float, unit: str, *, goal_max: float | None = None, note: str | None = None
    ) -> "Result":
        r = cls(name, metric, value, unit, note=note)
        if goal_max is not None:
            r._absolute_max(goal_max)
        return r

    def _absolute_max(self, goal_max: float) -> None:
        self.goal = f"≤ {goal_max:g} {self.unit}"
        self.met = self.value <= goal_max
        if not self.met:
            over = f"{_pct(self.value, goal_max)} over" if goal_max else f"{self.value:g} {self.unit} over"
            self.note = f"missed: {over} the goal" + (f"; {self.note}" if self.note else "")

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "metric": self.metric,
            "value": round(self.value, 4),
            "unit": self.unit,
            "baseline": None if self.baseline is None else round(self.baseline, 4),
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "goal": self.goal,
            "met": self.met,
        }
        if self.note:
            out["note"] = self.note
        return out


def _pct(value: float | None, goal: float, *, below: bool = False) -> str:
    if value is None:
        return "no baseline, so"
    diff = (goal - value) if below else (value - goal)
    return f"{100 * diff / goal:.0f} %"


def machine(notes: list[str]) -> dict[str, Any]:
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "notes": notes,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def write(results: list[Result], notes: list[str], out_dir: Path, sections: list[str] | None = None) -> dict[str, Any]:
    """latest.{json,md}. With `sections` (a run of some benchmarks: `run.py --only todo,sse`) the
    file is merged, not replaced: the figures of the benchmarks not run stay as they were (each
    keeps the date it was `measured`), the new ones replace those of the same name and metric, and
    the run's notes are added, marked with its sections and date (replacing those of an earlier run
    of the same sections)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    new = [r.as_json() for r in results]
    doc: dict[str, Any] = {"machine": machine(notes), "date": now, "benchmarks": new}
    old_path = out_dir / "latest.json"
    if sections and old_path.exists():
        old = json.loads(old_path.read_text())
        ran = {(b["name"], b["metric"]) for b in new}
        kept = [b for b in old.get("benchmarks", []) if (b["name"], b["metric"]) not in ran]
        for b in kept:
            b.setdefault("measured", old.get("date"))
        for b in new:
            b["measured"] = now
        tag = "[" + ",".join(sections) + " "
        old_notes = [n for n in old.get("machine", {}).get("notes", []) if not n.startswith(tag)]
        doc = {
            "machine": {**machine([]), "notes": [*old_notes, *(f"{tag}{now}] {n}" for n in notes)]},
            "date": now,
            "benchmarks": kept + new,
        }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    (out_dir / "latest.md").write_text(markdown(doc))
    return doc


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _note(doc: dict[str, Any], b: dict[str, Any]) -> str:
    note = b.get("note", "")
    if b.get("measured") and b["measured"] != doc["date"]:
        note = f"{note}; measured {b['measured']}" if note else f"measured {b['measured']}"
    return str(note)


def markdown(doc: dict[str, Any]) -> str:
    lines = [
        f"Measured {doc['date']} on {doc['machine']['cpus']} × {doc['machine']['cpu_model']}.",
        *[f"* {n}" for n in doc["machine"]["notes"]],
        "",
        "| benchmark | metric | value | unit | baseline | ratio | goal | met | note |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for b in doc["benchmarks"]:
        met = {True: "yes", False: "**no**", None: ""}[b["met"]]
        cells = [b["name"], b["metric"], _fmt(b["value"]), b["unit"], _fmt(b["baseline"]), _fmt(b["ratio"]),
                 b["goal"] or "", met, _note(doc, b)]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
