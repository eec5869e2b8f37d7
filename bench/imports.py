"""Round import at scale: a generated 台账 (2,000 problems / 10,000 measures at full size, written by
XlsxWriter in constant-memory mode, as a clerk keeps it: 方面 heading rows, problems merged over
their measures' rows, Chinese deadlines, statuses, dated progress), previewed then applied into an
empty round, on SQLite and on PostgreSQL, each in a fresh process (time, peak RSS).

    .venv/bin/python bench/imports.py [--problems 2000] [--out bench/results]   # both, standalone
    .venv/bin/python bench/imports.py setup|child sqlite|postgresql FILE URL PROBLEMS ROUND  # JSON

`make bench` calls `run_import_bench` (sized by its report scale). Goals at full size: preview
≤ 20 s, apply ≤ 30 s, peak RSS ≤ 300 MiB (the larger of the API process and the parse process).
"""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MEASURES_PER_PROBLEM = 5
FULL_SIZE = 2000
GOALS = {"preview": 20.0, "apply": 30.0, "rss": 300.0}
_CN = "一二三四五六七八九十"
_DEADLINES = ("2025年12月底前", "2026年6月30日", "长期坚持", "2024年6月", "2025年底前", "2026年第二季度")


def generate(path: Path, problems: int, measures_per_problem: int = MEASURES_PER_PROBLEM) -> int:
    """Writes the 台账; returns its measure rows. Units are the demo tree's, as the clerk writes them."""
    import xlsxwriter

    from issues_api.demo.loader import read_demo
    from issues_api.imports.samples import LEDGER_HEADER

    data = read_demo()
    names = {o["key"]: o.get("short_name") or o["name"] for o in data["orgs"]}
    leads = sorted({names[i["lead_org"]] for i in data["issues"]})
    units = sorted({names[k] for i in data["issues"] for k in i.get("responsible_orgs") or []})
    categories = data["categories"]
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("整改台账")
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    width = len(LEDGER_HEADER)
    sheet.merge_range(0, 0, 0, width - 1, "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察反馈意见整改工作台账")
    sheet.write_row(1, 0, LEDGER_HEADER)
    problem_columns = [LEDGER_HEADER.index(h) for h in LEDGER_HEADER if not h.startswith(("整改措施", "措施"))]
    row, rows = 2, 0
    per_category = -(-problems // len(categories))
    for seq in range(1, problems + 1):
        if (seq - 1) % per_category == 0:
            n = (seq - 1) // per_category
            sheet.write(row, 0, f"{_CN[n % 10]}、{categories[n % len(categories)]}")
            sheet.merge.append([row, 0, row, width - 1])  # written in row order: no cell writes behind
            row += 1
        state = seq % 4  # 未启动, 正在推进 (序时/滞后), 已完成整改
        status = ("未启动", "正在推进（达到序时进度）", "正在推进（滞后）", "已完成整改")[state]
        month = 1 + seq % 12
        done = f"2024年{month}月{1 + seq % 28}日" if state == 3 else ""
        progress = "" if state == 0 else f"2023年{month}月{1 + seq % 28}日，启动整改，制定整改工作方案。"
        problem = {
            "序号": seq,
            "存在问题": f"第{seq}项问题：部分地区草原生态保护修复治理不到位，矿山开采侵占草原、"
            f"违规审批问题依然存在，整改推进缓慢（编号{seq:05d}）。",
            "整改目标": "全面完成整改任务，建立长效机制，生态环境质量持续改善。",
            "牵头单位": leads[seq % len(leads)],
            "责任单位": "、".join(units[(seq + k) % len(units)] for k in range(3)),
            "整改时限": _DEADLINES[seq % len(_DEADLINES)],
            "责任领导": "张某某（副盟长）",
            "整改状态": status,
            "完成时间": done,
            "整改进展": progress,
        }
        first = row
        for k in range(1, measures_per_problem + 1):
            measure = {
                "整改措施": f"（{_CN[(k - 1) % 10]}）开展专项排查整治，逐项建立问题清单、任务清单、责任清单，"
                f"定期调度整改进展（问题{seq}措施{k}）。",
                "措施责任单位": units[(seq + k) % len(units)],
                "措施时限": "2025年12月底前" if k % 2 else "2025年6月30日",
                "措施状态": "已完成" if state == 3 else ("正在推进" if state else "未启动"),
            }
            cells = {**(problem if k == 1 else {}), **measure}
            for column, header in enumerate(LEDGER_HEADER):
                if header in cells:
                    sheet.write(row, column, cells[header], wrap)
            row += 1
            rows += 1
        for column in problem_columns:
            sheet.merge.append([first, column, row - 1, column])
    book.close()
    return rows


class ChildPeak:
    """The largest VmHWM of this process's children while it runs (the import parses the file in a
    spawned process); read from /proc every 50 ms, so a child's last reading is close to its peak."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> "ChildPeak":
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        me = str(os.getpid())
        while not self._stop.wait(0.05):
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
                if fields.get("PPid", "").strip() == me and "VmHWM" in fields:
                    self.peak_kib = max(self.peak_kib, int(fields["VmHWM"].split()[0]))


def own_peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _setup() -> int:
    """A fresh database with the demo tree and an empty round to import into (its own process: the
    demo's password hashing would otherwise count in the import's peak RSS)."""
    from issues_api.demo.loader import load_demo
    from issues_api.ops.operator import as_system
    from issues_api.schema import upgrade
    from rectify_shared import data_keys
    from rectify_shared.models import InspectionRound
    from rectify_shared.settings import load_settings

    settings = load_settings()
    data_keys.install_from(settings)  # the demo's contacts are stored encrypted
    await asyncio.to_thread(upgrade, settings.effective_database_url)  # alembic runs its own loop

    async def new_round(session: Any, principal: Any) -> int:
        demo = await session.get(InspectionRound, await load_demo(session))
        fields = demo.model_dump(exclude={"id", "created_at", "updated_at", "plan_document"})
        rnd = InspectionRound(**{**fields, "name": "第二轮中央生态环境保护督察（导入基准）"})
        session.add(rnd)
        await session.flush()
        return int(rnd.id)

    return int(await as_system(settings, new_round))


async def _child(file: Path, data: bytes, problems: int, round_id: int) -> dict[str, Any]:
    """Preview then apply, as the API would (the same service calls), in a fresh process whose
    DATABASE_URL (and RECTIFY_DATA_DIR) name the database `_setup` made."""
    from sqlmodel import select

    from issues_api.imports.apply import apply_job
    from issues_api.imports.preview import create_job
    from issues_api.imports.router import limits_of
    from issues_api.ops.operator import as_system
    from rectify_shared import data_keys
    from rectify_shared.settings import load_settings

    settings = load_settings()
    data_keys.install_from(settings)
    limits = limits_of(settings)
    started = time.perf_counter()
    with ChildPeak() as parse:
        job = await as_system(
            settings, lambda s, p: create_job(s, p, round_id, file.name, data, limits, None, date(2022, 11, 1))
        )
    preview_s = time.perf_counter() - started
    preview_peak = own_peak_mib()
    started = time.perf_counter()
    applied = await as_system(settings, lambda s, p: apply_job(s, p, round_id, job.id, {}))
    apply_s = time.perf_counter() - started
    result = applied.result or {}
    if result.get("created") != problems:
        raise SystemExit(f"created {result.get('created')} problems, not {problems}")
    count = await as_system(settings, lambda s, p: _measures(s, round_id, select))
    return {
        "preview_s": preview_s,
        "apply_s": apply_s,
        "file_kib": len(data) / 1024,
        "problems": result["created"],
        "measures": count,
        "api_peak_mib": own_peak_mib(),
        "api_peak_after_preview_mib": preview_peak,
        "parse_peak_mib": parse.peak_kib / 1024,
    }


async def _measures(session: Any, round_id: int, select: Any) -> int:
    from sqlalchemy import func

    from rectify_shared.models import Issue, Measure

    stmt = select(func.count()).select_from(Measure).join(Issue).where(Issue.round_id == round_id)
    return int((await session.execute(stmt)).scalar_one())


def run_child(backend: str, file: Path, url: str, problems: int, work: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RECTIFY_DATA_DIR": str(work),
        "RECTIFY_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH"), str(ROOT / "bench")])),
    }
    result: dict[str, Any] = {}
    for step in ("setup", "child"):
        cmd = [
            sys.executable,
            str(Path(__file__)),
            step,
            backend,
            str(file),
            url,
            str(problems),
            str(result.get("round_id", 0)),
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        if out.returncode != 0:
            raise RuntimeError(f"import bench ({backend}, {step}) failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
    return result


async def _fresh_pg(server_url: str, name: str, drop_only: bool = False) -> str:
    import asyncpg

    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


def run_import_bench(pg_server_url: str, scale: float, log: Any, database: str = "rectify_bench_import") -> list[Any]:
    """Both backends, once each (an import is one long act: its time is seconds, not noise-sized);
    `scale` 1.0 is the issue's 2,000 problems / 10,000 measures, where the goals apply."""
    from results import Result

    problems = max(20, round(FULL_SIZE * scale))
    work = Path(tempfile.mkdtemp(prefix="rectify-bench-import-"))
    out: list[Any] = []
    try:
        file = work / "台账.xlsx"
        started = time.perf_counter()
        rows = generate(file, problems)
        log(f"import: generated {problems} problems / {rows} measures in {time.perf_counter() - started:.1f} s")
        for backend in ("sqlite", "postgresql"):
            if backend == "sqlite":
                url, data_dir = "", work / "sqlite"
            else:
                url, data_dir = asyncio.run(_fresh_pg(pg_server_url, database)), work / "pg"
            data_dir.mkdir()
            try:
                r = run_child(backend, file, url, problems, data_dir)
            finally:
                if backend == "postgresql":
                    asyncio.run(_fresh_pg(pg_server_url, database, drop_only=True))
            log(f"import ({backend}): preview {r['preview_s']:.1f} s, apply {r['apply_s']:.1f} s, "
                f"peak RSS {r['api_peak_mib']:.0f} MiB (parse {r['parse_peak_mib']:.0f} MiB)")  # fmt: skip
            full = problems >= FULL_SIZE
            name = f"import.round_xlsx ({backend}, {r['problems']} problems / {r['measures']} measures)"
            # the goals are the issue's at full size: a smaller file is reported, not judged
            small = "" if full else f"; goals judged at {FULL_SIZE:,} problems only"
            note = f"{r['file_kib']:.0f} KiB file{small}"
            out += [
                Result.plain(name, "preview time", r["preview_s"], "s", goal_max=GOALS["preview"] if full else None,
                             note=note),
                Result.plain(name, "apply time", r["apply_s"], "s", goal_max=GOALS["apply"] if full else None),
                Result.plain(name, "peak RSS (API process / parse process, the larger)",
                             max(r["api_peak_mib"], r["parse_peak_mib"]), "MiB",
                             goal_max=GOALS["rss"] if full else None,
                             note=f"API {r['api_peak_mib']:.0f} MiB, parse {r['parse_peak_mib']:.0f} MiB"),
            ]  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("setup", "child"):
        # argv: setup|child BACKEND FILE DATABASE_URL PROBLEMS ROUND_ID (the URL is in the env)
        if sys.argv[1] == "setup":
            print(json.dumps({"round_id": asyncio.run(_setup())}))
            return 0
        file = Path(sys.argv[3])
        print(json.dumps(asyncio.run(_child(file, file.read_bytes(), int(sys.argv[5]), int(sys.argv[6])))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=FULL_SIZE)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--note", action="append", default=[])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from results import machine, markdown

    server = os.environ.get("BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/postgres")
    results = run_import_bench(server, args.problems / FULL_SIZE, lambda m: print(f"[bench] {m}", flush=True))
    from datetime import UTC, datetime

    doc = {
        "machine": machine(args.note),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "benchmarks": [r.as_json() for r in results],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "imports.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    (args.out / "imports.md").write_text(markdown(doc))
    print(markdown(doc))
    return 0 if all(b["met"] is not False for b in doc["benchmarks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
