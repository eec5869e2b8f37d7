"""Parsing an uploaded workbook off the event loop, in a process with a time and a memory limit.

A 100 KB file that unpacks to 39 MB froze the API for 37 s while openpyxl read it on the event
loop (security finding 11). The parse now runs in a fresh process (spawned, so none of the API's
threads, sockets or loop are copied) whose address space is capped (RLIMIT_AS); the API awaits
it from a thread and kills it at the time limit. The shared-strings cap and the unzipped-size cap
are checked in that process too, before openpyxl reads anything.
"""

import asyncio
import multiprocessing
import resource
from multiprocessing.connection import Connection
from typing import Any

from . import importer


def _child(conn: Connection, data: bytes, memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result: tuple[str, Any] = ("ok", importer.parse(data))
    except importer.NotXlsx as exc:
        result = ("not_xlsx", str(exc))
    except importer.TooLarge as exc:
        result = ("too_large", str(exc))
    except MemoryError:
        result = ("too_large", f"reading it needs more than {memory_mb} MB")
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("too_large", f"reading it needs more than {memory_mb} MB"))
    conn.close()


async def parse(data: bytes, seconds: float, memory_mb: int) -> importer.Parsed:
    """`importer.parse(data)` in its own process; NotXlsx or TooLarge as it would raise them, and
    TooLarge when it runs out of time or memory."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, data, memory_mb), daemon=True, name="rectify-import")
    process.start()
    sender.close()
    try:
        if not await asyncio.to_thread(receiver.poll, seconds):
            raise importer.TooLarge(f"reading it takes more than {seconds:g} s")
        try:
            kind, payload = await asyncio.to_thread(receiver.recv)
        except EOFError:  # the process died (killed by the memory limit, typically)
            raise importer.TooLarge(f"reading it needs more than {memory_mb} MB") from None
    finally:
        if process.is_alive():
            process.kill()
        await asyncio.to_thread(process.join, 5)
        receiver.close()
    if kind == "not_xlsx":
        raise importer.NotXlsx(payload)
    if kind == "too_large":
        raise importer.TooLarge(payload)
    parsed: importer.Parsed = payload
    return parsed
