"""Error codes, catalogued per domain (issue 28, item 10).

Each domain declares the codes it answers in its own `errors.py` (the core's generic ones are
here): the code, its HTTP status, and the message in Chinese and English — a template whose
`{fields}` the raise site fills in. A code keeps one status everywhere.

    REPORT_QUOTA = CATALOGUE.code("report_quota", 429, "您已有{quota}份报告…", "You already have {quota} reports…")
    raise REPORT_QUOTA.error(quota=quota)

The OpenAPI document lists, per operation, the codes its endpoint can answer (`x-error-codes`,
found by `codes_reached`) and the whole catalogue (`x-error-catalogue`).
"""

import inspect
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import ApiError

#: every catalogued code, by (domain, code)
REGISTRY: dict[tuple[str, str], "ErrorCode"] = {}


@dataclass(frozen=True)
class ErrorCode:
    domain: str
    code: str
    status: int
    message: str
    message_en: str

    def error(
        self,
        details: list[dict[str, Any]] | None = None,
        *,
        headers: dict[str, str] | None = None,
        message: str | None = None,
        message_en: str | None = None,
        **fields: Any,
    ) -> ApiError:
        """The error to raise: the catalogue's messages filled with `fields`, unless the raise site
        words this instance itself (`message`, `message_en`)."""
        zh = message if message is not None else self.message.format(**fields)
        en = message_en if message_en is not None else self.message_en.format(**fields)
        return ApiError(self.status, self.code, zh, en, details, headers)


class Catalogue:
    """One domain's error codes."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def code(self, code: str, status: int, message: str, message_en: str) -> ErrorCode:
        entry = ErrorCode(self.domain, code, status, message, message_en)
        REGISTRY[(self.domain, code)] = entry
        return entry


def all_codes() -> list[ErrorCode]:
    """Every catalogued code (each domain's `errors.py` imported)."""
    return sorted(REGISTRY.values(), key=lambda e: (e.domain, e.code))


F = TypeVar("F", bound=Callable[..., Any])


def raises(*codes: ErrorCode) -> Callable[[F], F]:
    """Mark a helper that builds its error from data (a table of messages, a parser's verdict):
    the codes it may answer, for the document."""

    def mark(fn: F) -> F:
        fn.__error_codes__ = codes  # type: ignore[attr-defined]
        return fn

    return mark


CORE = Catalogue("core")
NOT_FOUND = CORE.code("not_found", 404, "{what}不存在", "{what_en} not found")
INVALID_INPUT = CORE.code("invalid_input", 422, "输入数据不合法", "Invalid input")
VALIDATION_ERROR = CORE.code("validation_error", 422, "输入数据不合法", "Invalid input")
UNAUTHORIZED = CORE.code("unauthorized", 401, "未认证", "Not authenticated")
FORBIDDEN = CORE.code("forbidden", 403, "无权执行此操作", "Forbidden")
CONFLICT = CORE.code("conflict", 409, "与当前状态冲突", "Conflict")
PAYLOAD_TOO_LARGE = CORE.code("payload_too_large", 413, "请求体过大", "Request body too large")
UNSUPPORTED_MEDIA_TYPE = CORE.code("unsupported_media_type", 415, "不支持的内容类型", "Unsupported media type")
TOO_MANY_REQUESTS = CORE.code("too_many_requests", 429, "请求过于频繁", "Too many requests")
UNAVAILABLE = CORE.code("unavailable", 503, "服务暂不可用", "Service unavailable")
IDEMPOTENCY_IN_PROGRESS = CORE.code(
    "idempotency_in_progress",
    409,
    "使用该幂等键的请求仍在处理中，请稍后重试",
    "A request with this Idempotency-Key is still being processed; retry shortly",
)
IDEMPOTENCY_KEY_REUSED = CORE.code(
    "idempotency_key_reused",
    422,
    "该幂等键已用于另一个请求，请为新请求使用新的幂等键",
    "This Idempotency-Key was used for a different request; use a new key for a new request",
)
#: answered by the app's handlers, on any route (core/errors.py `install`), not raised by a route
ANY_ROUTE = (
    CORE.code(
        "database_unavailable",
        503,
        "数据库暂时不可用，请稍后重试",
        "The database is temporarily unavailable, please retry",
    ),
    CORE.code("storage_not_writable", 503, "{message}。{hint_zh}", "{message_en}. Operator: {hint_en}"),
    CORE.code("invalid_body", 422, "请求体无法解析", "The request body cannot be parsed"),
    CORE.code(
        "invalid_character",
        422,
        "文本中含有不允许的字符（NUL）",
        "The text contains a character that is not allowed (NUL)",
    ),
    CORE.code("value_out_of_range", 422, "数值超出允许范围", "A number is out of the allowed range"),
    CORE.code("internal_error", 500, "服务器内部错误", "Internal server error"),
)
LINK_INVALID = CORE.code("link_invalid", 403, "链接无效", "The link is not valid")
LINK_EXPIRED = CORE.code("link_expired", 403, "链接已过期，请重新获取", "The link has expired; ask for a new one")
INVALID_CURSOR = CORE.code(
    "invalid_cursor", 422, "分页游标无效或与排序方式不符", "Invalid cursor, or a cursor from another sort order"
)
INVALID_IDEMPOTENCY_KEY = CORE.code(
    "invalid_idempotency_key",
    422,
    "幂等键须为 1–255 个可见 ASCII 字符",
    "Idempotency-Key must be 1–255 visible ASCII characters",
)


def _error_codes_of(obj: Any) -> tuple[ErrorCode, ...]:
    marked = getattr(obj, "__error_codes__", ())
    return tuple(marked) if isinstance(marked, tuple) else ()


def codes_reached(roots: Iterable[Callable[..., Any]], package: str = "issues_api") -> set[ErrorCode]:
    """The catalogued codes the functions can reach: the names their code refers to, followed through
    the package's functions, modules and classes. It over-reaches a little (an attribute named like
    a function of a module the code also names), never under: a raise site is a name in the code."""
    found: set[ErrorCode] = set()
    seen: set[int] = set()
    todo: list[Any] = list(roots)

    def ours(obj: Any) -> bool:
        return str(getattr(obj, "__module__", "") or "").startswith(package + ".")

    while todo:
        fn = inspect.unwrap(todo.pop())
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        found.update(_error_codes_of(fn))
        code = getattr(fn, "__code__", None)
        if code is None:
            continue
        names: set[str] = set()
        stack = [code]
        while stack:
            c = stack.pop()
            names.update(c.co_names)
            stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
        scope = getattr(fn, "__globals__", {})
        closure = [cell.cell_contents for cell in (getattr(fn, "__closure__", None) or ()) if _filled(cell)]
        for value in [scope.get(n) for n in names] + closure:
            if isinstance(value, ErrorCode):
                found.add(value)
            elif isinstance(value, types.ModuleType) and value.__name__.startswith(package + "."):
                for n in names:
                    attr = getattr(value, n, None)
                    if isinstance(attr, ErrorCode):
                        found.add(attr)
                    elif callable(attr) and ours(attr):
                        todo.append(attr)
            elif inspect.isclass(value) and ours(value):
                todo.extend(m for m in vars(value).values() if inspect.isfunction(m))
            elif callable(value) and ours(value):
                todo.append(value)
    return found


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def _mark_helpers() -> None:
    from . import errors

    errors.not_found.__error_codes__ = (NOT_FOUND,)  # type: ignore[attr-defined]
    errors.invalid.__error_codes__ = (INVALID_INPUT,)  # type: ignore[attr-defined]


_mark_helpers()
