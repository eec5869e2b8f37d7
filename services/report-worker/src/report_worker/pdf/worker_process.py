"""The PDF process: `python -m report_worker.pdf.worker_process`, HTML in, PDF out.

Laying out costs ~6.5 MiB per page and the memory is not reliably given back to the OS, so this
runs as a short-lived process of its own. It is started as a fresh interpreter rather than with
multiprocessing's "spawn", which re-imports the parent's `__main__` in the child (the whole API
or CLI, or any unguarded script that calls `html_to_pdf`).

Protocol: stdin is a JSON header line {"max_pages": N, "tighter": [css, …]} followed by the HTML
(UTF-8); `tighter` (optional) are style sheets tried in turn, laid out in this same process, when
the document spills over onto a page more than it needs: the first that saves a page is used. stdout is a
JSON header line, then for "ok" the PDF bytes:
    {"status": "ok", "pages": N, "peak_rss_kib": K}
    {"status": "cap", "pages": N, "cap": M}
    {"status": "error", "message": "..."}
"""

import json
import resource
import sys
from typing import Any, BinaryIO

#: only short documents (a letter, a notice) are worth laying out again to save a page
FIT_MAX_PAGES = 3


def render(html: str, max_pages: int, tighter: list[str] | None = None) -> tuple[dict[str, Any], bytes]:
    from weasyprint import HTML  # only this process ever loads WeasyPrint

    document = HTML(string=html).render()
    pages = len(document.pages)
    if 1 < pages <= FIT_MAX_PAGES:
        for css in tighter or ():
            fitted = HTML(string=html.replace("</head>", f"<style>{css}</style></head>", 1)).render()
            if len(fitted.pages) < pages:
                document, pages = fitted, len(fitted.pages)
                break
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
        status, content = render(html, int(header["max_pages"]), header.get("tighter"))
    except Exception as exc:  # reported to the parent, which raises it
        status, content = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}, b""
    stdout.write(json.dumps(status, ensure_ascii=False).encode("utf-8") + b"\n")
    stdout.write(content)
    stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.stdin.buffer, sys.stdout.buffer))
