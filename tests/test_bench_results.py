"""bench/results.py: a run of some benchmarks (`run.py --only`) replaces their figures and notes in
latest.{json,md}, and leaves the others' as they were."""

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _results():
    spec = importlib.util.spec_from_file_location("bench_results", ROOT / "bench" / "results.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _figures(doc: dict) -> list[tuple[str, str, float]]:
    return [(b["name"], b["metric"], b["value"]) for b in doc["benchmarks"] if b["value"] is not None]


def test_running_a_benchmark_again_replaces_its_figures_and_notes(tmp_path: Path) -> None:
    results = _results()
    Result, in_section, write = results.Result, results.in_section, results.write
    full = [
        *in_section("scan", [Result.plain("scan.deadlines (66616 open measures, 97091 escalated)", "time", 6.2, "s"),
                             Result.plain("scan.deadlines (66616 open measures, 97091 escalated)", "rows", 9, "n")]),
        *in_section("queue", [Result.plain("queue.arq", "jobs/s end to end", 971, "jobs/s")]),
        *in_section("sse", [Result.plain("sse.changes_stream", "streams open", 1000, "count")]),
    ]  # fmt: skip
    write(full, ["scale 1: issue 20000"], tmp_path)
    write(in_section("sse", [Result.plain("sse.changes_stream", "streams open", 990, "count")]),
          ["a loaded machine"], tmp_path, sections=["sse"])  # fmt: skip

    # the scan again: its figure's counts changed, and it no longer reports "rows"
    rerun = in_section(
        "scan", [Result.plain("scan.deadlines (66764 open measures, 18733 escalated)", "time", 1.7, "s")]
    )
    doc = write(rerun, ["scale 1: issue 20000, petition_case 6000"], tmp_path, sections=["scan", "sse"])

    assert _figures(doc) == [
        ("queue.arq", "jobs/s end to end", 971),
        ("scan.deadlines (66764 open measures, 18733 escalated)", "time", 1.7),
    ]
    notes = doc["machine"]["notes"]
    assert notes[0].startswith("[api,stats,queue,reports,todo,flat,imports,keys ") and notes[0].endswith(
        "] scale 1: issue 20000"
    )  # the full run's note now speaks for what it measured and is still shown: the queue
    assert not any("a loaded machine" in n for n in notes)  # the sse run's note went with its figures
    assert notes[1].startswith("[scan,sse ") and notes[1].endswith("] scale 1: issue 20000, petition_case 6000")
    assert len(notes) == 2
    on_disk = json.loads((tmp_path / "latest.json").read_text())
    assert _figures(on_disk) == _figures(doc)
    md = (tmp_path / "latest.md").read_text()
    assert "66616" not in md and "a loaded machine" not in md and "| 1.7 |" in md


def test_a_note_of_an_earlier_partial_run_keeps_the_benchmarks_not_run_again(tmp_path: Path) -> None:
    results = _results()
    Result, in_section, write = results.Result, results.in_section, results.write
    write([], ["scale 1"], tmp_path)
    write(in_section("todo", [Result.plain("todo.me_todo (16 connections)", "p99", 125, "ms")])
          + in_section("sse", [Result.plain("sse.changes_stream", "streams open", 1000, "count")]),
          ["a busy machine"], tmp_path, sections=["todo", "sse"])  # fmt: skip

    doc = write(in_section("todo", [Result.plain("todo.me_todo (16 connections)", "p99", 60, "ms")]),
                ["an idle machine"], tmp_path, sections=["todo"])  # fmt: skip

    assert _figures(doc) == [("sse.changes_stream", "streams open", 1000), ("todo.me_todo (16 connections)", "p99", 60)]
    busy = [n for n in doc["machine"]["notes"] if n.endswith("a busy machine")]
    assert len(busy) == 1 and busy[0].startswith("[sse ")  # only the sse figure is still that run's
    assert sum(n.endswith("an idle machine") and n.startswith("[todo ") for n in doc["machine"]["notes"]) == 1
