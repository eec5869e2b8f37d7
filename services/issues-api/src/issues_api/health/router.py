import asyncio
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text

from rectify_shared.partitions import rows_in_default

from ..core.deps import get_state
from ..schema import schema_state

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    database: Literal["ok", "unavailable"]
    schema_revision: str | None
    expected_revision: str
    #: `ahead` (a newer release already migrated; expand/contract keeps this code working) is ready
    schema_state: Literal["current", "behind", "ahead", "unknown"] = "unknown"
    redis: Literal["ok", "unavailable", "unknown"]
    #: conditions an operator should look at that do not make the service unready (e.g. rows
    #: in a DEFAULT partition: the partition upkeep did not run in time; `rectify partitions`)
    warnings: list[str] = []

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "status": "ready",
                    "database": "ok",
                    "schema_revision": "0005",
                    "expected_revision": "0005",
                    "schema_state": "current",
                    "redis": "unavailable",
                    "warnings": [],
                }
            ]
        }
    }


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """200 while the process lives."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
async def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers and its schema is current — or newer, from a release
    that already migrated (expand/contract keeps this code working). Redis health is reported
    but does not fail readiness: the outbox carries writes through a Redis outage."""
    state = get_state(request)
    revision: str | None = None
    db_ok = False
    warnings: list[str] = []
    try:
        async with state.engine.connect() as conn:
            revision = (
                await asyncio.wait_for(conn.execute(text("SELECT version_num FROM alembic_version")), 3)
            ).scalar()
            db_ok = True
            for name in await asyncio.wait_for(rows_in_default(conn), 3):
                warnings.append(
                    f"{name} holds rows: a month partition is missing; run `rectify partitions`"
                    " / 默认分区有数据：缺少月分区，请运行 rectify partitions"
                )
    except Exception:
        pass  # a failed warning probe after a good revision read leaves the database ok
    relay = getattr(request.app.state, "relay", None)
    redis_state = "unknown" if relay is None else ("ok" if await relay.check_redis() else "unavailable")
    state_of_schema = schema_state(revision) if db_ok else "unknown"
    ready = db_ok and state_of_schema in ("current", "ahead")
    body = Readiness(
        status="ready" if ready else "not_ready",
        database="ok" if db_ok else "unavailable",
        schema_revision=revision,
        expected_revision=state.head_revision,
        schema_state=state_of_schema,
        redis=redis_state,
        warnings=warnings,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
