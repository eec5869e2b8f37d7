"""Report renders, each in a fresh process (time, peak RSS), against a bare render of the same text.

    .venv/bin/python bench/reports.py xlsx|xlsx-bare|docx|docx-bare|progress|progress-bare|pdf|pdf-bare SIZE

prints one JSON line: {"seconds", "peak_rss_mib", "rows" | "pages"}. SIZE is measures (xlsx),
problems (docx, progress, pdf). `progress` is the progress report (整改进展情况报告: the narrative and
the ledger) in docx, against python-docx writing its Markdown's lines as paragraphs. Snapshots are
synthetic (`services/report-worker/tests/big_ledger.py`), so a report's size does not depend on the
database's scale.
"""

import io
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOCX_GOAL_RATIO = 2.0  # issue 22: a document ≤ 2 × a bare python-docx writing the same paragraphs
MEASURES_PER_PROBLEM = 4.5  # big_ledger: 5 each, none for every tenth problem


def _snapshot(problems: int) -> Any:
    sys.path.insert(0, str(ROOT / "services" / "report-worker" / "tests"))
    from big_ledger import big_ledger

    return big_ledger(problems)


def _rows(snapshot: Any) -> list[list[str]]:
    rows = []
    for c in snapshot.categories:
        for i in c.issues:
            for m in i.measures or [None]:
                measure = [m.text, m.responsible_org or "", str(m.deadline)] if m else ["", "", ""]
                rows.append([str(i.seq), c.name, i.description, i.status_text, i.lead_org, *measure])
    return rows


def _xlsx(measures: int, bare: bool) -> dict[str, Any]:
    from report_worker.render.ledger_xlsx import render_ledger_xlsx

    imported = rss_mib()  # the process before any data: interpreter, renderer and snapshot modules
    snapshot = _snapshot(round(measures / MEASURES_PER_PROBLEM))
    with_snapshot = rss_mib()
    started = time.perf_counter()
    if bare:
        import xlsxwriter

        rows = _rows(snapshot)
        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"constant_memory": True, "in_memory": True})
        sheet = book.add_worksheet()
        for n, row in enumerate(rows):
            sheet.write_row(n, 0, row)
        book.close()
        count = len(rows)
    else:
        render_ledger_xlsx(snapshot)
        count = sum(len(i.measures) for c in snapshot.categories for i in c.issues)
    seconds = time.perf_counter() - started
    snapshot_mib = with_snapshot - imported
    return {"seconds": seconds, "rows": count, "imports_rss_mib": imported, "snapshot_rss_mib": snapshot_mib}


def _docx(problems: int, bare: bool) -> dict[str, Any]:
    # both sides' modules imported before the clock starts, as a worker has them: the render is timed,
    # not the first import (since the snapshot no longer imports the database code, the renderer's
    # first import of it would otherwise land inside the app's time and not the bare one's)
    import docx

    from report_worker.render.issue_progress_docx import render_issue_progress_docx

    snapshot = _snapshot(problems)
    started = time.perf_counter()
    if bare:
        doc = docx.Document()
        for row in _rows(snapshot):
            doc.add_paragraph(" ".join(row))
        doc.save(io.BytesIO())
    else:
        render_issue_progress_docx(snapshot)
    return {"seconds": time.perf_counter() - started, "rows": problems}


def _progress(problems: int, bare: bool) -> dict[str, Any]:
    from datetime import date

    from report_worker.narrative import ProgressReportSnapshot
    from report_worker.render.progress_report import render_progress_report_docx, render_progress_report_md

    snapshot = ProgressReportSnapshot(_snapshot(problems), "内蒙古自治区", date(2022, 3, 25), date(2022, 4, 25),
                                      date(2022, 6, 2))  # fmt: skip
    lines = [line for line in render_progress_report_md(snapshot).decode().splitlines() if line.strip()]
    import docx  # before the clock, as the renderer's own import of it is

    started = time.perf_counter()
    if bare:
        doc = docx.Document()
        for line in lines:
            doc.add_paragraph(line)
        doc.save(io.BytesIO())
    else:
        render_progress_report_docx(snapshot)
    return {"seconds": time.perf_counter() - started, "rows": problems}


def _pdf(problems: int, bare: bool) -> dict[str, Any]:
    from html import escape

    from report_worker.pdf.render import render_pdf
    from report_worker.render.issue_progress_docx import render_issue_progress_md
    from report_worker.render.md_pdf import markdown_to_html

    md = render_issue_progress_md(_snapshot(problems)).decode()
    if bare:
        body = "".join(f"<p>{escape(line)}</p>" for line in md.splitlines() if line.strip())
        head = "<head><meta charset='utf-8'></head>"
        html = f"<html>{head}<body style='font-family:Noto Serif CJK SC'>{body}</body></html>"
    else:
        html = markdown_to_html(md)
    started = time.perf_counter()
    result = render_pdf(html, max_pages=100_000)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "pages": result.pages, "pages_per_s": result.pages / seconds}


def run_child(kind: str, size: int, cores: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__)), kind, str(size)]
    if cores:
        cmd = ["taskset", "-c", cores, *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def run_report_bench(report_scale: float, repeats: int, log: Any) -> list[Any]:
    """Each render and its bare twin in fresh processes, interleaved; medians."""
    import statistics

    from results import Result

    measures = max(1000, round(100_000 * report_scale))
    problems = max(20, round(2000 * report_scale))
    pdf_problems = max(10, round(200 * report_scale))
    runs: dict[str, list[dict[str, Any]]] = {}
    for r in range(repeats):
        for kind, size in (("xlsx", measures), ("docx", problems), ("progress", problems), ("pdf", pdf_problems)):
            for variant in (kind, f"{kind}-bare") if r % 2 == 0 else (f"{kind}-bare", kind):
                runs.setdefault(variant, []).append(run_child(variant, size))
        log(f"reports repeat {r + 1}/{repeats} done")

    def med(variant: str, key: str) -> float:
        return float(statistics.median(x[key] for x in runs[variant]))

    rows = runs["xlsx"][0]["rows"]
    pages = runs["pdf"][0]["pages"]
    return [
        Result.timing(f"report.ledger_xlsx ({rows} measures)", "time", med("xlsx", "seconds"), "s",
                      med("xlsx-bare", "seconds"),
                      goal_max=10.0 if rows >= 100_000 else None),
        Result.plain(f"report.ledger_xlsx ({rows} measures)", "peak RSS of the render process",
                     med("xlsx", "peak_rss_mib"), "MiB", goal_max=150.0 if rows >= 100_000 else None,
                     note=f"{med('xlsx', 'imports_rss_mib'):.0f} MiB before any data (interpreter and the "
                     f"modules the renderer and the snapshot import), {med('xlsx', 'snapshot_rss_mib'):.0f} MiB "
                     "the snapshot, the rest the render (the finished file is most of it)"),
        Result.timing(f"report.issue_progress_docx ({problems} problems)", "time", med("docx", "seconds"), "s",
                      med("docx-bare", "seconds"), goal_ratio_max=DOCX_GOAL_RATIO),
        Result.timing(f"report.progress_report_docx ({problems} problems)", "time", med("progress", "seconds"), "s",
                      med("progress-bare", "seconds"), goal_ratio_max=DOCX_GOAL_RATIO),
        Result.timing(f"report.issue_progress_pdf ({pages} pages)", "pages/s", med("pdf", "pages_per_s"),
                      "pages/s", med("pdf-bare", "pages_per_s")),
    ]  # fmt: skip


def rss_mib() -> float:
    """This process's resident memory now (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib() -> float:
    """This process's own peak RSS. Not `ru_maxrss`: Linux keeps it across fork and exec, so a
    child of the (large) bench driver reported the driver's peak, 255 MiB for a 146 MiB render.
    VmHWM belongs to the address space the exec made."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(kind: str, size: int) -> None:
    base, _, bare = kind.partition("-")
    fn = {"xlsx": _xlsx, "docx": _docx, "progress": _progress, "pdf": _pdf}[base]
    result = fn(size, bool(bare))
    result["peak_rss_mib"] = peak_rss_mib()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
