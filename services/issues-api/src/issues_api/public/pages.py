"""The public notice pages as HTML, for a citizen's browser: the same URLs as the JSON API, chosen
by the request's `Accept` (a browser asks for text/html first; JSON clients are unchanged).

Server-rendered, one request a page, no script but the objection form's proof of work, styles
inline: a notice page is a few KB, so it opens on a low-end phone over 3G (the console's SPA
would cost hundreds of KB before the first word).
"""

from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from .schemas import PublicNotice

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
FOOTER = "本页面由督察整改工作平台发布。提出异议请使用实名并留下联系方式。"


def wants_html(request: Request) -> bool:
    """True when the client prefers HTML to JSON (a browser's navigation), by the Accept header's order
    and quality; `*/*` alone (curl, httpx) and `application/json` keep JSON."""
    best_html = best_json = -1.0
    for i, part in enumerate(request.headers.get("accept", "").split(",")):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        rank = q - i * 1e-6  # the earlier of equal qualities wins
        media = media.strip().lower()
        if media in ("text/html", "application/xhtml+xml"):
            best_html = max(best_html, rank)
        elif media in ("application/json", "application/*"):
            best_json = max(best_json, rank)
    return best_html > 0 and best_html > best_json


def _urls(request: Request) -> dict[str, str]:
    base = str(request.url_for("list_notices").path)
    return {"list_url": base, "footer": FOOTER}


def render(template: str, request: Request, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(**_urls(request), **context)
    return HTMLResponse(html, status_code=status_code, headers={"Vary": "Accept", "Cache-Control": "no-store"})


def notice_url(request: Request, notice_id: int) -> str:
    return str(request.url_for("get_notice", closure_id=notice_id).path)


def list_page(request: Request, notices: list[PublicNotice], next_cursor: str | None) -> HTMLResponse:
    items = [{**n.model_dump(), "url": notice_url(request, n.id)} for n in notices]
    next_url = f"{request.url.path}?cursor={next_cursor}" if next_cursor else None
    return render("list.html", request, page_title="正在公示的整改任务", notices=items, next_url=next_url)


def notice_page(
    request: Request,
    notice: PublicNotice,
    *,
    challenge: str,
    bits: int,
    status_code: int = 200,
    error: str | None = None,
    field_errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    return render(
        "notice.html",
        request,
        status_code=status_code,
        page_title=notice.title,
        n=notice,
        challenge=challenge,
        bits=bits,
        error=error,
        field_errors=field_errors or {},
        form={"name": "", "contact": "", "content": "", **(form or {})},
        form_url=str(request.url_for("object_with_form", closure_id=notice.id).path),
    )


def message_page(
    request: Request,
    *,
    heading: str,
    message: str,
    status_code: int,
    ok: bool = False,
    reference: str | None = None,
    back_url: str | None = None,
    back_text: str = "返回公示列表",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    page = render(
        "message.html",
        request,
        status_code=status_code,
        page_title=heading,
        heading=heading,
        message=message,
        ok=ok,
        reference=reference,
        back_url=back_url or _urls(request)["list_url"],
        back_text=back_text,
    )
    page.headers.update(headers or {})
    return page
