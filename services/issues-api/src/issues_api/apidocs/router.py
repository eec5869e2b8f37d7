"""The API's own documentation pages, served with no network: Swagger UI and ReDoc from the
`fastapi-offline` wheel's assets (government intranets have no CDN), and `/` pointing a person
somewhere useful — the web console when it is built, else these docs."""

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

OPENAPI_URL = "/api/v1/openapi.json"
DOCS_URL = "/api/v1/docs"
REDOC_URL = "/api/v1/redoc"
OAUTH2_REDIRECT_URL = "/api/v1/docs/oauth2-redirect"
ASSETS_URL = "/api/v1/docs/assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"
CONSOLE_URL = "/console/"

#: where a built console's entry page may be (the console package serves /console/ from it)

router = APIRouter(include_in_schema=False)


def assets() -> StaticFiles:
    return StaticFiles(directory=ASSETS_DIR)


@router.api_route("/", methods=["GET", "HEAD"])
async def root() -> RedirectResponse:
    """To the console when it is built or being built (its page then says so), else to the docs."""
    from ..console import build as console_build

    building = console_build.read_state().get("state") == "building"
    return RedirectResponse(CONSOLE_URL if console_build.is_built() or building else DOCS_URL, status_code=307)


@router.get(DOCS_URL)
async def swagger_ui(request: Request) -> HTMLResponse:
    root_path = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root_path}{OPENAPI_URL}",
        title="Rectify issues-api · 接口文档",
        oauth2_redirect_url=f"{root_path}{OAUTH2_REDIRECT_URL}",
        swagger_js_url=f"{root_path}{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root_path}{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root_path}{ASSETS_URL}/favicon.png",
        swagger_ui_parameters={"persistAuthorization": True, "displayOperationId": True},
    )


@router.get(OAUTH2_REDIRECT_URL)
async def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC_URL)
async def redoc(request: Request) -> HTMLResponse:
    root_path = request.scope.get("root_path", "")
    return get_redoc_html(
        openapi_url=f"{root_path}{OPENAPI_URL}",
        title="Rectify issues-api · 接口文档 (ReDoc)",
        redoc_js_url=f"{root_path}{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root_path}{ASSETS_URL}/favicon.png",
        with_google_fonts=False,
    )
