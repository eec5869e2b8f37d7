"""The report benchmark measures the render process itself, not the driver that started it."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_render_child_reports_its_own_peak_memory_not_its_large_parents():
    ballast = bytearray(400 * 1024 * 1024)  # the bench driver holds a large heap when it forks
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "reports.py"), "xlsx", "1000"],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    result = json.loads(out.stdout)
    assert result["rows"] > 0
    assert 20 < result["peak_rss_mib"] < 300, result  # a small render, whatever the parent held
    del ballast
