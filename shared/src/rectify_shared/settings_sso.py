"""Settings of single sign-on (OIDC, CAS) and of the cipher at rest, mixed into `Settings`.

Every SSO provider is off until its URL is set. The OIDC client secret lives in the environment
(or a file), never in the database.
"""

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

Match = Literal["username", "employee_no", "phone"]


class SsoSettings(BaseSettings):
    oidc_issuer: str = Field(
        "",
        validation_alias="RECTIFY_OIDC_ISSUER",
        description="OIDC issuer URL (discovery at <issuer>/.well-known/openid-configuration); empty = off",
    )
    oidc_client_id: str = Field("", validation_alias="RECTIFY_OIDC_CLIENT_ID")
    oidc_client_secret: str = Field("", validation_alias="RECTIFY_OIDC_CLIENT_SECRET")
    oidc_client_secret_file: Path | None = Field(None, validation_alias="RECTIFY_OIDC_CLIENT_SECRET_FILE")
    oidc_claim: str = Field(
        "preferred_username",
        validation_alias="RECTIFY_OIDC_CLAIM",
        description="the ID-token claim naming the person (e.g. preferred_username, employee_number, phone_number)",
    )
    oidc_match: Match = Field(
        "username",
        validation_alias="RECTIFY_OIDC_MATCH",
        description="which account field the claim is matched to: username, employee_no (工号) or phone",
    )
    oidc_scopes: str = Field("openid profile", validation_alias="RECTIFY_OIDC_SCOPES")
    oidc_name: str = Field(
        "统一身份认证", validation_alias="RECTIFY_OIDC_NAME", description="the sign-in button's text"
    )
    cas_url: str = Field(
        "",
        validation_alias="RECTIFY_CAS_URL",
        description="CAS server prefix (…/login, …/p3/serviceValidate under it); empty = off",
    )
    cas_attribute: str = Field(
        "",
        validation_alias="RECTIFY_CAS_ATTRIBUTE",
        description="the CAS 3.0 attribute naming the person; empty = the CAS user (cas:user)",
    )
    cas_match: Match = Field("username", validation_alias="RECTIFY_CAS_MATCH")
    cas_name: str = Field("CAS 统一认证", validation_alias="RECTIFY_CAS_NAME")
    sso_clock_skew_seconds: int = Field(
        60, validation_alias="RECTIFY_SSO_CLOCK_SKEW_SECONDS", ge=0, le=600, description="leeway on ID-token times"
    )
    sso_public_url: str = Field(
        "",
        validation_alias="RECTIFY_PUBLIC_URL",
        description="the address people reach Rectify at (callback URLs); empty = the request's own",
    )
    sso_timeout: float = Field(10.0, validation_alias="RECTIFY_SSO_TIMEOUT")
    data_cipher: Literal["sm4-gcm", "aes-256-gcm"] = Field(
        "sm4-gcm",
        validation_alias="RECTIFY_DATA_CIPHER",
        description="cipher of contacts and secrets at rest; either reads back (each value names its cipher)",
    )
