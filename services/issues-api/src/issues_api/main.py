"""The issues-api application."""

import asyncio
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager

import structlog
from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI

from rectify_shared import clock, data_keys
from rectify_shared.db import engine_for, make_sessionmaker
from rectify_shared.fs_errors import check_api_dirs
from rectify_shared.heap import steady_heap
from rectify_shared.logs import configure_logging
from rectify_shared.private_files import private_dir, sqlite_files, tighten
from rectify_shared.settings import Settings, load_settings
from rectify_shared.storage import make_storage

from .apidocs import document, webhooks
from .apidocs import router as apidocs
from .apidocs.operation_ids import operation_id
from .attachments.router import router as attachments_router
from .audit.chain import ensure_available
from .audit.heads import HeadsExporter, heads_path
from .audit.keys import audit_key, session_info
from .audit.router import router as audit_router
from .auth.ratelimit import RateLimiter
from .auth.request_context import RequestContextMiddleware
from .auth.router import router as auth_router
from .auth.sso_router import router as sso_router
from .auth.startup import refuse_unless_safe
from .auth.tokens import jwt_secret
from .calendar.router import router as calendar_router
from .changes.router import router as changes_router
from .closures.policy_router import router as closure_policy_router
from .closures.router import router as closures_router
from .console.router import router as console_router
from .core import idempotency
from .core.cors import BrowserAccess
from .core.deps import AppState
from .core.errors import errors, install_error_handlers
from .core.fast_reads import FastReads
from .core.limits import BodyGuard
from .core.routes import type_int_path_params
from .deliveries.router import router as deliveries_router
from .dispatch.router import router as dispatch_router
from .document_templates.views import router as document_templates_router
from .escalations.router import router as escalations_router
from .extensions.router import router as extensions_router
from .health.router import router as health_router
from .imports.router import router as imports_router
from .inbox.router import router as inbox_router
from .indicators.fast import INDICATOR_READS
from .indicators.router import router as indicators_router
from .issues.fast import LEDGER_READS
from .issues.router import router as issues_router
from .long_term.router import router as long_term_router
from .metrics.http import HttpMetricsMiddleware
from .metrics.registry import AppMetrics
from .metrics.router import router as metrics_router
from .narratives.router import router as narratives_router
from .orgs.router import router as orgs_router
from .outbox.relay import OutboxRelay
from .petitions.fast import PETITION_READS
from .petitions.pollution import router as pollution_types_router
from .petitions.router import router as petitions_router
from .petitions.stats import router as petition_stats_router
from .preferences.router import router as preferences_router
from .progress.fast import FastProgressWrites
from .progress.router import router as progress_router
from .public.router import router as public_router
from .receipts.router import router as receipts_router
from .reports.router import router as reports_router
from .rounds.router import router as rounds_router
from .schema import head_revision
from .stats.fast import STATS_READS
from .stats.router import router as stats_router
from .templates.router import router as message_templates_router
from .todo.fast import TODO_READS
from .todo.router import router as todo_router
from .users.router import router as users_router
from .webhooks.router import router as webhooks_router

log = structlog.get_logger(__name__)

API_VERSION = "2.0.0"  # 2: 63-bit ids are strings in every field (rectify_shared.ids), `{tag}_{verb}` operation ids

DESCRIPTION = """
Rectify issues-api: the rectification ledger (督察整改台账) of an environmental-inspection
rectification office — inspection rounds, the org tree, problems and their measures, progress
reports, statistics, the change feed for provincial systems, and report requests.

* Every list is keyset-paginated: `limit` (1–200, default 50) and an opaque `cursor`;
  responses are `{"items": [...], "next_cursor": ... | null}`.
* Every error has one shape: `{"error": {"code", "message" (zh-CN), "message_en", "details",
  "request_id"}}`.
* Creates answer 201 with `Location`; queued work answers 202.
"""


#: every router behind authentication (the permission matrix test walks these)
PROTECTED_ROUTERS = (
    auth_router,
    users_router,
    audit_router,
    rounds_router,
    orgs_router,
    issues_router,
    progress_router,
    todo_router,
    stats_router,
    changes_router,
    reports_router,
    dispatch_router,
    escalations_router,
    calendar_router,
    webhooks_router,
    inbox_router,
    deliveries_router,
    message_templates_router,
    narratives_router,
    document_templates_router,
    attachments_router,
    closures_router,
    closure_policy_router,
    extensions_router,
    indicators_router,
    preferences_router,
    petitions_router,
    pollution_types_router,
    imports_router,
    petition_stats_router,
    long_term_router,
)
#: routers whose routes are all in `auth.policies.PUBLIC` (no credentials)
PUBLIC_ROUTERS = (health_router, metrics_router, public_router, receipts_router, sso_router)
ALL_ROUTERS = (*PUBLIC_ROUTERS, *PROTECTED_ROUTERS)


#: how long each shutdown step may take before the app moves on without it
SHUTDOWN_STEP_SECONDS = 10.0


async def _bounded(step: Awaitable[None], name: str, seconds: float = SHUTDOWN_STEP_SECONDS) -> None:
    """Run one shutdown step, but never let it hold the process: a stuck step is cancelled after
    `seconds` and logged, and shutdown goes on. (A full test run once hung for minutes in this
    shutdown, right after a test had terminated the app's database backends; it did not recur
    and which step it was is not known: the log line names it if it happens again.)"""
    task = asyncio.ensure_future(step)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if done:
        task.result()  # a step that failed fails the shutdown as before
        return
    task.cancel()
    log.warning("shutdown_step_timed_out", step=name, seconds=seconds)


#: the reads people wait on, served without FastAPI's dispatch when plain (core/fast_reads.py)
FAST_READS = (*LEDGER_READS, *TODO_READS, *STATS_READS, *PETITION_READS, *INDICATOR_READS)


def create_app(settings: Settings | None = None, *, run_relay: bool = True) -> FastAPI:
    app_metrics = AppMetrics()  # per app: the middleware needs it now, the gauges join in the lifespan

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        cfg = settings or load_settings()
        configure_logging(cfg.log_level, cfg.log_json)
        clock.configure(cfg)
        url = cfg.effective_database_url
        # a read-only or foreign-owned data dir is named here ("存储不可写"), not found by a traceback
        check_api_dirs(
            cfg.data_dir,
            sqlite=url.startswith("sqlite"),
            jwt_from_file=not cfg.jwt_secret,
            local_evidence=cfg.storage == "local",
        )
        if url.startswith("sqlite"):
            private_dir(cfg.data_dir)  # 0700 also when uvicorn starts the app without `rectify`
            tighten(sqlite_files(cfg.data_dir))
        engine = engine_for(cfg, api=True)
        ensure_available(cfg.audit_hash)  # an OpenSSL without SM3 fails here, not at the first write
        if cfg.env == "production":  # `rectify serve` checks the same for any PostgreSQL deployment
            refuse_unless_safe(cfg)
        audit_info = session_info(cfg)  # the algorithm and the MAC key (audit/keys.py)
        data_keys.install_from(cfg)  # the key of contacts and secrets at rest (rectify_shared.data_keys)
        app.state.rectify = AppState(
            settings=cfg,
            engine=engine,
            write_sessions=make_sessionmaker(engine, write=True, info=audit_info),
            read_sessions=make_sessionmaker(engine, write=False, info=audit_info),
            head_revision=head_revision(),
            jwt_secret=jwt_secret(cfg.jwt_secret, cfg.data_dir),
            rate_limiter=(
                RateLimiter(cfg.effective_redis_url, cfg.rate_limit, cfg.queue_prefix) if cfg.rate_limit else None
            ),
            storage=make_storage(cfg),
            public_limiter=(
                RateLimiter(cfg.effective_redis_url, cfg.public_objection_limit, f"{cfg.queue_prefix}:public")
                if cfg.public_objection_limit
                else None
            ),
            pow_seen=RateLimiter(cfg.effective_redis_url, "1/hour", f"{cfg.queue_prefix}:pow"),
        )
        relay = OutboxRelay(
            app.state.rectify.write_sessions,
            app.state.rectify.read_sessions,
            cfg.effective_redis_url,
            cfg.queue_prefix,
            cfg.outbox_poll_seconds,
        )
        app.state.relay = relay
        heads = HeadsExporter(app.state.rectify.read_sessions, heads_path(cfg), audit_key(cfg), cfg.audit_heads_minutes)
        heads.start()
        app_metrics.attach(app.state.rectify.read_sessions, relay.check_redis, relay)
        if run_relay:
            relay.start()
        log.info("issues_api_started", database=engine.url.render_as_string(hide_password=True))
        try:
            with steady_heap():  # no full collection pauses the loop to walk the startup heap
                yield
        finally:
            tail = getattr(app.state, "feed_tail", None)
            if tail is not None:  # the change streams' poller (changes/stream.py)
                await _bounded(tail.stop(), "feed_tail")
            await _bounded(heads.stop(), "audit_heads")
            await _bounded(app_metrics.detach(), "metrics")
            await _bounded(relay.stop(), "outbox_relay")
            await _bounded(engine.dispose(), "engine")

    app = FastAPI(
        title="Rectify issues-api",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=apidocs.OPENAPI_URL,
        docs_url=None,  # apidocs serves Swagger UI and ReDoc from local assets, no CDN
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=apidocs.OAUTH2_REDIRECT_URL,
        generate_unique_id_function=operation_id,
    )
    app.include_router(apidocs.router)
    webhooks.register(app)
    app.openapi = lambda: document.build(app)  # type: ignore[method-assign]
    app.mount(apidocs.ASSETS_URL, apidocs.assets(), name="docs-assets")
    install_error_handlers(app)
    for router in PUBLIC_ROUTERS:
        app.include_router(router)
    protected = errors(401, 403, 429)
    for router in PROTECTED_ROUTERS:
        app.include_router(router, responses=protected)
    app.include_router(console_router)  # the built web console at /console/ (not part of the API document)
    type_int_path_params(app)
    # innermost of ours: the plain forms of the reads people wait on (core/fast_reads.py)
    app.add_middleware(FastReads, fastapi_app=app, reads=FAST_READS)
    app.add_middleware(FastProgressWrites, fastapi_app=app)  # the progress report's: see progress/fast.py
    idempotency.install(app)
    app.add_middleware(BodyGuard)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    app.add_middleware(BrowserAccess, fastapi_app=app)  # CORS (RECTIFY_CORS_ORIGINS) and OPTIONS' Allow
    app.add_middleware(RequestContextMiddleware)  # client address, audit request id, security headers
    # outermost of ours: counts every answer, the 413s of BodyGuard included
    app.state.metrics = app_metrics
    app.add_middleware(HttpMetricsMiddleware, metrics=app_metrics.http)
    return app
