"""`GET /metrics`: the Prometheus text format. Public like /readyz (in-cluster scraping), or
behind a bearer token when `RECTIFY_METRICS_TOKEN` is set. Not in the OpenAPI document: it is
for Prometheus, not for API clients (README "Metrics")."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from ..core.deps import StateDep
from ..core.error_catalogue import UNAUTHORIZED
from .registry import AppMetrics

router = APIRouter(tags=["health"])


def bearer_ok(configured: str, authorization: str | None) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), configured.encode())


@router.get("/metrics", include_in_schema=False)
async def metrics(
    request: Request,
    state: StateDep,
    authorization: Annotated[str | None, Header(max_length=500)] = None,
) -> Response:
    configured = state.settings.metrics_token
    if configured and not bearer_ok(configured, authorization):
        raise UNAUTHORIZED.error(
            message="指标接口需要有效的令牌（Authorization: Bearer）",
            message_en="The metrics endpoint needs a valid token (Authorization: Bearer)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    app_metrics: AppMetrics = request.app.state.metrics
    return Response(await app_metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
