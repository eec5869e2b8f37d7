"""Evidence files: type from the bytes, size limit, content addressing, scope, reuse flagged, and
both storage backends — local disk and a real S3 HTTP endpoint (moto's server) in the test process."""

import hashlib
import io
import socket
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from issues_api.attachments.sniff import sniff
from rectify_shared.storage import S3Storage, sigv4_headers

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _zip(*members: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for m in members:
            z.writestr(m, "<x/>")
    return buf.getvalue()


def test_types_are_recognised_from_the_content():
    assert sniff(PDF) == "pdf" and sniff(PNG) == "png" and sniff(b"\xff\xd8\xff\xe0rest") == "jpeg"
    assert sniff(_zip("[Content_Types].xml", "word/document.xml")) == "docx"
    assert sniff(_zip("[Content_Types].xml", "xl/workbook.xml")) == "xlsx"
    assert sniff(_zip("OFD.xml", "Doc_0/Document.xml")) == "ofd"
    assert sniff(_zip("random.txt")) is None and sniff(b"MZ\x90\x00 an exe") is None


async def _upload(c: Any, data: bytes, name: str = "材料.pdf", **form: Any) -> httpx.Response:
    r: httpx.Response = await c.post(
        "/api/v1/attachments", files={"file": (name, data, "application/octet-stream")}, data=form
    )
    return r


async def _task(client: Any, round_id: int, lead: str) -> int:
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    body = {"round_id": round_id, "category": "测试", "description": f"{lead}的任务", "lead_org_id": orgs[lead]}
    return int((await client.post("/api/v1/issues", json=body)).json()["id"])


async def test_upload_download_scope_and_dedupe(client, signin, demo_round, app, tmp_path):
    unit, other = await signin("abgq"), await signin("xlhts")
    r = await _upload(unit, PDF, "照片.png")  # the name says png, the bytes say pdf
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["file_type"] == "pdf" and first["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert r.headers["location"] == f"/api/v1/attachments/{first['id']}"

    r = await unit.get(f"/api/v1/attachments/{first['id']}/content")
    assert r.status_code == 200 and r.content == PDF and r.headers["content-type"] == "application/pdf"
    # another county sees neither the metadata nor the file
    assert (await other.get(f"/api/v1/attachments/{first['id']}")).status_code == 404
    assert (await other.get(f"/api/v1/attachments/{first['id']}/content")).status_code == 404
    # a leader reads within its subtree
    assert (await (await signin("leader")).get(f"/api/v1/attachments/{first['id']}/content")).content == PDF

    # the same bytes again: a new record, one stored blob
    second = (await _upload(unit, PDF, "again.pdf")).json()
    assert second["id"] != first["id"] and second["sha256"] == first["sha256"]
    blobs = [p for p in (tmp_path / "attachments").rglob("*") if p.is_file()]
    assert [p.name for p in blobs] == [first["sha256"]]

    # wrong type, empty, too large — clear 4xx, nothing stored
    r = await _upload(unit, b"just text, named like a pdf", "report.pdf")
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported_file_type"
    assert (await _upload(unit, b"", "empty.pdf")).status_code == 422
    app.state.rectify.settings.attachment_max_bytes = 1000
    r = await _upload(unit, PDF + b"0" * 2000)
    assert r.status_code == 413 and "1000" in r.json()["error"]["message"]
    app.state.rectify.settings.attachment_types = "png"
    assert (await _upload(unit, PDF)).status_code == 415
    assert (await _upload(unit, PNG, "x.png")).status_code == 201
    # a unit uploads as itself only
    orgs = {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    assert (await _upload(unit, PNG, "x.png", org_id=orgs["锡林浩特市"])).status_code == 422


async def test_same_file_for_two_tasks_is_flagged(client, signin, demo_round, app):
    unit = await signin("abgq")
    first_task, second_task = await _task(client, demo_round, "阿巴嘎旗"), await _task(client, demo_round, "阿巴嘎旗")
    for task in (first_task, second_task):
        await client.patch(f"/api/v1/issues/{task}", json={"status": "in_progress"})
    reports = []
    for task in (first_task, second_task):
        r = await unit.post(f"/api/v1/issues/{task}/progress", json={"text": "已完成"})
        reports.append(r.json()["id"])
    a = (await _upload(unit, PDF)).json()
    r = await unit.post(
        f"/api/v1/attachments/{a['id']}/links", json={"target_kind": "progress_report", "target_id": reports[0]}
    )
    assert r.status_code == 201 and r.json()["flagged"] is False
    assert r.json()["links"][0]["issue_id"] == first_task
    # the same content uploaded again and filed for the second task
    b = (await _upload(unit, PDF, "copy.pdf")).json()
    r = await unit.post(
        f"/api/v1/attachments/{b['id']}/links", json={"target_kind": "progress_report", "target_id": reports[1]}
    )
    assert r.json()["flagged"] is True and r.json()["same_file_issue_ids"] == sorted([first_task, second_task])
    dup = (await client.get("/api/v1/attachments/duplicates")).json()["items"]
    assert dup == [
        {"sha256": a["sha256"], "issue_ids": sorted([first_task, second_task]), "attachment_ids": [a["id"], b["id"]]}
    ]
    assert (await unit.get("/api/v1/attachments/duplicates")).status_code == 403
    # a target outside the caller's scope cannot be linked
    foreign = await _task(client, demo_round, "锡林浩特市")
    await client.patch(f"/api/v1/issues/{foreign}", json={"status": "in_progress"})
    fr = (await client.post(f"/api/v1/issues/{foreign}/progress", json={"text": "x"})).json()["id"]
    r = await unit.post(
        f"/api/v1/attachments/{a['id']}/links", json={"target_kind": "progress_report", "target_id": fr}
    )
    assert r.status_code == 422


# ---------------------------------------------------------------- S3


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    import boto3

    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    ).create_bucket(Bucket="evidence")
    try:
        yield endpoint
    finally:
        server.stop()


class _ToLoopback(httpx.AsyncBaseTransport):
    """Virtual-hosted addressing needs `bucket.host` to resolve: connect to 127.0.0.1, keep the Host header."""

    def __init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(host="127.0.0.1")
        return await self._inner.handle_async_request(request)


@pytest.mark.parametrize("addressing", ["path", "virtual"])
async def test_s3_storage_round_trip(s3_endpoint, addressing):
    endpoint = s3_endpoint.replace("127.0.0.1", "localhost") if addressing == "virtual" else s3_endpoint
    storage = S3Storage(
        endpoint,
        "evidence",
        region="us-east-1",
        access_key_id="k",
        secret_access_key="s",
        addressing=addressing,
        transport=_ToLoopback() if addressing == "virtual" else None,
    )
    sha = hashlib.sha256(PDF + addressing.encode()).hexdigest()
    assert storage.object_url(sha).startswith("http://evidence.localhost:" if addressing == "virtual" else endpoint)
    assert await storage.get(sha) is None and not await storage.exists(sha)
    await storage.put(sha, PDF + addressing.encode())
    await storage.put(sha, PDF + addressing.encode())  # idempotent
    assert await storage.exists(sha) and await storage.get(sha) == PDF + addressing.encode()


def test_sigv4_matches_the_reference_signer():
    """Our signature is the AWS SDK's (botocore) for the same request and instant."""
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = "http://127.0.0.1:9000/evidence/attachments/ab/cd/file"
    payload = hashlib.sha256(b"body").hexdigest()
    req = AWSRequest(method="PUT", url=url, data=b"body", headers={"x-amz-content-sha256": payload})
    S3SigV4Auth(Credentials("AKID", "SECRET"), "s3", "cn-north-1").add_auth(req)
    when = datetime.strptime(req.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    ours = sigv4_headers(
        "PUT",
        url,
        region="cn-north-1",
        access_key_id="AKID",
        secret_access_key="SECRET",
        payload_sha256=payload,
        now=when,
    )
    assert ours["authorization"] == req.headers["Authorization"]


async def test_api_on_s3_backend(s3_endpoint, db_url, redis_url, queue_prefix, tmp_path, helpers):
    from issues_api.main import create_app
    from rectify_shared.settings import Settings

    settings = Settings(
        database_url=db_url,
        redis_url=redis_url,
        data_dir=tmp_path,
        queue_prefix=queue_prefix,
        storage="s3",
        s3_endpoint=s3_endpoint,
        s3_bucket="evidence",
        s3_access_key_id="k",
        s3_secret_access_key="s",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await helpers.load_demo_into(app)
        unit = await helpers.login(app, "abgq", helpers.DEMO_PASSWORD)
        try:
            data = PDF + b"s3-api"
            a = (await _upload(unit, data)).json()
            r = await unit.get(f"/api/v1/attachments/{a['id']}/content")
            assert r.status_code == 200 and r.content == data
        finally:
            await unit.aclose()
    assert not (tmp_path / "attachments").exists()  # nothing went to the local disk
