"""One error format for every error, FastAPI's own validation errors included.

{"error": {"code", "message" (zh-CN), "message_en", "details": [...], "request_id"}}
"""

from typing import Any

import asyncpg
import structlog
from asgi_correlation_id import correlation_id
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from rectify_shared.fs_errors import StateLog, StorageFault, storage_fault

from .validation_messages import reason_zh

log = structlog.get_logger(__name__)


class ErrorDetail(BaseModel):
    field: str | None = Field(default=None, examples=["query.limit"])
    row: int | None = None
    column: str | None = None
    reason: str = Field(examples=["Input should be less than or equal to 200"])
    reason_zh: str | None = Field(default=None, examples=["须小于或等于 200"], description="The reason in Chinese")
    type: str | None = Field(default=None, examples=["less_than_equal"], description="pydantic's error type")


class ErrorBody(BaseModel):
    code: str = Field(examples=["illegal_transition"])
    message: str = Field(examples=["不允许的状态变更"])
    message_en: str = Field(examples=["Illegal status transition"])
    details: list[ErrorDetail] = []
    request_id: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        message_en: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message = message
        self.message_en = message_en
        self.details = details or []
        self.headers = headers


def not_found(what_zh: str, what_en: str) -> ApiError:
    return ApiError(404, "not_found", f"{what_zh}不存在", f"{what_en} not found")


def invalid(field: str, reason: str, message: str, message_en: str) -> ApiError:
    return ApiError(422, "invalid_input", message, message_en, [{"field": field, "reason": reason}])


_STATUS_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求格式错误", "Bad request"),
    401: ("unauthorized", "未认证", "Not authenticated"),
    403: ("forbidden", "无权执行此操作", "Forbidden"),
    404: ("not_found", "资源不存在", "Not found"),
    405: ("method_not_allowed", "不支持该请求方法", "Method not allowed"),
    409: ("conflict", "与当前状态冲突", "Conflict"),
    413: ("payload_too_large", "请求体过大", "Request body too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "Unsupported media type"),
    422: ("validation_error", "输入数据不合法", "Invalid input"),
    429: ("too_many_requests", "请求过于频繁", "Too many requests"),
    503: ("unavailable", "服务暂不可用", "Service unavailable"),
}


def error_payload(
    status: int,
    code: str | None = None,
    message: str | None = None,
    message_en: str | None = None,
    details: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    d_code, d_msg, d_en = _STATUS_TEXT.get(status, ("error", "请求失败", "Request failed"))
    return {
        "error": {
            "code": code or d_code,
            "message": message or d_msg,
            "message_en": message_en or d_en,
            "details": details or [],
            "request_id": correlation_id.get(),
        }
    }


def error_response(status: int, headers: dict[str, str] | None = None, **kw: Any) -> JSONResponse:
    return JSONResponse(error_payload(status, **kw), status_code=status, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        details.append(
            {
                "field": ".".join(loc) or None,
                "reason": err.get("msg", "invalid"),
                "reason_zh": reason_zh(err),
                "type": err.get("type"),
            }
        )
    return details


def _validation_response(details: list[dict[str, Any]]) -> JSONResponse:
    """422 whose message names the first problem in both languages (every one is in `details`)."""
    if not details:
        return error_response(422, details=details)
    first, more = details[0], len(details) - 1
    where = f"{first['field']}：" if first["field"] else ""
    return error_response(
        422,
        details=details,
        message=f"输入数据不合法：{where}{first['reason_zh']}" + (f"（另有 {more} 处）" if more else ""),
        message_en=f"Invalid input: {first['field'] + ': ' if first['field'] else ''}{first['reason']}"
        + (f" (and {more} more)" if more else ""),
    )


_UNPARSABLE_BODY = "There was an error parsing the body"


def _unstorable_kind(exc: BaseException) -> str | None:
    cause = exc.orig if isinstance(exc, StatementError) else exc
    text = str(cause)
    if ("0x00" in text and "invalid byte sequence" in text) or "unsupported Unicode escape sequence" in text:
        return "nul"
    if isinstance(cause, OverflowError) or isinstance(exc, DataError) or "out of int" in text or "out of range" in text:
        return "range"
    return None


#: asyncpg errors that mean "the server is gone or not accepting connections", not "bad query"
_ASYNCPG_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionFailureError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionError,
    TimeoutError,
)
_CLOSED_TEXT = ("connection is closed", "connection was closed", "underlying connection is closed")


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception, the driver error it wraps, and their causes (at most a few links)."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 8:
        e = todo.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [getattr(e, "orig", None), e.__cause__, e.__context__]
    return seen


def db_unavailable(exc: BaseException) -> bool:
    """A connection-level database failure (restart, terminated backend, refused connect).

    Errors about a value (out of range, NUL) are not: they are bad input, answered 422."""
    if _unstorable_kind(exc) is not None:
        return False
    if storage_fault(exc) is not None:  # a read-only, full or forbidden disk is not the database
        return False
    for e in _causes(exc):
        if isinstance(e, DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, _ASYNCPG_UNAVAILABLE):
            return True
        if isinstance(e, OSError) and not isinstance(
            e, FileNotFoundError | PermissionError | IsADirectoryError | NotADirectoryError
        ):
            return True
        if isinstance(e, asyncpg.exceptions.InterfaceError) and any(t in str(e) for t in _CLOSED_TEXT):
            return True
    return False


def unavailable_response() -> JSONResponse:
    return error_response(
        503,
        headers={"Retry-After": "1"},
        code="database_unavailable",
        message="数据库暂时不可用，请稍后重试",
        message_en="The database is temporarily unavailable, please retry",
    )


#: one warning per kind of storage fault (and its end), not one per request
_STORAGE_LOG = StateLog("issues-api")


def storage_unavailable_response(fault: StorageFault) -> JSONResponse:
    """503 `storage_not_writable`: the evidence or data directory cannot be written."""
    _STORAGE_LOG.failed(fault)
    return error_response(
        503,
        headers={"Retry-After": "30"},
        code="storage_not_writable",
        message=f"{fault.message}。{fault.hint_zh}",
        message_en=f"{fault.message_en}. Operator: {fault.hint_en}",
        details=[{"field": None, "reason": fault.reason}],
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(
            exc.status,
            headers=exc.headers,
            code=exc.code,
            message=exc.message,
            message_en=exc.message_en,
            details=exc.details,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_response(_validation_details(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # The framework's 400s are all bodies it could not parse: a body that is not UTF-8 JSON,
        # a broken multipart form. The API documents 422 for bad input, so they answer 422.
        if exc.status_code == 400 and exc.detail == _UNPARSABLE_BODY:
            return error_response(
                422,
                code="invalid_body",
                message="请求体无法解析（须为 UTF-8 编码的 JSON）",
                message_en="The request body cannot be parsed (UTF-8 JSON expected)",
                details=[{"field": "body", "reason": "unparsable"}],
            )
        if exc.status_code == 400:
            return error_response(
                422,
                code="invalid_body",
                message="请求体无法解析（表单或文件格式错误）",
                message_en="The request body cannot be parsed (malformed form or file upload)",
                details=[{"field": "body", "reason": str(exc.detail)[:200]}],
            )
        return error_response(exc.status_code, headers=getattr(exc, "headers", None))

    # A value the database cannot hold — an id beyond its integer column (10**20), or a NUL
    # character PostgreSQL text refuses — is bad input found only when the query binds it: 422,
    # and the transaction is rolled back.
    @app.exception_handler(OverflowError)
    @app.exception_handler(StatementError)
    async def _unstorable(_: Request, exc: Exception) -> JSONResponse:
        kind = _unstorable_kind(exc)
        if kind == "nul":
            return error_response(
                422,
                code="invalid_character",
                message="文本中含有不允许的字符（NUL）",
                message_en="The text contains a character that is not allowed (NUL)",
            )
        if kind == "range":
            return error_response(
                422,
                code="value_out_of_range",
                message="数值超出允许范围",
                message_en="A number is out of the allowed range",
            )
        if db_unavailable(exc):
            log.warning("database_unavailable", error=str(exc)[:300])
            return unavailable_response()
        raise exc  # a server error after all: the generic handler logs it and answers 500

    # A connect that fails (refused, server starting or shutting down) is not wrapped by SQLAlchemy.
    @app.exception_handler(OSError)
    @app.exception_handler(asyncpg.exceptions.PostgresError)
    @app.exception_handler(asyncpg.exceptions.InterfaceError)
    async def _driver(request: Request, exc: Exception) -> JSONResponse:
        if (fault := storage_fault(exc)) is not None:
            return storage_unavailable_response(fault)
        if db_unavailable(exc):
            log.warning("database_unavailable", error=str(exc)[:300])
            return unavailable_response()
        return await _unhandled(request, exc)

    @app.exception_handler(Exception)
    async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
        if (fault := storage_fault(exc)) is not None:
            return storage_unavailable_response(fault)
        if db_unavailable(exc):  # raised outside a route (middleware, dependency teardown)
            log.warning("database_unavailable", error=str(exc)[:300])
            return unavailable_response()
        log.exception("unhandled_error", error=str(exc))
        return error_response(500, code="internal_error", message="服务器内部错误", message_en="Internal server error")


#: the documented error responses, for `responses=` on routes
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorResponse, "description": "Invalid input / 输入数据不合法"},
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        401: "Not authenticated / 未认证",
        403: "Forbidden for your role / 无权操作",
        429: "Too many requests / 请求过于频繁",
        404: "Not found / 不存在",
        409: "Conflict / 状态冲突",
        413: "Too large / 过大",
        415: "Wrong media type / 内容类型错误",
        422: "Invalid input / 输入不合法",
        503: "Unavailable / 不可用",
    }
    out: dict[int | str, dict[str, Any]] = {
        c: {"model": ErrorResponse, "description": text.get(c, "Error")} for c in codes
    }
    # every route reads the database: while it restarts, the answer is 503 with Retry-After
    # (and a route that writes files answers 503 `storage_not_writable` when its disk cannot be written)
    out.setdefault(503, {"model": ErrorResponse, "description": "Database temporarily unavailable / 数据库暂时不可用"})
    out[503]["headers"] = {
        "Retry-After": {"description": "seconds to wait / 重试前等待秒数", "schema": {"type": "integer"}}
    }
    return out
