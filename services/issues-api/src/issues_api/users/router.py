from fastapi import APIRouter, Response

from ..auth.deps import ApiKeysManager, UsersManager
from ..core.deps import SessionDep
from ..core.errors import errors
from ..core.pagination import Cursor, Limit, Page, decode_cursor, page_of
from . import service
from .schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, PasswordReset, UserCreate, UserPatch, UserRead

router = APIRouter(prefix="/api/v1", tags=["users"])


@router.post("/users", status_code=201, response_model=UserRead, responses=errors(409, 415, 422))
async def create_user(data: UserCreate, principal: UsersManager, session: SessionDep, response: Response) -> UserRead:
    """Create an account in your subtree (office_admin)."""
    user = await service.create_user(session, principal, data)
    await session.commit()
    response.headers["Location"] = f"/api/v1/users/{user.id}"
    return service.user_read(user)


@router.get("/users", response_model=Page[UserRead], responses=errors(422))
async def list_users(
    principal: UsersManager, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[UserRead]:
    after = decode_cursor(cursor, "id")[1] if cursor else None
    rows = await service.list_users(session, principal, after, limit)
    items, nxt = page_of(rows, limit, "id", lambda u: (u.id, u.id or 0))
    return Page[UserRead](items=[service.user_read(u) for u in items], next_cursor=nxt)


@router.get("/users/{user_id}", response_model=UserRead, responses=errors(404))
async def get_user(user_id: int, principal: UsersManager, session: SessionDep) -> UserRead:
    return service.user_read(await service.get_user(session, principal, user_id))


@router.patch("/users/{user_id}", response_model=UserRead, responses=errors(404, 409, 415, 422))
async def patch_user(user_id: int, data: UserPatch, principal: UsersManager, session: SessionDep) -> UserRead:
    """Disable or re-enable an account, change its role or contact details. Disabling or a new
    role signs the user out everywhere."""
    user = await service.patch_user(session, principal, user_id, data)
    await session.commit()
    return service.user_read(user)


@router.post("/users/{user_id}/password", status_code=204, responses=errors(404, 415, 422))
async def reset_password(user_id: int, data: PasswordReset, principal: UsersManager, session: SessionDep) -> None:
    """Set a new password for a user (administrator reset); their sessions are signed out."""
    await service.reset_password(session, principal, user_id, data.new_password)
    await session.commit()


@router.post("/api-keys", status_code=201, response_model=ApiKeyCreated, responses=errors(415, 422))
async def create_api_key(
    data: ApiKeyCreate, principal: ApiKeysManager, session: SessionDep, response: Response
) -> ApiKeyCreated:
    """Create an API key for a machine client. The `secret` is shown only in this response."""
    created = await service.create_api_key(session, principal, data)
    await session.commit()
    response.headers["Location"] = f"/api/v1/api-keys/{created.id}"
    return created


@router.get("/api-keys", response_model=Page[ApiKeyRead], responses=errors(422))
async def list_api_keys(
    principal: ApiKeysManager, session: SessionDep, limit: Limit = 50, cursor: Cursor = None
) -> Page[ApiKeyRead]:
    after = decode_cursor(cursor, "id")[1] if cursor else None
    rows = await service.list_api_keys(session, principal, after, limit)
    items, nxt = page_of(rows, limit, "id", lambda k: (k.id, k.id or 0))
    return Page[ApiKeyRead](items=[service.key_read(k) for k in items], next_cursor=nxt)


@router.post("/api-keys/{key_id}/revoke", response_model=ApiKeyRead, responses=errors(404))
async def revoke_api_key(key_id: int, principal: ApiKeysManager, session: SessionDep) -> ApiKeyRead:
    key = await service.revoke_api_key(session, principal, key_id)
    await session.commit()
    return service.key_read(key)
