"""Accounts, login sessions, API keys and failed-login records (owned by issues-api)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, event, false, true
from sqlmodel import Field, SQLModel

from ..data_keys import EncryptedString, blind_index
from .types import PathString, UTCDateTime, utcnow


class UserAccount(SQLModel, table=True):
    """A person (or an OAuth machine client) holding one role over its org's subtree."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_type=String(64), unique=True)
    display_name: str | None = Field(default=None, max_length=100)
    password_hash: str = Field(max_length=300)
    org_id: int = Field(foreign_key="org.id", index=True)
    org_path: str = Field(sa_type=PathString, index=True)
    role: str = Field(sa_type=String(30))
    phone: str | None = Field(default=None, sa_type=EncryptedString)  # encrypted at rest (#21)
    #: keyed blind index of `phone` (HMAC-SM3, `data_keys.blind_index`): matches an SSO identity by phone
    phone_index: str | None = Field(default=None, sa_type=String(80), index=True)
    #: 工号: an SSO identity may be matched by it (RECTIFY_OIDC_MATCH / RECTIFY_CAS_MATCH=employee_no)
    employee_no: str | None = Field(default=None, sa_type=String(64), unique=True)
    #: false = this person signs in only through single sign-on (POST /auth/token refuses the password)
    password_login: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    email: str | None = Field(default=None, sa_type=EncryptedString)
    #: 企业微信 / 钉钉 userids: where work messages go (encrypted at rest like phone and email)
    wecom_userid: str | None = Field(default=None, sa_type=EncryptedString)
    dingtalk_userid: str | None = Field(default=None, sa_type=EncryptedString)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    #: set when an administrator set or reset the password: the user must change it at sign-in
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@event.listens_for(UserAccount, "before_insert")
@event.listens_for(UserAccount, "before_update")
def _index_phone(_mapper: Any, _conn: Any, user: UserAccount) -> None:
    """The phone's blind index follows the phone, whoever writes it through the ORM."""
    user.phone_index = blind_index(user.phone)


class AuthSession(SQLModel, table=True):
    """One login: its refresh token (hashed, rotated on use) and its revocation.

    Access tokens name their session; a revoked session or a disabled user stops them at the
    next request — the check is in the database, so it holds while Redis is down.
    """

    __tablename__ = "auth_session"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    refresh_hash: str = Field(sa_type=String(64), unique=True)
    #: the refresh token rotated out last: only its return proves a copy (and ends the session)
    prev_refresh_hash: str | None = Field(default=None, sa_type=String(64))
    refresh_expires_at: datetime = Field(sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_reason: str | None = Field(default=None, max_length=200)
    client_addr: str | None = Field(default=None, max_length=64)


class ApiKey(SQLModel, table=True):
    """A machine client's key (`rk_<key_id>_<secret>`); only the secret's hash is stored."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    key_id: str = Field(sa_type=String(32), unique=True)
    secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=100)
    org_id: int = Field(foreign_key="org.id", index=True)
    org_path: str = Field(sa_type=PathString, index=True)
    role: str = Field(sa_type=String(30))
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginFailure(SQLModel, table=True):
    """Failed logins, counted per username and per client address to throttle guessing."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_client_at", "client_addr", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64)
    client_addr: str | None = Field(default=None, max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
