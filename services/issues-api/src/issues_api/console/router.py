"""Serving the built console at /console/ (`/` leads here: apidocs/router.py).

* hashed files under `assets/` are immutable; `index.html` (the shell) is never cached;
* a GET that accepts HTML and names no file gets the shell (history-mode routes): the phone app's
  shell for `/console/m/…`, the desktop's otherwise; anything else that names no file is a JSON 404.
  `/api/*` is outside this router, so an unknown API path never returns the shell;
* with no build yet, `/console/` explains in Chinese that it is being built, or why it cannot be.
"""

import os
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ..core.error_catalogue import NOT_FOUND
from . import build
from .csp import content_security_policy

router = APIRouter(include_in_schema=False)

NO_CACHE = "no-cache"
IMMUTABLE = "public, max-age=31536000, immutable"


def _alive(pid: object) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _waiting_page() -> HTMLResponse:
    state = build.read_state()
    building = state.get("state") == "building" and _alive(state.get("pid"))
    if building:
        title, text = (
            "控制台正在构建",
            "Rectify 的 API 已经启动，网页控制台正在后台构建（首次约需一两分钟）。本页每 5 秒自动刷新。",
        )
    else:
        reason = str(state.get("reason") or "尚未构建控制台。")
        title, text = (
            "控制台尚未就绪",
            f"API 已经启动，但控制台还不能使用：{reason} 在源码目录运行 make console 可构建控制台。",
        )
    refresh = '<meta http-equiv="refresh" content="5">' if building else ""
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">{refresh}
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Rectify</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;max-width:40em;margin:4em auto;padding:0 1em;
color:#303133;line-height:1.7}}h1{{font-size:1.4em}}a{{color:#1d4ed8}}</style></head><body>
<h1>{title}</h1><p>{text}</p><p>接口文档：<a href="/api/v1/docs">/api/v1/docs</a></p></body></html>"""
    return HTMLResponse(html, status_code=503, headers={"Cache-Control": NO_CACHE, "Retry-After": "5"})


def _shell(index: Path) -> Response:
    return FileResponse(
        index,
        media_type="text/html",
        headers={"Cache-Control": NO_CACHE, "Content-Security-Policy": content_security_policy(index)},
    )


@router.api_route("/console", methods=["GET", "HEAD"])
async def console_bare() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=307)


@router.api_route("/console/{path:path}", methods=["GET", "HEAD"])
async def console(path: str, request: Request) -> Response:
    dist = build.DIST
    if not build.is_built():  # a stale build that is being rebuilt is served until the new one replaces it
        return _waiting_page()
    root = dist.resolve()
    target = (root / path).resolve()
    if path and target.is_file() and target.is_relative_to(root) and not target.name.startswith("."):
        if target.name == "index.html":
            return _shell(target)
        cache = IMMUTABLE if path.startswith("assets/") else NO_CACHE
        return FileResponse(target, headers={"Cache-Control": cache})
    phone = path.rstrip("/") == "m" or path.startswith("m/")
    entry = path.rstrip("/") in ("", "m")  # the two shells themselves, whatever the Accept header
    if entry or ("text/html" in request.headers.get("accept", "") and not path.startswith("assets/")):
        return _shell(root / "m" / "index.html" if phone else root / "index.html")
    raise NOT_FOUND.error(message="页面不存在", message_en="No such console file")
