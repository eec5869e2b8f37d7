"""A progress line for the long `rectify` commands (backup, restore, load-demo, migrate).

One line on stderr, rewritten in place (`备份 backup  [#######.....]  58 %  41/70  attachments/…`), at most
ten times a second; silent when stderr is not a terminal (logs, pipes, CI, containers), so scripts and
log collectors see only the commands' own output. RECTIFY_PROGRESS=0 silences it on a terminal too.
No dependency: neither rich nor tqdm is in the runtime lock.
"""

import os
import sys
import time
from typing import TextIO

WIDTH = 24


class Progress:
    def __init__(
        self, label: str, total: int | None = None, *, stream: TextIO | None = None, enabled: bool | None = None
    ) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            enabled = os.environ.get("RECTIFY_PROGRESS", "1") != "0" and _is_terminal(self.stream)
        self.enabled = enabled
        self._last = 0.0
        self._shown = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, n: int = 1, note: str = "") -> None:
        self.done += n
        self._draw(note)

    def update(self, done: int, total: int | None = None, note: str = "") -> None:
        self.done = done
        if total is not None:
            self.total = total
        self._draw(note)

    def line(self, note: str = "") -> str:
        if self.total:
            share = min(1.0, self.done / self.total)
            bar = "#" * round(share * WIDTH) + "." * (WIDTH - round(share * WIDTH))
            text = f"{self.label}  [{bar}] {share:4.0%}  {self.done}/{self.total}"
        else:
            text = f"{self.label}  {self.done}"
        return f"{text}  {note}"[:120].rstrip()

    def _draw(self, note: str, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1 and not (self.total and self.done >= self.total):
            return
        self._last = now
        self.stream.write("\r\x1b[2K" + self.line(note))
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self.enabled and self._shown:
            self._draw("", force=True)
            self.stream.write("\n")
            self.stream.flush()
            self._shown = False


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
