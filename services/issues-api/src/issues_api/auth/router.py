from typing import Annotated

from fastapi import APIRouter, Form, Request

from ..core.deps import SessionDep, get_state
from ..core.error_catalogue import INVALID_INPUT
from ..core.errors import errors
from . import service
from .deps import Self, client_addr
from .errors import FORM_EXPECTED
from .schemas import Me, OrgBrief, PasswordChange, TokenResponse
from .sessions import SessionRead, end_own_session, open_sessions

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", response_model=TokenResponse, responses=errors(401, 403, 415, 422, 429))
async def token(
    request: Request,
    session: SessionDep,
    grant_type: Annotated[str, Form(pattern="^(password|refresh_token)$")] = "password",
    username: Annotated[str | None, Form(max_length=64)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    refresh_token: Annotated[str | None, Form(max_length=300)] = None,
) -> TokenResponse:
    """OAuth2 token endpoint: the body is a **form** (`application/x-www-form-urlencoded`, as OAuth2
    requires), not JSON — a JSON body is refused with 415 saying so. `grant_type=password` with
    `username` and `password`, or `grant_type=refresh_token` with `refresh_token` (rotated: the old
    one stops working). Send the access token as `Authorization: Bearer <token>`.
    本接口只接受表单（OAuth2），不接受 JSON。"""
    if request.headers.get("content-type", "").split(";")[0].strip().lower().endswith("json"):
        raise FORM_EXPECTED.error(details=[{"field": "body", "reason": "form expected"}])
    state = get_state(request)
    if grant_type == "refresh_token":
        if not refresh_token:
            raise INVALID_INPUT.error(
                message="缺少刷新令牌",
                message_en="refresh_token is required",
                details=[{"field": "body.refresh_token", "reason": "required"}],
            )
        result = await service.refresh_grant(session, state.settings, state.jwt_secret, refresh_token[:300])
    else:
        if not username or not password:
            raise INVALID_INPUT.error(
                message="缺少用户名或密码",
                message_en="username and password are required",
                details=[{"field": "body.username", "reason": "required"}],
            )
        result = await service.password_grant(
            session, state.settings, state.jwt_secret, username, password, client_addr(request)
        )
    await session.commit()
    return result


@router.get("/me", response_model=Me)
async def me(principal: Self, session: SessionDep) -> Me:
    """The signed-in user (or API key): role and org."""
    return Me(
        kind=principal.kind,
        id=principal.id,
        username=principal.name,
        role=principal.role,
        org=OrgBrief(id=principal.org_id, name=await service.org_name(session, principal.org_id)),
    )


@router.post("/me/password", status_code=204, responses=errors(409, 415, 422))
async def change_password(data: PasswordChange, principal: Self, session: SessionDep) -> None:
    """Change your own password; your other sessions are signed out."""
    await service.change_own_password(session, principal, data.current_password, data.new_password)
    await session.commit()


@router.post("/auth/logout", status_code=204, responses=errors(409))
async def logout(principal: Self, session: SessionDep) -> None:
    """Sign out: this session ends (its access and refresh tokens stop working)."""
    await end_own_session(session, principal, None, "logout")
    await session.commit()


@router.get("/me/sessions", response_model=list[SessionRead], responses=errors(409))
async def my_sessions(principal: Self, session: SessionDep, request: Request) -> list[SessionRead]:
    """Your open sessions (sign-ins), newest first; `id` is a reference, not the session id."""
    return await open_sessions(session, principal, get_state(request).settings)


@router.delete("/me/sessions/{session_ref}", status_code=204, responses=errors(404, 409))
async def end_my_session(session_ref: str, principal: Self, session: SessionDep) -> None:
    """End one of your own sessions (e.g. a phone you lost)."""
    await end_own_session(session, principal, session_ref[:64], "ended by its user")
    await session.commit()
