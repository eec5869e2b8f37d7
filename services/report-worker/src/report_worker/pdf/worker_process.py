"""The PDF process: `python -m report_worker.pdf.worker_process`, HTML in, PDF out.

Laying out costs ~6.5 MiB per page and the memory is not reliably given back to the OS, so this
runs as a short-lived process of its own. It is started as a fresh interpreter rather than with
multiprocessing's "spawn", which re-imports the parent's `__main__` in the child (the whole API
or CLI, or any unguarded script that calls `html_to_pdf`).

Protocol: stdin is a JSON header line {"max_pages": N} followed by the HTML (UTF-8). stdout is a
JSON header line, then for "ok" the PDF bytes:
    {"status": "ok", "pages": N, "peak_rss_kib": K}
    {"status": "cap", "pages": N, "cap": M}
    {"status": "error", "message": "..."}
"""

import json
import resource
import sys
from typing import Any, BinaryIO


def render(html: str, max_pages: int) -> tuple[dict[str, Any], bytes]:
    from weasyprint import HTML  # only this process ever loads WeasyPrint

    document = HTML(string=html).render()
    pages = len(document.pages)
    if pages > max_pages:
        return {"status": "cap", "pages": pages, "cap": max_pages}, b""
    content = document.write_pdf()
    return {"status": "ok", "pages": pages, "peak_rss_kib": peak_rss_kib()}, content


def peak_rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def main(stdin: BinaryIO, stdout: BinaryIO) -> int:
    try:
        header = json.loads(stdin.readline())
        html = stdin.read().decode("utf-8")
        status, content = render(html, int(header["max_pages"]))
    except Exception as exc:  # reported to the parent, which raises it
        status, content = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}, b""
    stdout.write(json.dumps(status, ensure_ascii=False).encode("utf-8") + b"\n")
    stdout.write(content)
    stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.stdin.buffer, sys.stdout.buffer))
