from pydantic import BaseModel, ConfigDict, Field

from .principal import Role


class TokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…",
                    "token_type": "bearer",
                    "expires_in": 900,
                    "refresh_token": "5f0c…e1.Qm9v…",
                }
            ]
        }
    )

    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_token: str
    must_change_password: bool = Field(
        False, description="true: a password an administrator set; change it (POST /api/v1/me/password) first"
    )


class OrgBrief(BaseModel):
    id: int
    name: str


class Me(BaseModel):
    kind: str = Field(examples=["user"], description="user | api_key")
    id: int
    username: str
    role: Role
    org: OrgBrief
    display_name: str | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"current_password": "old-secret-1", "new_password": "new-secret-2024"}]},
    )

    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(
        min_length=1, max_length=200, description="at least 10 characters of 3 kinds; not common, not the username"
    )
