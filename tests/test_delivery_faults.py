"""Fault injection, end to end: N escalations issued through the API reach real receivers while the
notifier is SIGKILLed twice and Redis loses everything once.

* Processes and servers: a `redis-server` of our own (no persistence) on a free port, the notifier
  as `python -m notifier`, the issues-api in-process with its outbox relay, an SMS gateway that
  answers 500 to ~20 % of requests and sleeps past the client's timeout for ~5 %, an aiosmtpd
  server, a webhook endpoint verifying Standard Webhooks signatures. Each receiver records the
  idempotency id of every message it accepts (SMS `Idempotency-Key`, email `Message-ID`,
  `webhook-id`).
* Faults, while the escalations are being created: SIGKILL of the notifier at 1/4 and 3/4 (and a
  restart), `redis-cli shutdown nosave` at 1/2 (and a restart). A notifier that exits by itself is
  restarted too, as its supervisor would, and that is reported.
* Then the database must settle: every delivery `sent` or `failed`, as many rows as the
  escalations owe, every event received. Receivers may see an id twice (a resend after a kill or
  a timeout carries the same id, so they can drop it) but never an id the database does not know.

Leases a dead worker leaves behind, and the reconciler's grace, are ended instead of waited out
(RECTIFY_FAULT_REAL_TIME=1 waits them out, ~5 more minutes): arq's in-progress key of each job the
killed notifier held (job_timeout + 10 s = 310 s; until then arq does not rerun the job, and the
sweeper cannot enqueue a row's send under the same job id), the 5-minute `sending` lease of rows
claimed before the kill (the sweeper then releases them), and the 2-minute grace of events
published before the Redis loss and still not received (the reconciler then takes them at its next
minute). Retry backoff, once every fault is in, is moved too: a pending row waiting out its backoff
is made due and its deferred job (arq's queue is a sorted set scored by run time) is moved to now —
one clock, moved in the database and in Redis alike. With the product's constants (10 s base,
doubling, 6 attempts) the backoff alone could add up to 310 s; it is not configurable yet.

Run with `make test-faults` (N=1000), or `RECTIFY_FAULT_N=200 .venv/bin/pytest -m faults tests/test_delivery_faults.py`.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import String, and_, cast, exists, func, select, update

from .fault_servers import FlakySmsGateway, RedisServer, SmtpRecorder, WebhookEndpoint, http_server, smtp_server

pytestmark = pytest.mark.faults  # not `e2e`: `-m e2e` runs stay short

N = int(os.environ.get("RECTIFY_FAULT_N", "1000"))
REAL_TIME = os.environ.get("RECTIFY_FAULT_REAL_TIME", "") == "1"
MAX_ATTEMPTS = 6
SMS_TIMEOUT = 1.0
SMS_SECRET = "fault-gateway-secret"
SETTLE_SECONDS = 600.0
OPEN_STATES = ("pending", "sending", "scheduled")


@dataclass
class Notifier:
    """`python -m notifier` as a process we can kill and start again; each run logs to its own file."""

    env: dict[str, str]
    directory: Path
    proc: subprocess.Popen[bytes] | None = None
    runs: int = 0
    logs: list[Path] = field(default_factory=list)

    def start(self) -> None:
        self.runs += 1
        log = self.directory / f"notifier-{self.runs}.log"
        self.logs.append(log)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "notifier"], env=self.env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )

    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def events(self, name: str) -> list[dict[str, Any]]:
        """The notifier's JSON log lines with this event name, across every run."""
        out = []
        for log in self.logs:
            for line in log.read_text(errors="replace").splitlines():
                if f'"{name}"' in line and line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except ValueError:
                        pass
        return out


@dataclass
class Faults:
    notifier: Notifier
    redis: RedisServer
    started: float = field(default_factory=time.monotonic)
    log: list[str] = field(default_factory=list)
    injected: Counter[str] = field(default_factory=Counter)
    #: when a notifier last died (a kill, or an exit): rows it had claimed are orphaned
    last_death: datetime | None = None
    #: when Redis lost everything: events published before then may have lost their job
    redis_lost_at: datetime | None = None
    arq_leases_ended: int = 0
    process_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def note(self, what: str) -> None:
        self.log.append(f"t={time.monotonic() - self.started:6.1f}s {what}")

    async def _died(self) -> None:
        """A dead worker's jobs stay claimed in arq (`arq:in-progress:<id>`) for job_timeout + 10 s,
        and while they are, the sweeper cannot enqueue a row's send under the same job id. That
        lease is ended at once (the clock moved), unless the run is in real time."""
        from redis.asyncio import Redis
        from redis.exceptions import ConnectionError as RedisConnectionError

        from rectify_shared.models.types import utcnow

        self.last_death = utcnow()
        if REAL_TIME:
            return
        client = Redis(host="127.0.0.1", port=self.redis.port)
        try:
            keys = [key async for key in client.scan_iter(match="arq:in-progress:*", count=1000)]
            if keys:
                await client.delete(*keys)
            self.arq_leases_ended += len(keys)
        except RedisConnectionError:
            pass  # Redis is down (being restarted): it holds no leases then
        finally:
            await client.aclose()

    async def kill_notifier(self, why: str) -> None:
        async with self.process_lock:
            self.notifier.kill()
            await self._died()
            self.injected["notifier SIGKILL"] += 1
            self.note(f"SIGKILL notifier run {self.notifier.runs} ({why})")
            await asyncio.sleep(0.5)
            self.notifier.start()

    async def lose_redis(self, why: str) -> None:
        from rectify_shared.models.types import utcnow

        self.redis_lost_at = utcnow()
        self.redis.shutdown_nosave()
        self.injected["redis shutdown nosave"] += 1
        self.note(f"redis-cli shutdown nosave ({why})")
        await asyncio.sleep(1.0)
        self.redis.start()
        self.note("redis restarted, empty")

    async def supervise(self) -> None:
        """Start the notifier again if it exited by itself (systemd / compose restart policy)."""
        async with self.process_lock:  # one notifier at a time: a kill and a restart never overlap
            code = self.notifier.exited()
            if code is None:
                return
            await self._died()
            self.injected["notifier exited by itself"] += 1
            self.note(f"notifier run {self.notifier.runs} exited by itself (code {code}): restarted")
            self.notifier.start()


async def progress(sessions: Any) -> dict[str, int]:
    from rectify_shared.models import Delivery, EventReceipt

    async with sessions() as s:
        receipts = (
            await s.execute(select(func.count()).where(EventReceipt.event_type.like("escalation.%")))
        ).scalar_one()
        states = dict(
            (
                await s.execute(
                    select(Delivery.state, func.count()).where(Delivery.channel != "inbox").group_by(Delivery.state)
                )
            ).all()
        )
    return {"receipts": receipts, "rows": sum(states.values()), **states}


async def drive_faults(sessions: Any, faults: Faults, n: int, creating: asyncio.Event) -> None:
    """Three faults, each when the run is at the stage it should hurt most (or after 60 s anyway):
    a kill while events are being handled, the Redis loss while events are still queued and
    sends are under way, a kill while messages are being sent."""
    events = 2 * n  # escalation.created + escalation.issued

    def kill_mid_events(p: dict[str, int]) -> bool:
        return p["receipts"] >= events // 4

    def lose_redis_mid_run(p: dict[str, int]) -> bool:
        return p["receipts"] >= events // 2 and p.get("sent", 0) > 0

    def kill_mid_sends(p: dict[str, int]) -> bool:
        return not creating.is_set() and p.get("sent", 0) >= p["rows"] // 2 and p.get("sending", 0) > 0

    steps = [
        (kill_mid_events, faults.kill_notifier, "a quarter of the events received"),
        (lose_redis_mid_run, faults.lose_redis, "half of the events received, sends under way"),
        (kill_mid_sends, faults.kill_notifier, "half of the messages sent, some mid-send"),
    ]
    for condition, act, why in steps:
        since = time.monotonic()
        while True:
            await faults.supervise()
            p = await progress(sessions)
            if condition(p):
                await act(f"{why}: {p}")
                break
            if time.monotonic() - since > 60:
                await act(f"60 s passed, the stage never came: {p}")
                break
            await asyncio.sleep(0.1)


async def nudge_clocks(sessions: Any, faults: Faults) -> tuple[int, int]:
    """Fast-forward the two waits described in the module docstring; (leases ended, events aged)."""
    from notifier.delivery.engine import SENDING_LEASE
    from notifier.reconcile import GRACE
    from rectify_shared.models import Delivery, EventReceipt, OutboxEvent
    from rectify_shared.models.types import utcnow

    now = utcnow()
    leases = aged = 0
    async with sessions() as s:
        if faults.last_death is not None:
            # claimed before the last death (claim time = next_attempt_at - lease): nobody is sending them
            orphaned = and_(Delivery.state == "sending", Delivery.next_attempt_at <= faults.last_death + SENDING_LEASE)
            stmt = update(Delivery).where(orphaned, Delivery.next_attempt_at > now).values(next_attempt_at=now)
            leases = (await s.execute(stmt)).rowcount
        if faults.redis_lost_at is not None:
            # published before Redis lost everything and still not received: its job may be gone
            received = exists().where(EventReceipt.event_id == cast(OutboxEvent.id, String))
            stmt = (
                update(OutboxEvent)
                .where(
                    OutboxEvent.in_feed.is_(True),
                    OutboxEvent.published_at <= faults.redis_lost_at,
                    OutboxEvent.published_at > now - GRACE,
                    ~received,
                )
                .values(published_at=now - GRACE - timedelta(seconds=1))
            )
            aged = (await s.execute(stmt)).rowcount
        await s.commit()
    return leases, aged


async def fast_forward_backoff(sessions: Any, redis_port: int, prefix: str) -> int:
    """Make rows waiting out a retry backoff due now, and their deferred jobs with them."""
    from redis.asyncio import Redis

    from rectify_shared.jobs import NOTIFIER_QUEUE, queue_name
    from rectify_shared.models import Delivery
    from rectify_shared.models.types import utcnow

    now = utcnow()
    async with sessions() as s:
        waiting = and_(Delivery.state == "pending", Delivery.next_attempt_at > now)
        rows = (await s.execute(select(Delivery.id, Delivery.attempts).where(waiting))).all()
        if not rows:
            return 0
        await s.execute(
            update(Delivery).where(waiting, Delivery.id.in_([r.id for r in rows])).values(next_attempt_at=now)
        )
        await s.commit()
    client = Redis(host="127.0.0.1", port=redis_port)
    try:
        # the job id the send job enqueued for the next attempt (engine.enqueue_send); XX: a job
        # Redis lost stays lost (the sweeper enqueues it, the row being due)
        jobs = {f"{prefix}:delivery:{r.id}:{r.attempts}": now.timestamp() * 1000 for r in rows}
        await client.zadd(queue_name(prefix, NOTIFIER_QUEUE), jobs, xx=True)
    finally:
        await client.aclose()
    return len(rows)


async def snapshot(sessions: Any) -> dict[str, Any]:
    from rectify_shared.models import Delivery, EventReceipt, OutboxEvent

    async with sessions() as s:
        by_state = dict((await s.execute(select(Delivery.state, func.count()).group_by(Delivery.state))).all())
        received = exists().where(EventReceipt.event_id == cast(OutboxEvent.id, String))
        unreceived = (
            await s.execute(
                select(func.count()).select_from(OutboxEvent).where(OutboxEvent.in_feed.is_(True), ~received)
            )
        ).scalar_one()
    return {"total": sum(by_state.values()), "by_state": by_state, "unreceived_events": unreceived}


async def owed(sessions: Any, escalations: list[dict[str, Any]]) -> dict[str, int]:
    """What the escalations owe, per channel: the addressed org's email and SMS when it has the
    contact (SMS: a mobile), an inbox message per active user of the org, and one webhook per
    `escalation.issued`."""
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
    return dict(total)


async def test_notifications_survive_worker_kills_and_a_redis_restart(db_url, tmp_path, helpers, capsys):
    from issues_api.main import create_app
    from notifier.delivery.channels.email import message_id
    from rectify_shared.models import Delivery, InboxMessage
    from rectify_shared.settings import Settings

    try:
        redis = RedisServer(tmp_path)
    except FileNotFoundError as exc:
        pytest.skip(f"fault injection needs its own Redis server: {exc}")
    wall = time.monotonic()
    redis.start()
    gateway = FlakySmsGateway(SMS_SECRET, fail_rate=0.20, slow_rate=0.05, slow_seconds=SMS_TIMEOUT + 0.5, seed=N)
    hooks, smtp = WebhookEndpoint(), SmtpRecorder()
    prefix = f"rectify-faults-{uuid.uuid4().hex[:10]}"
    settings = Settings(
        database_url=db_url, redis_url=redis.url, data_dir=tmp_path, queue_prefix=prefix, rate_limit="",
        log_level="WARNING",
    )  # fmt: skip
    notifier: Notifier | None = None
    driver: asyncio.Task[None] | None = None
    try:
        with http_server(gateway) as sms_url, http_server(hooks) as hook_url, smtp_server(smtp) as smtp_port:
            env = {
                **os.environ,
                "DATABASE_URL": db_url,
                "REDIS_URL": redis.url,
                "RECTIFY_QUEUE_PREFIX": prefix,
                "RECTIFY_DATA_DIR": str(tmp_path),
                "RECTIFY_LOG_JSON": "true",
                "RECTIFY_LOG_LEVEL": "INFO",
                "RECTIFY_SMTP_HOST": "127.0.0.1",
                "RECTIFY_SMTP_PORT": str(smtp_port),
                "RECTIFY_SMTP_TIMEOUT": "5",
                "RECTIFY_SMS_PROVIDER": "generic",
                "RECTIFY_SMS_URL": f"{sms_url}/send",
                "RECTIFY_SMS_ACCESS_KEY_SECRET": SMS_SECRET,
                "RECTIFY_SMS_TIMEOUT": str(SMS_TIMEOUT),
                "RECTIFY_SMS_QUIET_HOURS": "",
                "RECTIFY_WEBHOOK_TIMEOUT": "5",
                "RECTIFY_DELIVERY_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
            }
            notifier = Notifier(env, tmp_path)
            faults = Faults(notifier, redis)
            app = create_app(settings)
            async with app.router.lifespan_context(app):
                sessions = app.state.rectify.write_sessions
                await helpers.load_demo_into(app)
                client = await helpers.login(app, "admin", helpers.ADMIN_PASSWORD)
                try:
                    r = await client.post(
                        "/api/v1/webhooks", json={"url": f"{hook_url}/rectify", "event_types": ["escalation.issued"]}
                    )
                    assert r.status_code == 201, r.text
                    hooks.secret = r.json()["secret"]
                    page = (await client.get("/api/v1/issues?limit=200")).json()["items"]
                    issue_ids = [i["id"] for i in page]
                    assert issue_ids
                    notifier.start()

                    # ------------------------------------------------ N escalations, faults alongside
                    creating = asyncio.Event()
                    creating.set()
                    driver = asyncio.create_task(drive_faults(sessions, faults, N, creating))
                    escalations: list[dict[str, Any]] = []
                    for i in range(N):
                        r = await client.post(
                            "/api/v1/escalations",
                            json={
                                "level": "warning",
                                "issue_id": issue_ids[i % len(issue_ids)],
                                "reason": f"故障注入演练第{i + 1}号：整改进度滞后",
                            },
                        )
                        assert r.status_code == 201, r.text
                        escalations.append(r.json())
                    creating.clear()
                    faults.note(f"{N} escalations created")
                finally:
                    await client.aclose()
                expected = await owed(sessions, escalations)

                # ------------------------------------------------ settle
                deadline = time.monotonic() + SETTLE_SECONDS
                nudged = Counter[str]()
                while True:
                    await faults.supervise()
                    if driver.done():
                        driver.result()  # a failing fault driver fails the test
                    now = await snapshot(sessions)
                    open_rows = sum(now["by_state"].get(s, 0) for s in OPEN_STATES)
                    settled = now["total"] == sum(expected.values()) and not open_rows and not now["unreceived_events"]
                    if settled and driver.done():
                        break
                    if time.monotonic() > deadline:
                        pytest.fail(
                            f"not settled after {SETTLE_SECONDS:.0f}s: {now}, expected {expected}\n"
                            + "\n".join(faults.log)
                        )
                    if not REAL_TIME:
                        leases, aged = await nudge_clocks(sessions, faults)
                        nudged["leases"] += leases
                        nudged["events"] += aged
                        if driver.done():
                            nudged["backoffs"] += await fast_forward_backoff(sessions, redis.port, prefix)
                    await asyncio.sleep(2.0)
                faults.note("settled")
                await asyncio.sleep(SMS_TIMEOUT + 1.0)  # a slow gateway answer still on its way is counted too

                async with sessions() as s:
                    rows = list((await s.execute(select(Delivery))).scalars())
                    inbox_messages = (await s.execute(select(func.count()).select_from(InboxMessage))).scalar_one()
    finally:
        if driver is not None and not driver.done():
            driver.cancel()
        if notifier is not None:
            notifier.stop()
        redis.stop()

    assert faults.injected["notifier SIGKILL"] == 2 and faults.injected["redis shutdown nosave"] == 1

    # ---------------------------------------------------------------- what the database says
    per_channel = Counter(d.channel for d in rows)
    assert dict(per_channel) == expected, f"delivery rows {dict(per_channel)} != owed {expected}"
    assert {d.state for d in rows} <= {"sent", "failed"}
    assert all(d.last_error for d in rows if d.state == "failed")
    assert inbox_messages == per_channel["inbox"]  # written with their rows, exactly once
    assert all(d.state == "sent" for d in rows if d.channel != "sms"), "only SMS had failures injected"

    # ---------------------------------------------------------------- what the receivers say
    def key_at(channel: str, d: Any) -> str:
        return message_id(d.idempotency_key) if channel == "email" else d.idempotency_key

    receivers = {"sms": gateway.received, "email": smtp.received, "webhook": hooks.received}
    lines, duplicates = [], {}
    for channel, receiver in receivers.items():
        known = {key_at(channel, d): d for d in rows if d.channel == channel}
        sent = {k for k, d in known.items() if d.state == "sent"}
        failed = {k for k, d in known.items() if d.state == "failed"}
        got = receiver.distinct()
        assert not got - set(known), f"{channel}: ids the database does not know: {sorted(got - set(known))[:5]}"
        assert sent <= got, f"{channel}: sent but never received: {sorted(sent - got)[:5]}"
        # accepted, but the answer never reached the sender (a timeout or a kill) and every later
        # attempt failed: the row says failed, the receiver has it — at-least-once, by the same id
        unacknowledged = got - sent
        assert unacknowledged <= failed
        assert len(got) - len(unacknowledged) == len(sent)
        repeats = receiver.repeats()
        duplicates[channel] = sum(repeats.values())
        lines.append(
            f"  {channel:8} rows={len(known):5} sent={len(sent):5} failed={len(failed):3} "
            f"received={len(receiver.accepted):5} distinct={len(got):5} "
            f"duplicates dropped by id={duplicates[channel]:3} (ids repeated: {len(repeats)}) "
            f"rejected={receiver.rejected} unacknowledged-but-received={len(unacknowledged)}"
        )
    assert gateway.bad_signatures == 0 and hooks.bad_signatures == 0
    attempts = Counter(d.attempts for d in rows if d.channel == "sms")
    reconciled = sum(e.get("handled", 0) for e in notifier.events("events_reconciled"))
    swept = sum(e.get("enqueued", 0) for e in notifier.events("delivery_sweep"))
    released = sum(e.get("released", 0) for e in notifier.events("delivery_sweep"))
    with capsys.disabled():  # the summary shows without -s
        print(
            "\n".join(
                [
                    f"\nfault run: N={N} escalations on {db_url.split(':', 1)[0]}, wall {time.monotonic() - wall:.0f}s",
                    f"  deliveries owed {sum(expected.values())}: {expected}; inbox: {per_channel['inbox']} sent",
                    *lines,
                    f"  SMS attempts per row: {dict(sorted(attempts.items()))} (max {MAX_ATTEMPTS})",
                    f"  recovered: {reconciled} events by the reconciler, {swept} sends re-enqueued and {released} "
                    f"orphaned claims released by the sweeper",
                    f"  clocks moved: {nudged['leases']} orphaned sending leases and {faults.arq_leases_ended} arq "
                    f"in-progress leases ended, {nudged['events']} events' grace ended, "
                    f"{nudged['backoffs']} backoffs cut short" + (" (real time)" if REAL_TIME else ""),
                    "  faults:",
                    *(f"    {line}" for line in faults.log),
                ]
            )
        )
