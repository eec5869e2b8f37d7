"""The README's performance table is the last run's: it replaces what stands between the two marker
comments of README.md's "Performance (`make bench`)" section with bench/results/latest.md (the
run's date, machine and notes, then one row per figure). `make bench` runs it after the benchmarks.

    .venv/bin/python bench/readme_table.py [--readme README.md] [--table bench/results/latest.md] [--check]

`--check` changes nothing: exit 1 when the README does not carry the table.
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- bench:latest begin (bench/readme_table.py writes what follows, from bench/results/latest.md) -->"
END = "<!-- bench:latest end -->"


def _bounds(readme: str) -> tuple[int, int]:
    """Where the table starts (after BEGIN's line) and ends (at END's line)."""
    if readme.count(BEGIN) != 1 or readme.count(END) != 1:
        raise ValueError(f"the README needs one {BEGIN!r} and one {END!r}")
    start = readme.index(BEGIN) + len(BEGIN) + 1
    end = readme.index(END)
    if end < start:
        raise ValueError("the end marker comes before the begin marker")
    return start, end


def current(readme: str) -> str:
    """The table the README carries now."""
    start, end = _bounds(readme)
    return readme[start:end].strip("\n") + "\n"


def replaced(readme: str, table: str) -> str:
    """`readme` with `table` between the markers (blank lines around it: Markdown needs them)."""
    start, end = _bounds(readme)
    return readme[:start] + "\n" + table.strip("\n") + "\n\n" + readme[end:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--table", type=Path, default=ROOT / "bench" / "results" / "latest.md")
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's table is not the file's")
    args = parser.parse_args()
    readme, table = args.readme.read_text(encoding="utf-8"), args.table.read_text(encoding="utf-8")
    if args.check:
        if current(readme) != table.strip("\n") + "\n":
            print(f"{args.readme}: the performance table is not {args.table}'s", file=sys.stderr)
            return 1
        return 0
    args.readme.write_text(replaced(readme, table), encoding="utf-8")
    print(f"{args.readme}: the performance table is now {args.table}'s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
