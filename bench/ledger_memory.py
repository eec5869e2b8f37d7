"""Peak memory of rendering a 10,000-problem (≈45,000-measure) ledger workbook.

    .venv/bin/python bench/ledger_memory.py [problems]

Reports the snapshot's own size and the renderer's peak on top of it (tracemalloc: Python
allocations), and the file's size. Not a test: figures depend on the machine and versions.
"""

import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "report-worker" / "tests"))

from big_ledger import big_ledger, expected_rows

from report_worker.render.ledger_xlsx import render_ledger_xlsx

MIB = 1024 * 1024


def main(problems: int) -> None:
    tracemalloc.start()
    snapshot = big_ledger(problems)
    snapshot_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    content = render_ledger_xlsx(snapshot)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rows, merges = expected_rows(snapshot)
    print(f"problems {problems}, rows {rows}, merged ranges {merges}")
    print(f"snapshot {snapshot_bytes / MIB:.1f} MiB; render peak above it {(peak - snapshot_bytes) / MIB:.1f} MiB")
    print(f"xlsx {len(content) / MIB:.1f} MiB in {seconds:.1f} s (under tracemalloc)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
