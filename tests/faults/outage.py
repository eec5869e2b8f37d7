"""Shared by the outage tests (no tests here): the short/long switch, a writer that logs every
acknowledged ledger write, the worker processes, what escalations owe, and the results file.

Every fault test has a short version (in `make test`) and a long one (marker `faults`, run by
`make test-faults`); the measured figures of both go to tests/faults/results/*.json.
"""

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def record_result(name: str, long: bool, figures: dict[str, Any]) -> None:
    """Append the measured figures to tests/faults/results/<name>.json (ignored by git) and print them."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    runs = json.loads(path.read_text()) if path.exists() else []
    runs.append({"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "long": long, **figures})
    path.write_text(json.dumps(runs[-50:], ensure_ascii=False, indent=2))
    print(f"\n{name}: {json.dumps(figures, ensure_ascii=False)}")


@dataclass
class Worker:
    """`python -m <module>` as a process of its own, logging to a file."""

    module: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module], env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def polling(self, heartbeat_dir: Path, bound: float) -> None:
        """Wait until the worker has read its queue once (its first heartbeat, written after a
        successful poll): a cold start (imports, connecting) takes seconds, far longer on a
        loaded machine, and an outage meant for a running worker must not fall into it."""
        from rectify_shared.heartbeat import heartbeat_path

        service = self.module.replace("_", "-")
        deadline = time.monotonic() + bound
        while not heartbeat_path(heartbeat_dir, service).exists():
            assert self.alive(), f"{self.module} exited at start-up: {self.text()[-2000:]}"
            assert time.monotonic() < deadline, f"{self.module} not polling {bound:.0f}s after its start"
            await asyncio.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Write:
    at: float  # monotonic time the request was sent
    status: int  # 0: no answer at all (the request raised)
    seconds: float
    body: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class Writer:
    """Escalations, one after another, on issues picked round-robin; every answer is logged."""

    client: Any
    issue_ids: list[int]
    writes: list[Write] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    pause: float = 0.2  # ~4 escalations a second: a pace the workers keep up with when nothing fails

    async def one(self, i: int) -> Write:
        started = time.monotonic()
        body = {"level": "warning", "issue_id": self.issue_ids[i % len(self.issue_ids)], "reason": f"故障演练第{i}号"}
        try:
            r = await self.client.post("/api/v1/escalations", json=body)
            w = Write(started, r.status_code, time.monotonic() - started, r.json() if r.content else {})
        except Exception as exc:  # no answer at all: counted, never acknowledged
            w = Write(started, 0, time.monotonic() - started, error=f"{type(exc).__name__}: {exc}"[:300])
        self.writes.append(w)
        return w

    async def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            i += 1
            await self.one(i)
            await asyncio.sleep(self.pause)

    def acknowledged(self) -> list[dict[str, Any]]:
        return [w.body for w in self.writes if 200 <= w.status < 300]

    def server_errors(self) -> list[Write]:
        return [w for w in self.writes if w.status >= 500 or w.status == 0]


async def owed(sessions: Any, escalations: list[dict[str, Any]]) -> dict[str, int]:
    """What the escalations owe, per channel: the addressed org's email and SMS when it has the
    contact (SMS: a mobile), an inbox message per active user of the org, one webhook per
    `escalation.issued`."""
    from sqlalchemy import select

    from rectify_shared.models import Org, UserAccount

    async with sessions() as s:
        orgs = {o.id: o for o in (await s.execute(select(Org))).scalars()}
        users = Counter(
            (await s.execute(select(UserAccount.org_id).where(UserAccount.disabled_at.is_(None)))).scalars()
        )
    total: Counter[str] = Counter()
    for e in escalations:
        org = orgs[e["addressed_org_id"]]
        total["email"] += bool((org.contact_email or "").strip())
        total["sms"] += bool((org.mobile or "").strip())
        total["inbox"] += users[org.id]
        total["webhook"] += 1
    return {k: v for k, v in total.items() if v}
