"""bench/readme_table.py: the README's performance table becomes the last run's, and nothing else moves."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "bench" / "readme_table.py"


def _tool():
    spec = importlib.util.spec_from_file_location("bench_readme_table", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _table(value: str) -> str:
    return (
        "Measured 2026-12-07T11:00:00+00:00 on 2 × a CPU.\n* scale 1: issue 20000\n\n"
        "| benchmark | metric | value | unit | baseline | ratio | goal | met | note |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
        f"| api.issues_list | req/s | {value} | req/s | 572 | 0.975 | ratio ≥ 0.75 | yes |  |\n"
    )


def test_the_table_round_trips_and_the_text_around_it_stays():
    t = _tool()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first, second = _table("558"), _table("601")
    once = t.replaced(readme, first)
    assert t.current(once) == first
    assert t.replaced(once, first) == once  # the same table again changes nothing
    twice = t.replaced(once, second)
    assert t.current(twice) == second and t.replaced(twice, first) == once  # and back
    assert t.replaced(readme, t.current(readme)) == readme  # the README as it stands is a fixed point
    before, after = twice.split(t.BEGIN)[0], twice.split(t.END)[1]
    assert before == readme.split(t.BEGIN)[0] and after == readme.split(t.END)[1]
    assert "## Performance (`make bench`)" in before  # the table lives in the performance section


def test_a_readme_without_its_markers_is_refused():
    t = _tool()
    with pytest.raises(ValueError, match="needs one"):
        t.replaced("# Rectify\n\n| a | b |\n", _table("1"))
    with pytest.raises(ValueError, match="needs one"):
        t.replaced(f"{t.BEGIN}\n{t.END}\n{t.BEGIN}\n{t.END}\n", _table("1"))


def test_the_command_writes_the_file_and_check_tells_a_stale_readme(tmp_path: Path):
    readme, table = tmp_path / "README.md", tmp_path / "latest.md"
    t = _tool()
    readme.write_text(f"# R\n\n## Performance\n\n{t.BEGIN}\n\n| old |\n\n{t.END}\n\nAfter.\n", encoding="utf-8")
    table.write_text(_table("558"), encoding="utf-8")
    args = [sys.executable, str(TOOL), "--readme", str(readme), "--table", str(table)]
    assert subprocess.run([*args, "--check"], capture_output=True).returncode == 1
    assert subprocess.run(args, capture_output=True).returncode == 0
    assert subprocess.run([*args, "--check"], capture_output=True).returncode == 0
    text = readme.read_text(encoding="utf-8")
    assert "| old |" not in text and "| api.issues_list | req/s | 558 |" in text and text.endswith("\n\nAfter.\n")
