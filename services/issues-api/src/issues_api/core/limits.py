"""Request-body guards as pure ASGI middleware: 413 for an oversized body, 415 for a wrong type."""

import json
import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_payload

_BODY_METHODS = {"POST", "PUT", "PATCH"}
#: evidence uploads: multipart bodies up to the attachment limit (plus the multipart framing)
UPLOAD_PATHS = frozenset({"/api/v1/attachments"})
_MULTIPART_OVERHEAD = 64 * 1024
#: a round's 台账/整改方案 upload: up to the import limit (checked again, with a clear message, by the import)
ROUND_IMPORT = re.compile(r"^/api/v1/rounds/\d+/imports$")
#: an office's document template (Jinja text or a Word .docx): up to 2 MiB
DOCUMENT_TEMPLATE = re.compile(r"^/api/v1/document-templates/[a-z_]+(/preview)?$")  # an upload, or a try
DOCUMENT_TEMPLATE_MAX_BYTES = 2 * 1024 * 1024

#: endpoints that take a file upload, and the types they accept besides JSON (size limit still applies)
UPLOADS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"^/api/v1/attachments$"), frozenset({"multipart/form-data"})),
    (re.compile(r"^/api/v1/rounds/\d+/imports$"), frozenset({"multipart/form-data"})),
    (
        DOCUMENT_TEMPLATE,
        frozenset(
            {
                "multipart/form-data",
                "text/plain",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/octet-stream",
            }
        ),
    ),
    (
        re.compile(r"^/api/v1/petition-batches/\d+/import$"),
        frozenset(
            {
                "multipart/form-data",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/octet-stream",
            }
        ),
    ),
)


def _upload_allows(path: str, ctype: str) -> bool:
    return any(pattern.match(path) and ctype in types for pattern, types in UPLOADS)


class BodyGuard:
    def __init__(self, app: ASGIApp, json_prefix: str = "/api/") -> None:
        self.app = app
        self.json_prefix = json_prefix

    @staticmethod
    def limit_for(path: str, settings: Any) -> int:
        """The largest body `path` accepts."""
        if path in UPLOAD_PATHS:
            return int(settings.attachment_max_bytes) + _MULTIPART_OVERHEAD
        if ROUND_IMPORT.match(path):
            return int(settings.import_max_bytes) + _MULTIPART_OVERHEAD
        if DOCUMENT_TEMPLATE.match(path):
            return DOCUMENT_TEMPLATE_MAX_BYTES + _MULTIPART_OVERHEAD
        return int(settings.max_body_bytes)

    @classmethod
    def _limit(cls, scope: Scope) -> int:
        # settings are read once in the lifespan and live on the app state
        return cls.limit_for(scope["path"], scope["app"].state.rectify.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self._limit(scope)
        length = headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _reject(send, 413)
            return
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        has_body = length not in (None, "0") or "transfer-encoding" in headers
        if (
            scope["path"].startswith(self.json_prefix)
            and has_body
            and ctype not in ("application/json", "application/x-www-form-urlencoded")
            and not ctype.endswith("+json")
            and not _upload_allows(scope["path"], ctype)
        ):
            await _reject(send, 415)
            return

        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _reject(send, 413)
        except Exception:
            if too_large and not started:
                await _reject(send, 413)
            else:
                raise


class _BodyTooLarge(Exception):
    pass


async def _reject(send: Send, status: int) -> None:
    body = json.dumps(error_payload(status), ensure_ascii=False).encode()
    headers: list[Any] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
