"""`html_to_pdf`: WeasyPrint in a separate, short-lived process, with a page cap.

The cap is counted after layout (the only honest page count) and before the PDF is written. A
document over the cap fails its job with a message the requester can act on (use xlsx or md).
A renderer that dies (out of memory, killed) or hangs fails the job; the worker itself lives on
and gets all of the render's memory back when the process exits.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass

from .fonts import require_cjk_font

#: the most pages a PDF report may have; RECTIFY_PDF_MAX_PAGES overrides it (read at each call)
MAX_PDF_PAGES = 300
MAX_PAGES_ENV = "RECTIFY_PDF_MAX_PAGES"
#: a render that takes longer is killed; below the job's stale-run limit (10 minutes)
TIMEOUT_SECONDS = 240.0
TIMEOUT_ENV = "RECTIFY_PDF_TIMEOUT_SECONDS"
_STDERR_CHARS = 300


class PageCapExceeded(ValueError):
    def __init__(self, pages: int, cap: int) -> None:
        self.pages, self.cap = pages, cap
        super().__init__(
            f"PDF would have {pages} pages (limit {cap}); request xlsx or md instead / 页数超限，请改用xlsx或md"
        )


class PdfRenderFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class PdfResult:
    content: bytes
    pages: int
    #: the render process's peak resident memory
    peak_rss_kib: int


def max_pdf_pages() -> int:
    raw = os.environ.get(MAX_PAGES_ENV, "").strip()
    if not raw:
        return MAX_PDF_PAGES
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{MAX_PAGES_ENV} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise ValueError(f"{MAX_PAGES_ENV} must be at least 1, not {value}")
    return value


def _timeout() -> float:
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    return float(raw) if raw else TIMEOUT_SECONDS


def html_to_pdf(html: str, max_pages: int | None = None, tighter: tuple[str, ...] = ()) -> bytes:
    """The PDF of `html`; raises `PageCapExceeded` beyond `max_pages` (default: `max_pdf_pages()`).

    `tighter`: style sheets tried in turn when a short document spills onto one page more than it
    needs (a letter whose last lines and signature would stand on page 2); the first that saves
    the page is used."""
    return render_pdf(html, max_pages, tighter).content


def render_pdf(html: str, max_pages: int | None = None, tighter: tuple[str, ...] = ()) -> PdfResult:
    """Like `html_to_pdf`, with the page count and the render process's peak memory."""
    require_cjk_font()
    cap = max_pdf_pages() if max_pages is None else max_pages
    timeout = _timeout()
    request = json.dumps({"max_pages": cap, "tighter": list(tighter)}).encode("utf-8") + b"\n" + html.encode("utf-8")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "report_worker.pdf.worker_process"],
            input=request,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the process
        raise PdfRenderFailed(f"PDF rendering took longer than {timeout:.0f} s and was stopped") from None
    header, _, content = done.stdout.partition(b"\n")
    try:
        status = json.loads(header)
    except ValueError:
        stderr = done.stderr.decode("utf-8", "replace").strip()[-_STDERR_CHARS:]
        raise PdfRenderFailed(f"the PDF renderer died (exit code {done.returncode}): {stderr}") from None
    if status["status"] == "ok":
        return PdfResult(content=content, pages=status["pages"], peak_rss_kib=status["peak_rss_kib"])
    if status["status"] == "cap":
        raise PageCapExceeded(status["pages"], status["cap"])
    raise PdfRenderFailed(status.get("message", "the PDF renderer failed"))
