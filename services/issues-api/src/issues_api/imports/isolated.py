"""Parsing an upload in its own process, with a time and a memory limit, off the event loop.

As for petition batches (petitions/isolated.py): a spawned process (none of the API's threads,
sockets or loop copied) with its address space capped (RLIMIT_AS); the API awaits it from a
thread and kills it at the time limit.
"""

import asyncio
import multiprocessing
import resource
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

from rectify_shared.workcalendar import WorkCalendar

from .rows import Parsed


class ParseFailed(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.code, self.zh, self.en = status, code, zh, en


def _child(
    conn: Connection, data: bytes, kind: str, calendar: WorkCalendar, issued_on: date | None, memory_mb: int
) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        from .files import parse

        result: tuple[str, Any] = ("ok", parse(data, kind, calendar, issued_on))
    except MemoryError:
        result = ("too_large", f"reading it needs more than {memory_mb} MB")
    except Exception as exc:  # openpyxl and python-docx raise many kinds on a broken file
        result = ("unreadable", f"{type(exc).__name__}: {str(exc)[:200]}")
    try:
        conn.send(result)
    except MemoryError:
        conn.send(("too_large", f"reading it needs more than {memory_mb} MB"))
    conn.close()


async def parse(
    data: bytes, kind: str, calendar: WorkCalendar, issued_on: date | None, seconds: float, memory_mb: int
) -> Parsed:
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, data, kind, calendar, issued_on, memory_mb), daemon=True, name="rectify-import"
    )
    process.start()
    sender.close()
    too_large = ParseFailed(
        413,
        "file_too_costly",
        f"文件读取超过{seconds:g}秒或{memory_mb} MB内存，请拆分后上传",
        f"Reading the file takes more than {seconds:g} s or {memory_mb} MB; split it",
    )
    try:
        if not await asyncio.to_thread(receiver.poll, seconds):
            raise too_large
        try:
            kind_, payload = await asyncio.to_thread(receiver.recv)
        except EOFError:
            raise too_large from None
    finally:
        if process.is_alive():
            process.kill()
        await asyncio.to_thread(process.join, 5)
        receiver.close()
    if kind_ == "too_large":
        raise too_large
    if kind_ == "unreadable":
        raise ParseFailed(422, "unreadable_file", f"文件无法读取：{payload}", f"The file cannot be read: {payload}")
    parsed: Parsed = payload
    return parsed
