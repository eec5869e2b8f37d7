"""Evidence storage: bytes kept under their SHA-256, behind one small async interface.

`LocalDiskStorage` (the embedded default, under the data dir) and `S3Storage` (production: any
S3-compatible service — path-style or virtual-hosted addressing, AWS Signature V4 over httpx).
Content addressing makes a write idempotent: the same bytes uploaded twice are stored once.
"""

import asyncio
import hashlib
import hmac
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote, urlsplit

import httpx

from .private_files import DIR_MODE
from .settings import Settings


class StorageError(Exception):
    """The backend failed (network, credentials, a missing bucket)."""


class Storage(Protocol):
    async def put(self, sha256: str, data: bytes) -> None: ...

    async def get(self, sha256: str) -> bytes | None: ...

    async def exists(self, sha256: str) -> bool: ...


def blob_key(sha256: str) -> str:
    """ "ab/cd/abcd…": two levels of fan-out keep directories and listings small."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


class LocalDiskStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / blob_key(sha256)

    def _put(self, sha256: str, data: bytes) -> None:
        target = self._path(sha256)
        if target.exists():
            return
        for directory in (self.root, target.parent.parent, target.parent):
            directory.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        # write then rename: a reader never sees half a file, two writers race harmlessly; mkstemp
        # creates the file 0600
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    async def put(self, sha256: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, sha256, data)

    async def get(self, sha256: str) -> bytes | None:
        path = self._path(sha256)
        return await asyncio.to_thread(lambda: path.read_bytes() if path.exists() else None)

    async def exists(self, sha256: str) -> bool:
        return await asyncio.to_thread(self._path(sha256).exists)


def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def sigv4_headers(
    method: str,
    url: str,
    *,
    region: str,
    access_key_id: str,
    secret_access_key: str,
    payload_sha256: str,
    now: datetime,
    service: str = "s3",
) -> dict[str, str]:
    """The headers that sign a request with AWS Signature Version 4 (no query string is used here)."""
    parts = urlsplit(url)
    host = parts.netloc
    amz_date = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {"host": host, "x-amz-content-sha256": payload_sha256, "x-amz-date": amz_date}
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        [
            method,
            quote(parts.path or "/", safe="/-_.~"),
            parts.query,
            "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
            signed,
            payload_sha256,
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(f"AWS4{secret_access_key}".encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "x-amz-content-sha256": payload_sha256,
        "x-amz-date": amz_date,
        "authorization": (
            f"AWS4-HMAC-SHA256 Credential={access_key_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
        ),
    }


_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class S3Storage:
    def __init__(
        self,
        endpoint: str,
        bucket: str,
        *,
        region: str,
        access_key_id: str,
        secret_access_key: str,
        addressing: Literal["path", "virtual"] = "path",
        prefix: str = "attachments/",
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.region = region
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.addressing = addressing
        self.prefix = prefix
        self.timeout = timeout
        self.transport = transport

    def object_url(self, sha256: str) -> str:
        key = quote(self.prefix + blob_key(sha256), safe="/-_.~")
        parts = urlsplit(self.endpoint)
        if self.addressing == "virtual":
            return f"{parts.scheme}://{self.bucket}.{parts.netloc}{parts.path}/{key}"
        return f"{self.endpoint}/{self.bucket}/{key}"

    async def _request(self, method: str, sha256: str, body: bytes = b"") -> httpx.Response:
        url = self.object_url(sha256)
        payload = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
        headers = sigv4_headers(
            method,
            url,
            region=self.region,
            access_key_id=self.access_key_id,
            secret_access_key=self.secret_access_key,
            payload_sha256=payload,
            now=datetime.now(UTC),
        )
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                return await client.request(method, url, content=body or None, headers=headers)
        except httpx.HTTPError as exc:
            raise StorageError(f"S3 {method} failed: {exc}") from exc

    async def put(self, sha256: str, data: bytes) -> None:
        if await self.exists(sha256):
            return
        r = await self._request("PUT", sha256, data)
        if r.status_code // 100 != 2:
            raise StorageError(f"S3 PUT answered {r.status_code}: {r.text[:300]}")

    async def get(self, sha256: str) -> bytes | None:
        r = await self._request("GET", sha256)
        if r.status_code == 404:
            return None
        if r.status_code != 200:
            raise StorageError(f"S3 GET answered {r.status_code}: {r.text[:300]}")
        return r.content

    async def exists(self, sha256: str) -> bool:
        r = await self._request("HEAD", sha256)
        if r.status_code == 404:
            return False
        if r.status_code != 200:
            raise StorageError(f"S3 HEAD answered {r.status_code}")
        return True


def make_storage(settings: Settings) -> Storage:
    if settings.storage == "s3":
        return S3Storage(
            settings.s3_endpoint,
            settings.s3_bucket,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            addressing=settings.s3_addressing_style,
            prefix=settings.s3_prefix,
        )
    return LocalDiskStorage(settings.data_dir / "attachments")
