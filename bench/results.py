"""One benchmark figure, its goal and whether it is met; `latest.json` and `latest.md`."""

import json
import os
import platform
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

#: `run.py --only`'s benchmarks, in the order a full run runs them
SECTIONS = ("scan", "api", "stats", "queue", "reports", "todo", "sse", "flat", "imports", "keys")


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
    #: the benchmark (`SECTIONS`) that measured it: a later run of that benchmark replaces it
    section: str | None = None

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
        if self.section:
            out["section"] = self.section
        return out


def in_section(section: str, results: Iterable[Result]) -> list[Result]:
    """`results`, each marked as measured by the benchmark `section`."""
    out = list(results)
    for r in out:
        r.section = section
    return out


def _pct(value: float | None, goal: float, *, below: bool = False) -> str:
    if value is None:
        return "no baseline, so"
    diff = (goal - value) if below else (value - goal)
    return f"{100 * diff / goal:.0f} %"


@dataclass(frozen=True)
class Goal:
    """A goal of issue 22 the bench must report: met, missed, or 'not measured' (never silently
    absent). A figure answers it when its name, up to the first " (", is `name` and its metric
    starts with `metric`."""

    name: str
    metric: str
    goal: str

    def answered_by(self, b: dict[str, Any]) -> bool:
        return str(b["name"]).split(" (", 1)[0] == self.name and str(b["metric"]).startswith(self.metric)


_P50 = "≤ 50 ms"
FLAT = ("issues_list", "issue_detail", "me_todo", "issue_stats", "changes_page", "progress_write")
#: every goal of issue 22 ("Fast where people wait …"), in the issue's order
GOALS: tuple[Goal, ...] = (
    # the dashboard (bench/stats.py): a round and a league's subtree, today and as of a past date
    Goal("stats.issues_round", "p99 at 16 connections", _P50),
    Goal("stats.issues_subtree", "p99 at 16 connections", _P50),
    Goal("stats.issues_round_past", "p99 at 16 connections", "≤ 300 ms"),
    Goal("stats.issues_subtree_past", "p99 at 16 connections", "≤ 300 ms"),
    Goal("stats.petitions_round", "p99 at 16 connections", _P50),
    Goal("stats.petitions_round_past", "p99 at 16 connections", "≤ 300 ms"),
    Goal("stats.indicators_round", "p99 at 16 connections", _P50),
    Goal("stats.indicators_round_past", "p99 at 16 connections", "≤ 300 ms"),
    # the same past days, the first request after a write that renews their tokens (bench/stats.py)
    *(
        Goal(f"stats.{n}_past", "p99, first request after a write", "≤ 300 ms")
        for n in ("issues_round", "issues_subtree", "indicators_round")
    ),
    Goal("todo.me_todo", "p99", _P50),
    Goal("api.measures_overdue", "p99", _P50),
    Goal("api.ledger_first_page_with_total", "p99", _P50),
    Goal("api.progress_write", "req/s", "ratio ≥ 0.6"),
    Goal("api.progress_write", "cpu/request", "≤ 3 ms"),
    Goal("api.progress_write.paced", "p99 at half the maximum rate", "≤ 100 ms"),
    Goal("report.issue_progress_docx", "time", "ratio ≤ 2"),
    Goal("report.progress_report_docx", "time", "ratio ≤ 2"),
    Goal("report.issue_progress_pdf", "pages/s", "reported"),
    Goal("api.issues_list.paced", "p99 at half the maximum rate", "≤ 100 ms"),
    Goal("api.issues_list.paced", "p99 while a report renders", "ratio ≤ 1.2"),
    Goal("api.issue_detail.paced", "p99 at half the maximum rate", "≤ 100 ms"),
    *(Goal(f"flat.{n}", "cpu/request growth", "ratio ≤ 1.5") for n in FLAT),
    Goal("scan.deadlines", "slope", "reported"),
    Goal("export.ledger_xlsx", "slope", "reported"),
)
NOT_MEASURED = "not measured"


def not_measured(benchmarks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A row for every goal no figure answers (the figures' own placeholders left out)."""
    measured = [b for b in benchmarks if not str(b.get("note", "")).startswith(NOT_MEASURED)]
    return [
        {"name": g.name, "metric": g.metric, "value": None, "unit": "", "baseline": None, "ratio": None,
         "goal": g.goal, "met": None, "note": f"{NOT_MEASURED}: no benchmark in this run answers it"}
        for g in GOALS
        if not any(g.answered_by(b) for b in measured)
    ]  # fmt: skip


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
    keeps the date it was `measured`); every earlier figure of a benchmark run again goes, as does
    one with the same name (up to its " (…)", which carries counts that change from run to run) and
    metric as a new one. The run's notes are added, marked with its sections and date; an earlier
    note is kept only for the benchmarks of its run that were not run again (its mark narrowed to
    them), and a note without a mark (a full run's) is marked with those."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    new = [r.as_json() for r in results]
    doc: dict[str, Any] = {"machine": machine(notes), "date": now, "benchmarks": new}
    old_path = out_dir / "latest.json"
    if sections and old_path.exists():
        old = json.loads(old_path.read_text())
        rerun = set(sections)
        ran = {_figure(b) for b in new}
        kept = [b for b in old.get("benchmarks", []) if b.get("section") not in rerun and _figure(b) not in ran]
        for b in kept:
            b.setdefault("measured", old.get("date"))
        for b in new:
            b["measured"] = now
        # a full run's notes carry no mark; its date is the file's unless partial runs followed
        old_notes = old.get("machine", {}).get("notes", [])
        full_run_date = None if any(_NOTE_MARK.match(n) for n in old_notes) else old.get("date")
        carried = [c for n in old_notes if (c := _carry_note(n, rerun, full_run_date)) is not None]
        tag = "[" + ",".join(sections) + " "
        doc = {
            "machine": {**machine([]), "notes": [*carried, *(f"{tag}{now}] {n}" for n in notes)]},
            "date": now,
            "benchmarks": kept + new,
        }
    measured = [b for b in doc["benchmarks"] if not str(b.get("note", "")).startswith(NOT_MEASURED)]
    doc["benchmarks"] = measured + not_measured(measured)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    (out_dir / "latest.md").write_text(markdown(doc))
    return doc


def _figure(b: dict[str, Any]) -> tuple[str, str]:
    """What a figure measures: its name up to the first " (" (the counts after it change from run
    to run: "scan.deadlines (66616 open measures, …)") and its metric."""
    return str(b["name"]).split(" (", 1)[0], str(b["metric"])


#: a partial run's note: "[todo,sse 2026-12-07T04:57:00+00:00] …" (the date is left out when unknown)
_NOTE_MARK = re.compile(r"\[([a-z,]+)(?: ([^\]\s]+))?\] ")


def _carry_note(note: str, rerun: set[str], full_run_date: str | None) -> str | None:
    """The note with its mark narrowed to the benchmarks not run again; None when none is left."""
    mark = _NOTE_MARK.match(note)
    if mark is None:  # a full run's: it spoke for every benchmark
        ran, date, text = list(SECTIONS), full_run_date, note
    else:
        ran, date, text = mark.group(1).split(","), mark.group(2), note[mark.end() :]
    left = [s for s in ran if s not in rerun]
    if not left:
        return None
    return f"[{','.join(left)}{f' {date}' if date else ''}] {text}"


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
        if b["value"] is None:
            met = NOT_MEASURED
        cells = [b["name"], b["metric"], _fmt(b["value"]), b["unit"], _fmt(b["baseline"]), _fmt(b["ratio"]),
                 b["goal"] or "", met, _note(doc, b)]  # fmt: skip
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
