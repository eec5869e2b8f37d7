"""Security review finding 11: a small workbook that unpacks big must not freeze the API.

The import is parsed in a separate process with time and memory limits and a cap on shared
strings; while it runs, the API answers other requests. A workbook of a few hundred KB whose
sheet unpacks to ~40 MB (one row of a million cells) is read while /healthz is asked: /healthz
answers before the import does. A workbook with more shared strings than a batch can need is
refused with 413 before openpyxl reads them.
"""

import asyncio
import io
import time
import zipfile

from .test_petition_import import GOOD, upload, workbook
from .test_petitions_api import all_cases, new_batch

SHEET = "xl/worksheets/sheet1.xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _replace(base: bytes, parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, parts.pop(item.filename, None) or src.read(item.filename))
        for name, content in parts.items():
            dst.writestr(name, content)
    return out.getvalue()


def row_bomb(cells: int = 1_300_000) -> bytes:
    row = b'<c t="inlineStr"><is><t>x</t></is></c>' * cells
    sheet = f"<worksheet {NS}><sheetData><row>".encode() + row + b"</row></sheetData></worksheet>"
    return _replace(workbook(GOOD), {SHEET: sheet})


def shared_strings_bomb(count: int = 150_000) -> bytes:
    strings = b"".join(b"<si><t>%d</t></si>" % i for i in range(count))
    sst = f'<sst {NS} count="{count}" uniqueCount="{count}">'.encode() + strings + b"</sst>"
    return _replace(workbook(GOOD), {"xl/sharedStrings.xml": sst})


async def test_finding_11_petition_import_zip_bomb_does_not_block_the_api(app, client, anon, demo_round, monkeypatch):
    if hasattr(app.state.rectify.settings, "import_timeout_seconds"):  # (the code before the fix had none)
        monkeypatch.setattr(app.state.rectify.settings, "import_timeout_seconds", 8.0)
    batch = await new_batch(client, demo_round)
    bomb = row_bomb()
    assert len(bomb) < 1024 * 1024 and sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 35e6
    order: list[str] = []

    async def importing() -> int:
        r = await upload(client, batch["id"], bomb)
        order.append("import")
        return r.status_code

    async def health() -> None:
        await asyncio.sleep(0.3)  # the import has started
        r = await anon.get("/healthz")
        assert r.status_code == 200
        order.append("healthz")

    started = time.monotonic()
    status, _ = await asyncio.gather(importing(), health())
    assert order == ["healthz", "import"], "the API did not answer while the workbook was read"
    assert time.monotonic() - started < 60, "the time limit did not stop the parse"
    assert status in (413, 422)
    assert await all_cases(client, f"&batch_id={batch['id']}") == []


async def test_finding_11_petition_import_shared_strings_cap(client, demo_round):
    batch = await new_batch(client, demo_round)
    r = await upload(client, batch["id"], shared_strings_bomb())
    assert r.status_code == 413, r.text
    error = r.json()["error"]
    assert error["code"] == "workbook_too_large" and "shared strings" in error["details"][0]["reason"]
    assert error["message"] and error["message_en"]
    # an ordinary batch still imports
    r = await upload(client, batch["id"], workbook(GOOD))
    assert r.status_code == 201, r.text
