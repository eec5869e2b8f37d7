"""Managing accounts and API keys, within the manager's subtree."""

import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import ApiKey, Org, UserAccount
from rectify_shared.models.types import utcnow

from ..audit.writer import diff, record_audit
from ..auth import passwords, tokens
from ..auth.principal import Principal, Role
from ..auth.service import policy_error, revoke_sessions
from ..core.error_catalogue import FORBIDDEN
from ..core.errors import invalid, not_found
from ..webhooks.ownership import deactivate_owned
from .errors import CLI_ONLY, EMPLOYEE_NO_TAKEN, SELF_LOCKOUT, USERNAME_TAKEN
from .schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, UserCreate, UserPatch, UserRead


def user_read(u: UserAccount) -> UserRead:
    return UserRead(
        id=u.id or 0,
        username=u.username,
        display_name=u.display_name,
        org_id=u.org_id,
        role=Role(u.role),
        phone=u.phone,
        email=u.email,
        wecom_userid=u.wecom_userid,
        dingtalk_userid=u.dingtalk_userid,
        employee_no=u.employee_no,
        password_login=u.password_login,
        disabled=u.disabled_at is not None,
        created_at=u.created_at,
        updated_at=u.updated_at,
    )


def key_read(k: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=k.id or 0,
        key_id=k.key_id,
        name=k.name,
        org_id=k.org_id,
        role=Role(k.role),
        created_at=k.created_at,
        expires_at=k.expires_at,
        revoked_at=k.revoked_at,
    )


def _audit_view(u: UserAccount) -> dict[str, object]:
    return {
        "username": u.username,
        "org_id": u.org_id,
        "role": u.role,
        "display_name": u.display_name,
        "phone": u.phone,
        "email": u.email,
        "wecom_userid": u.wecom_userid,
        "dingtalk_userid": u.dingtalk_userid,
        "employee_no": u.employee_no,
        "password_login": u.password_login,
        "disabled": u.disabled_at is not None,
    }


async def _org_in_scope(session: AsyncSession, principal: Principal, org_id: int, field: str) -> Org:
    org = await session.get(Org, org_id)
    if org is None or not principal.subtree.contains(org.path):
        raise invalid(field, "no such org in your scope", "单位不存在或不在管辖范围内", "No such org in your scope")
    return org


def _check_system_admin(principal: Principal, role: Role | str | None, field: str) -> None:
    """A system admin account is made (or given the role) only at the console: `rectify users create`."""
    if role == Role.system_admin and principal.kind != "system":
        raise CLI_ONLY.error(details=[{"field": field, "reason": "system_admin"}])


def _check_manages(principal: Principal, user: UserAccount) -> None:
    """An office admin does not manage a system admin's account (a system admin, or the console, does)."""
    if user.role == Role.system_admin and principal.role != Role.system_admin and principal.kind != "system":
        raise FORBIDDEN.error(
            message="不能修改系统管理员账号", message_en="A system admin's account is not yours to change"
        )


async def create_user(session: AsyncSession, principal: Principal, data: UserCreate) -> UserAccount:
    _check_system_admin(principal, data.role, "body.role")
    org = await _org_in_scope(session, principal, data.org_id, "body.org_id")
    if data.role == Role.system_admin and org.parent_id is not None:
        raise invalid("body.org_id", "a root org", "系统管理员须属于顶级单位", "A system admin belongs to a root org")
    if (weak := policy_error(data.password, data.username, "body.password")) is not None:
        raise weak
    taken = (await session.execute(select(UserAccount.id).where(UserAccount.username == data.username))).first()
    if taken:
        raise USERNAME_TAKEN.error(details=[{"field": "body.username", "reason": "taken"}])
    await _check_employee_no_free(session, data.employee_no)
    user = UserAccount(
        username=data.username,
        employee_no=data.employee_no,
        password_login=data.password_login is not False,
        display_name=data.display_name,
        password_hash=await passwords.hash_password_async(data.password),
        # set by an administrator: the user changes it at first sign-in (unless they sign in only through SSO)
        must_change_password=data.password_login is not False,
        org_id=data.org_id,
        org_path=org.path,
        role=data.role,
        phone=data.phone,
        email=str(data.email) if data.email else None,
        wecom_userid=data.wecom_userid,
        dingtalk_userid=data.dingtalk_userid,
        created_by=principal.name,
    )
    session.add(user)
    await session.flush()
    await record_audit(
        session,
        principal,
        "user.created",
        "user",
        user.id or 0,
        before=None,
        after=_audit_view(user),
        org_path=user.org_path,
    )
    return user


async def get_user(session: AsyncSession, principal: Principal, user_id: int) -> UserAccount:
    user = await session.get(UserAccount, user_id)
    if user is None or not principal.subtree.contains(user.org_path):
        raise not_found("用户", "User")
    return user


async def list_users(
    session: AsyncSession, principal: Principal, after_id: int | None, limit: int
) -> Sequence[UserAccount]:
    stmt = select(UserAccount).where(principal.subtree.clause(UserAccount.org_path))
    if after_id is not None:
        stmt = stmt.where(UserAccount.id > after_id)
    return (await session.execute(stmt.order_by(UserAccount.id).limit(limit + 1))).scalars().all()


async def _check_employee_no_free(session: AsyncSession, employee_no: str | None) -> None:
    if employee_no is None:
        return
    if (await session.execute(select(UserAccount.id).where(UserAccount.employee_no == employee_no))).first():
        raise EMPLOYEE_NO_TAKEN.error(
            employee_no=employee_no, details=[{"field": "body.employee_no", "reason": "taken"}]
        )


async def patch_user(session: AsyncSession, principal: Principal, user_id: int, data: UserPatch) -> UserAccount:
    user = await get_user(session, principal, user_id)
    fields = data.model_fields_set
    _check_system_admin(principal, data.role, "body.role")
    _check_manages(principal, user)
    if user.id == principal.id and principal.kind == "user" and ({"disabled", "role", "org_id"} & fields):
        raise SELF_LOCKOUT.error(
            message="不能停用自己的账号或修改自己的角色、单位",
            message_en="You cannot disable your own account or change your own role or org",
        )
    before = _audit_view(user)
    if "disabled" in fields and data.disabled is not None:
        if data.disabled and user.disabled_at is None:
            user.disabled_at = utcnow()
            await revoke_sessions(session, user.id or 0, "account disabled", by=principal)
            await deactivate_owned(session, user.username, "owner account disabled", principal)
        elif not data.disabled:
            user.disabled_at = None
    if "role" in fields and data.role is not None and data.role != user.role:
        user.role = data.role
        await revoke_sessions(session, user.id or 0, "role changed", by=principal)
    if "org_id" in fields and data.org_id is not None and data.org_id != user.org_id:
        await _move_user(session, principal, user, data.org_id, data.role or user.role)
    if "employee_no" in fields and data.employee_no != user.employee_no:
        await _check_employee_no_free(session, data.employee_no)
    for name in ("display_name", "phone", "wecom_userid", "dingtalk_userid", "employee_no"):
        if name in fields:
            setattr(user, name, getattr(data, name))
    if "password_login" in fields and data.password_login is not None and data.password_login != user.password_login:
        user.password_login = data.password_login
        # off: no password to change at sign-in; on again: the password is one an administrator knew
        user.must_change_password = data.password_login
    if "email" in fields:
        user.email = str(data.email) if data.email else None
    user.updated_at = utcnow()
    old, new = diff(before, _audit_view(user))
    if new:
        await record_audit(
            session, principal, "user.updated", "user", user.id or 0, before=old, after=new, org_path=user.org_path
        )
    return user


async def _move_user(session: AsyncSession, principal: Principal, user: UserAccount, org_id: int, role: str) -> None:
    """Another org (调岗): what the account sees follows it, so its sessions end."""
    org = await _org_in_scope(session, principal, org_id, "body.org_id")
    if role == Role.system_admin and org.parent_id is not None:
        raise invalid("body.org_id", "a root org", "系统管理员须属于顶级单位", "A system admin belongs to a root org")
    user.org_id, user.org_path = org_id, org.path
    await revoke_sessions(session, user.id or 0, "org changed", by=principal)


async def reset_password(session: AsyncSession, principal: Principal, user_id: int, new_password: str) -> None:
    user = await get_user(session, principal, user_id)
    _check_manages(principal, user)
    if (weak := policy_error(new_password, user.username, "body.new_password")) is not None:
        raise weak
    user.password_hash = await passwords.hash_password_async(new_password)
    user.password_changed_at = user.updated_at = utcnow()
    user.must_change_password = True  # a password someone else knows: the user replaces it at sign-in
    await revoke_sessions(session, user.id or 0, "password reset by an administrator", by=principal)
    await record_audit(
        session,
        principal,
        "user.password_reset",
        "user",
        user.id or 0,
        before=None,
        after={"password_changed_at": user.password_changed_at.isoformat()},
        org_path=user.org_path,
    )


async def create_api_key(session: AsyncSession, principal: Principal, data: ApiKeyCreate) -> ApiKeyCreated:
    org = await _org_in_scope(session, principal, data.org_id or principal.org_id, "body.org_id")
    if data.role not in (Role.integration, Role.leader):
        raise invalid(
            "body.role",
            "integration or leader only",
            "API 密钥只能是集成或只读角色",
            "An API key is an integration (or read-only leader) credential",
        )
    if data.expires_at is not None and (data.expires_at.tzinfo is None or data.expires_at <= utcnow()):
        raise invalid(
            "body.expires_at",
            "must be a future time with a zone",
            "过期时间须为带时区的将来时间",
            "expires_at must be a future time with a time zone",
        )
    secret = tokens.new_secret()
    key = ApiKey(
        key_id=secrets.token_hex(8),
        secret_hash=tokens.digest(secret),
        name=data.name,
        org_id=org.id or 0,
        org_path=org.path,
        role=data.role,
        created_by=principal.name,
        expires_at=data.expires_at,
    )
    session.add(key)
    await session.flush()
    await record_audit(
        session,
        principal,
        "apikey.created",
        "api_key",
        key.id or 0,
        before=None,
        after={"key_id": key.key_id, "name": key.name, "org_id": key.org_id, "role": key.role},
        org_path=key.org_path,
    )
    return ApiKeyCreated(**key_read(key).model_dump(), secret=tokens.format_api_key(key.key_id, secret))


async def list_api_keys(
    session: AsyncSession, principal: Principal, after_id: int | None, limit: int
) -> Sequence[ApiKey]:
    stmt = select(ApiKey).where(principal.subtree.clause(ApiKey.org_path))
    if after_id is not None:
        stmt = stmt.where(ApiKey.id > after_id)
    return (await session.execute(stmt.order_by(ApiKey.id).limit(limit + 1))).scalars().all()


async def revoke_api_key(session: AsyncSession, principal: Principal, key_id: int) -> ApiKey:
    key = await session.get(ApiKey, key_id)
    if key is None or not principal.subtree.contains(key.org_path):
        raise not_found("API 密钥", "API key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        await record_audit(
            session,
            principal,
            "apikey.revoked",
            "api_key",
            key.id or 0,
            before={"revoked_at": None},
            after={"revoked_at": key.revoked_at.isoformat()},
            org_path=key.org_path,
        )
        await deactivate_owned(session, f"apikey:{key.key_id}", "owner API key revoked", principal)
    return key
