"""Settings from the environment (pydantic-settings).

Each process reads them once at start-up (the app's lifespan, the worker's on_startup) and
passes the object on; nothing reads the environment at import time.
"""

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
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
    max_body_bytes: int = Field(1_048_576, validation_alias="RECTIFY_MAX_BODY_BYTES")
    outbox_poll_seconds: float = Field(0.2, validation_alias="RECTIFY_OUTBOX_POLL_SECONDS")
    db_pool_size: int = Field(10, validation_alias="RECTIFY_DB_POOL_SIZE")
    queue_prefix: str = Field("rectify", validation_alias="RECTIFY_QUEUE_PREFIX")
    pdf_max_pages: int = Field(
        300,
        validation_alias="RECTIFY_PDF_MAX_PAGES",
        ge=1,
        description="The most pages a PDF report may have (requests estimated over it get 422; the worker enforces it)",
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
    rate_limit: str = Field(
        "1200/minute", validation_alias="RECTIFY_RATE_LIMIT", description="per client, across replicas (Redis)"
    )
    audit_hash: Literal["sha256", "sm3"] = Field("sha256", validation_alias="RECTIFY_AUDIT_HASH")
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
    webhook_timeout: float = Field(10.0, validation_alias="RECTIFY_WEBHOOK_TIMEOUT")
    scan_time: str = Field(
        "07:30",
        validation_alias="RECTIFY_SCAN_TIME",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="When the notifier's daily deadline and dispatch scan runs (Asia/Shanghai)",
    )

    @property
    def effective_database_url(self) -> str:
        return normalise_database_url(self.database_url, self.data_dir)


def normalise_database_url(url: str, data_dir: Path) -> str:
    """Map the URLs people write to the async drivers SQLAlchemy needs."""
    if not url:
        return f"sqlite+aiosqlite:///{(data_dir / 'rectify.db').resolve()}"
    if url.startswith(("postgres://", "postgresql://")):
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url.split("://", 1)[1]
    return url


def load_settings() -> Settings:
    return Settings()
