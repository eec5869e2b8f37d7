"""Settings from the environment (pydantic-settings).

Each process reads them once at start-up (the app's lifespan, the worker's on_startup) and
passes the object on; nothing reads the environment at import time.
"""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from .settings_im import ImSettings
from .settings_sso import SsoSettings


class Settings(SsoSettings, ImSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field(
        "",
        validation_alias=AliasChoices("DATABASE_URL", "RECTIFY_DATABASE_URL"),
        description="postgresql://… for production; empty = SQLite file under the data dir",
    )
    redis_url: str = Field(
        "redis://127.0.0.1:6379/0",
        validation_alias=AliasChoices("REDIS_URL", "RECTIFY_REDIS_URL"),
        description="redis://host:port/db or unix:///path/to/redis.sock",
    )
    data_dir: Path = Field(Path("./var"), validation_alias="RECTIFY_DATA_DIR")
    port: int = Field(8000, validation_alias="RECTIFY_PORT")
    host: str = Field("127.0.0.1", validation_alias="RECTIFY_HOST")
    log_level: str = Field("INFO", validation_alias="RECTIFY_LOG_LEVEL")
    log_json: bool = Field(False, validation_alias="RECTIFY_LOG_JSON")
    access_log: bool = Field(True, validation_alias="RECTIFY_ACCESS_LOG", description="uvicorn's access log lines")
    max_body_bytes: int = Field(1_048_576, validation_alias="RECTIFY_MAX_BODY_BYTES")
    outbox_poll_seconds: float = Field(0.2, validation_alias="RECTIFY_OUTBOX_POLL_SECONDS")
    db_pool_size: int = Field(10, validation_alias="RECTIFY_DB_POOL_SIZE")
    db_pool_pre_ping: bool = Field(
        False,
        validation_alias="RECTIFY_DB_POOL_PRE_PING",
        description="PostgreSQL: test a pooled connection before use (off: measured ~24 % throughput for no "
        "fewer errors during a restart; a dead connection gives one 503 and is replaced)",
    )
    clock_offset_days: int = Field(
        0,
        ge=-3660,
        le=3660,
        validation_alias="RECTIFY_CLOCK_OFFSET_DAYS",
        description="move the system's clock this many days forward (demo rehearsals, tests); refused at start "
        "unless the database is the embedded SQLite one",
    )
    cors_origins: str = Field(
        "",
        validation_alias="RECTIFY_CORS_ORIGINS",
        description="comma-separated origins a browser may call the API from (https://console.example.gov.cn), "
        "or *; empty = no CORS headers at all. Credentials are never allowed (the API takes a Bearer header)",
    )
    fast_reads: bool = Field(
        True,
        validation_alias="RECTIFY_FAST_READS",
        description="serve the plain forms of the reads people wait on (the ledger list and detail, measures, to-do, "
        "dashboard figures) without FastAPI's per-request dispatch (same code, same answers: core/fast_reads.py); "
        "false = every request through FastAPI",
    )
    report_worker_nice: int = Field(
        10,
        ge=0,
        le=19,
        validation_alias="RECTIFY_REPORT_WORKER_NICE",
        description="the report worker lowers its CPU priority by this much (os.nice) so that, on a machine it "
        "shares with the API (the embedded default), a long render does not raise the API's latency; 0 = off",
    )
    report_worker_idle: bool = Field(
        True,
        validation_alias="RECTIFY_REPORT_WORKER_IDLE",
        description="on Linux the report worker runs under the SCHED_IDLE policy: it gets a core only when "
        "nothing else wants it, and a request that wakes up takes the core back at once (bench/: the list's p99 "
        "at half load rose 1.4x while a ledger rendered, 3.5x at nice 10 alone); false = nice only",
    )
    db_plan_cache_mode: str = Field(
        "force_custom_plan",
        validation_alias="RECTIFY_DB_PLAN_CACHE_MODE",
        pattern=r"^(|auto|force_custom_plan|force_generic_plan)$",
        description="PostgreSQL plan_cache_mode for the API's connections (workers keep the server's: forced custom "
        "plans re-plan every foreign-key check of a bulk insert). The ledger's queries filter by a "
        "scope range and status lists whose best plan depends on the values: the generic plan a prepared "
        "statement falls back to after five runs was measured 8x slower on the list page (bench/). "
        "Empty = the server's setting. Not sent through PgBouncer, whose unnamed statements plan per run anyway. "
        "With force_custom_plan the to-do's transaction still plans generic (its statements have no value that "
        "changes their best plan: `FastRead.generic_plans`)",
    )
    # beyond one machine (deploy/): a read replica, PgBouncer, Redis Sentinel, object storage
    database_ro_url: str = Field(
        "",
        validation_alias=AliasChoices("DATABASE_RO_URL", "RECTIFY_DATABASE_RO_URL"),
        description="a replica for report snapshots and large exports; empty = DATABASE_URL",
    )
    pgbouncer: bool = Field(
        False,
        validation_alias="RECTIFY_PGBOUNCER",
        description="connections go through PgBouncer in transaction mode: no statement caches",
    )
    db_app_role: str = Field(
        "",
        validation_alias="RECTIFY_DB_APP_ROLE",
        description="PostgreSQL: authenticated requests SET LOCAL ROLE to this non-owner role (e.g. rectify_app), "
        "so row-level security scopes them to the caller's org subtree; empty = off",
    )
    redis_sentinels: str = Field(
        "",
        validation_alias=AliasChoices("REDIS_SENTINELS", "RECTIFY_REDIS_SENTINELS"),
        description="host:port,host:port of Redis Sentinels; REDIS_URL then gives only password and db",
    )
    redis_sentinel_master: str = Field(
        "mymaster", validation_alias=AliasChoices("REDIS_SENTINEL_MASTER", "RECTIFY_REDIS_SENTINEL_MASTER")
    )
    s3_addressing_style: Literal["path", "virtual"] = Field(
        "path",
        # RECTIFY_S3_ADDRESSING: the name storage read before 0.2 (deprecated, still accepted)
        validation_alias=AliasChoices("RECTIFY_S3_ADDRESSING_STYLE", "RECTIFY_S3_ADDRESSING"),
        description="S3 bucket addressing for the evidence store; Aliyun OSS needs virtual",
    )
    heartbeat_dir: Path | None = Field(
        None,
        validation_alias="RECTIFY_HEARTBEAT_DIR",
        description="where workers write their heartbeat files; empty = <data dir>/heartbeat",
    )
    run_periodic: bool = Field(
        True,
        validation_alias="RECTIFY_RUN_PERIODIC",
        description="this worker schedules the periodic jobs (scans, sweepers); 0 on all but the scheduler",
    )
    partition_months_ahead: int = Field(
        3,
        validation_alias="RECTIFY_PARTITION_MONTHS_AHEAD",
        ge=1,
        le=36,
        description="PostgreSQL: monthly partitions the scheduler keeps created ahead of the current month",
    )
    queue_prefix: str = Field("rectify", validation_alias="RECTIFY_QUEUE_PREFIX")
    pdf_max_pages: int = Field(
        300,
        validation_alias="RECTIFY_PDF_MAX_PAGES",
        ge=1,
        description="The most pages a PDF report may have (requests estimated over it get 422; the worker enforces it)",
    )
    # limits on what one user's exports and imports may cost (docs/security.md)
    report_jobs_per_user: int = Field(
        5,
        validation_alias="RECTIFY_REPORT_JOBS_PER_USER",
        ge=1,
        description="reports one user (or API key) may have queued or running at once; more get 429",
    )
    import_timeout_seconds: float = Field(
        30.0,
        validation_alias="RECTIFY_IMPORT_TIMEOUT_SECONDS",
        gt=0,
        description="a spreadsheet import is parsed in a separate process, stopped after this long (413)",
    )
    import_max_bytes: int = Field(
        10 * 1024 * 1024,
        validation_alias="RECTIFY_IMPORT_MAX_BYTES",
        ge=1024,
        description="the largest 台账/整改方案 file a round import takes (413 above it)",
    )
    import_max_unzipped_bytes: int = Field(
        200 * 1024 * 1024,
        validation_alias="RECTIFY_IMPORT_MAX_UNZIPPED_BYTES",
        ge=1024 * 1024,
        description="the most an .xlsx/.docx may inflate to, and (import_max_ratio) how many times its size: else 413",
    )
    import_max_ratio: int = Field(100, validation_alias="RECTIFY_IMPORT_MAX_RATIO", ge=10)
    import_memory_mb: int = Field(
        768,
        validation_alias="RECTIFY_IMPORT_MEMORY_MB",
        ge=128,
        description="the address-space limit of that process (RLIMIT_AS); a workbook needing more gets 413",
    )

    # accounts and access
    jwt_secret: str = Field(
        "",
        validation_alias="RECTIFY_JWT_SECRET",
        description="HS256 key for access tokens; empty = a random key kept in the data dir (one machine only)",
    )
    access_token_minutes: int = Field(15, validation_alias="RECTIFY_ACCESS_TOKEN_MINUTES", ge=1, le=1440)
    refresh_token_days: int = Field(30, validation_alias="RECTIFY_REFRESH_TOKEN_DAYS", ge=1, le=365)
    admin_password: str = Field("admin", validation_alias="RECTIFY_ADMIN_PASSWORD")
    demo_password: str = Field("demo", validation_alias="RECTIFY_DEMO_PASSWORD")
    login_max_failures: int = Field(5, validation_alias="RECTIFY_LOGIN_MAX_FAILURES", ge=1)
    login_window_minutes: int = Field(15, validation_alias="RECTIFY_LOGIN_WINDOW_MINUTES", ge=1)
    streams_per_caller: int = Field(
        5,
        validation_alias="RECTIFY_STREAMS_PER_CALLER",
        ge=1,
        le=100_000,
        description="open change streams (GET /changes/stream) one caller may hold at once; more: 429",
    )
    rate_limit: str = Field(
        "1200/minute", validation_alias="RECTIFY_RATE_LIMIT", description="per client, across replicas (Redis)"
    )
    audit_hash: Literal["sha256", "sm3"] = Field("sha256", validation_alias="RECTIFY_AUDIT_HASH")
    # security hardening (issue 19; docs/security.md "Settings an operator must set")
    env: Literal["", "development", "production"] = Field(
        "",
        validation_alias="RECTIFY_ENV",
        description="production = refuse to start with demo passwords, a placeholder JWT secret or no audit key, "
        "whatever the database; empty = production rules apply only with a PostgreSQL DATABASE_URL",
    )
    migrate_database_url: str = Field(
        "",
        validation_alias="RECTIFY_MIGRATE_DATABASE_URL",
        description="PostgreSQL: the table owner's URL `rectify migrate` uses; the app then connects with "
        "DATABASE_URL as a role that does not own the tables (no UPDATE/DELETE on the audit trail)",
    )
    audit_key: str = Field(
        "",
        validation_alias="RECTIFY_AUDIT_KEY",
        description="the audit trail's MAC key (at least 32 characters), kept outside the database",
    )
    audit_key_file: Path | None = Field(
        None,
        validation_alias="RECTIFY_AUDIT_KEY_FILE",
        description="a file holding the audit MAC key; empty key and file = <data dir>/audit-key (embedded only)",
    )
    data_key: str = Field(
        "",
        validation_alias="RECTIFY_DATA_KEY",
        description="the key (at least 32 characters) encrypting contacts and secrets at rest (SM4-GCM), kept "
        "outside the database",
    )
    data_key_file: Path | None = Field(
        None,
        validation_alias="RECTIFY_DATA_KEY_FILE",
        description="a file holding the data key; empty key and file = <data dir>/data-key (embedded only)",
    )
    data_keys_old: str = Field(
        "",
        validation_alias="RECTIFY_DATA_KEYS_OLD",
        description="rotation: former data keys, comma-separated, still accepted for reading",
    )
    audit_heads_file: Path | None = Field(
        None,
        validation_alias="RECTIFY_AUDIT_HEADS_FILE",
        description="where chain heads are exported (JSON lines, appended); empty = <data dir>/audit-heads.jsonl",
    )
    audit_heads_minutes: int = Field(
        60, validation_alias="RECTIFY_AUDIT_HEADS_MINUTES", ge=0, description="head export period; 0 = off"
    )
    webhook_allow_networks: str = Field(
        "",
        validation_alias="RECTIFY_WEBHOOK_ALLOW_NETWORKS",
        description="comma-separated CIDRs webhook URLs may reach although private/loopback (on-prem receivers)",
    )
    trusted_proxies: str = Field(
        "",
        validation_alias="RECTIFY_TRUSTED_PROXIES",
        description="comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed; "
        "empty = none (the socket peer is the client)",
    )
    session_max_hours: int = Field(
        12, validation_alias="RECTIFY_SESSION_MAX_HOURS", ge=1, le=24 * 90, description="absolute session age"
    )
    session_idle_minutes: int = Field(
        30,
        validation_alias="RECTIFY_SESSION_IDLE_MINUTES",
        ge=1,
        le=24 * 60,
        description="a session unused (no refresh) for this long ends",
    )
    public_docs: bool = Field(
        True, validation_alias="RECTIFY_PUBLIC_DOCS", description="serve /api/v1/docs and openapi.json unauthenticated"
    )
    # delivery (empty SMTP host / SMS provider: messages go to files under the data dir)
    smtp_host: str = Field("", validation_alias="RECTIFY_SMTP_HOST")
    smtp_port: int = Field(25, validation_alias="RECTIFY_SMTP_PORT")
    smtp_from: str = Field("rectify@localhost", validation_alias="RECTIFY_SMTP_FROM")
    smtp_user: str = Field("", validation_alias="RECTIFY_SMTP_USER")
    smtp_password: str = Field("", validation_alias="RECTIFY_SMTP_PASSWORD")
    smtp_tls: Literal["none", "starttls", "ssl"] = Field("none", validation_alias="RECTIFY_SMTP_TLS")
    smtp_timeout: float = Field(10.0, validation_alias="RECTIFY_SMTP_TIMEOUT")
    sms_provider: Literal["", "aliyun", "tencent", "generic"] = Field("", validation_alias="RECTIFY_SMS_PROVIDER")
    sms_url: str = Field(
        "", validation_alias="RECTIFY_SMS_URL", description="Gateway endpoint (default: the provider's)"
    )
    sms_access_key_id: str = Field("", validation_alias="RECTIFY_SMS_ACCESS_KEY_ID")
    sms_access_key_secret: str = Field("", validation_alias="RECTIFY_SMS_ACCESS_KEY_SECRET")
    sms_sign_name: str = Field("", validation_alias="RECTIFY_SMS_SIGN_NAME", description="短信签名")
    sms_template_code: str = Field("", validation_alias="RECTIFY_SMS_TEMPLATE_CODE")
    sms_app_id: str = Field("", validation_alias="RECTIFY_SMS_APP_ID", description="Tencent SmsSdkAppId")
    sms_region: str = Field("cn-hangzhou", validation_alias="RECTIFY_SMS_REGION")
    sms_timeout: float = Field(10.0, validation_alias="RECTIFY_SMS_TIMEOUT")
    sms_quiet_hours: str = Field(
        "22:00-07:00", validation_alias="RECTIFY_SMS_QUIET_HOURS", description="Asia/Shanghai; empty disables"
    )
    delivery_max_attempts: int = Field(8, validation_alias="RECTIFY_DELIVERY_MAX_ATTEMPTS", ge=1, le=30)
    delivery_backoff_base_seconds: float = Field(
        10.0,
        validation_alias="RECTIFY_DELIVERY_BACKOFF_BASE_SECONDS",
        gt=0,
        le=3600,
        description="Ceiling of the first retry's delay; doubles per attempt (full jitter)",
    )
    delivery_backoff_cap_seconds: float = Field(
        3600.0,
        validation_alias="RECTIFY_DELIVERY_BACKOFF_CAP_SECONDS",
        gt=0,
        le=86400,
        description="The longest delay between two attempts",
    )
    digest_time: str = Field(
        "08:30",
        validation_alias="RECTIFY_DIGEST_TIME",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="When the notifier sends the daily digest of low-priority messages (Asia/Shanghai)",
    )
    sms_callback_token: str = Field(
        "",
        validation_alias="RECTIFY_SMS_CALLBACK_TOKEN",
        description="Shared secret SMS providers put in the receipt callback URL (?token=); empty disables receipts",
    )
    webhook_timeout: float = Field(10.0, validation_alias="RECTIFY_WEBHOOK_TIMEOUT")
    scan_time: str = Field(
        "07:30",
        validation_alias="RECTIFY_SCAN_TIME",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="When the notifier's daily deadline and dispatch scan runs (Asia/Shanghai)",
    )

    # evidence files (佐证材料)
    attachment_max_bytes: int = Field(20 * 1024 * 1024, validation_alias="RECTIFY_ATTACHMENT_MAX_BYTES", ge=1)
    attachment_types: str = Field(
        "pdf,jpeg,png,docx,xlsx,ofd",
        validation_alias="RECTIFY_ATTACHMENT_TYPES",
        description="comma-separated file types accepted, recognised from the content",
    )
    storage: Literal["local", "s3"] = Field("local", validation_alias="RECTIFY_STORAGE")
    s3_endpoint: str = Field("", validation_alias="RECTIFY_S3_ENDPOINT", description="https://s3.example.com")
    s3_bucket: str = Field("", validation_alias="RECTIFY_S3_BUCKET")
    s3_region: str = Field("us-east-1", validation_alias="RECTIFY_S3_REGION")
    s3_access_key_id: str = Field("", validation_alias="RECTIFY_S3_ACCESS_KEY_ID")
    s3_secret_access_key: str = Field("", validation_alias="RECTIFY_S3_SECRET_ACCESS_KEY")
    s3_prefix: str = Field("attachments/", validation_alias="RECTIFY_S3_PREFIX")
    # public notice pages: objections per client address
    public_objection_limit: str = Field("5/hour", validation_alias="RECTIFY_PUBLIC_OBJECTION_LIMIT")
    public_pow_bits: int = Field(
        16,
        ge=0,
        le=24,
        validation_alias="RECTIFY_PUBLIC_POW_BITS",
        description="the public objection form's proof of work (leading zero bits of SHA-256; 0 = off)",
    )
    # Prometheus metrics (README "Metrics")
    metrics_token: str = Field(
        "",
        validation_alias="RECTIFY_METRICS_TOKEN",
        description="issues-api GET /metrics requires `Authorization: Bearer <this>`; empty = open",
    )
    metrics_port: int = Field(
        0,
        validation_alias="RECTIFY_METRICS_PORT",
        ge=0,
        le=65535,
        description="workers serve Prometheus metrics on this port (all interfaces); 0 = off",
    )

    @property
    def allowed_attachment_types(self) -> frozenset[str]:
        return frozenset(t.strip().lower() for t in self.attachment_types.split(",") if t.strip())

    @property
    def effective_database_url(self) -> str:
        return normalise_database_url(self.database_url, self.data_dir)

    @property
    def effective_database_ro_url(self) -> str:
        """Where report snapshots and large exports read: the replica, else the primary."""
        if not self.database_ro_url:
            return self.effective_database_url
        return normalise_database_url(self.database_ro_url, self.data_dir)

    @property
    def effective_redis_url(self) -> str:
        """REDIS_URL, or with REDIS_SENTINELS a `redis+sentinel://` URL (see `rectify_shared.redis_url`)."""
        if not self.redis_sentinels.strip():
            return self.redis_url
        from .redis_url import sentinel_url

        return sentinel_url(self.redis_sentinels, self.redis_sentinel_master, self.redis_url)

    @property
    def embedded(self) -> bool:
        """The one-machine demo default (SQLite, not RECTIFY_ENV=production): demo passwords allowed."""
        if self.env == "production":
            return False
        return not self.effective_database_url.startswith("postgresql")

    @property
    def effective_heartbeat_dir(self) -> Path:
        return self.heartbeat_dir or self.data_dir / "heartbeat"


def normalise_database_url(url: str, data_dir: Path) -> str:
    """Map the URLs people write to the async drivers SQLAlchemy needs.

    A libpq multi-host URL (`postgresql://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write`)
    becomes SQLAlchemy's form (`…@/db?host=h1:5432&host=h2:5432&target_session_attrs=…`); the
    query string, `target_session_attrs` included, goes on to asyncpg.
    """
    if not url:
        return f"sqlite+aiosqlite:///{(data_dir / 'rectify.db').resolve()}"
    if url.startswith(("postgres://", "postgresql://", "postgresql+asyncpg://")):
        return "postgresql+asyncpg://" + _multi_host_to_query(url.split("://", 1)[1])
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def load_settings() -> Settings:
    return Settings()


def _multi_host_to_query(rest: str) -> str:
    """`user:pw@h1:5432,h2:5432/db?x=y` → `user:pw@/db?host=h1:5432&host=h2:5432&x=y`."""
    netloc, _, tail = rest.partition("/")
    userinfo, at, hosts = netloc.rpartition("@")
    if "," not in hosts:
        return rest
    path, _, query = tail.partition("?")
    pairs = []
    for host in hosts.split(","):
        name, colon, port = host.strip().rpartition(":")
        if not colon or not name or not port.isdigit():
            raise ValueError(
                f"DATABASE_URL: every host of a multi-host URL needs a port (host:port), got {host.strip()!r}"
            )
        pairs.append(f"host={name}:{port}")
    params = "&".join([*pairs, *([query] if query else [])])
    return f"{userinfo}{at}/{path}?{params}"
