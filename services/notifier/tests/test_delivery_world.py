"""Helpers for the delivery tests (no tests here): a small ledger with an issued escalation,
fake channels that record what they were given, and a clock the tests move by hand."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from notifier.delivery.channels.base import OutgoingMessage, PermanentError, SendResult, TransientError
from rectify_shared.ids import new_id
from rectify_shared.jobs import EventEnvelope
from rectify_shared.models import Delivery, Escalation, InboxMessage, OutboxEvent, UserAccount, WebhookSubscription

from .escalation_data import LEADER, Ledger

LEADER_WITH_EMAIL = {**LEADER, "email": "wang@example.cn"}
ISSUED_AT = datetime(2024, 12, 16, 2, 0, tzinfo=UTC)  # 10:00 in China


class WorkerKilled(BaseException):
    """Stands for SIGKILL mid-send: nothing after it runs (not even `except Exception`)."""


class FakeChannel:
    """A channel following the Channel protocol; `script` says what each call does:
    "ok", "transient", "permanent", "killed_before" (dies before the provider saw it) or
    "killed_after" (the provider accepted it, then the worker died). Past the script: "ok"."""

    def __init__(self, name: str, script: list[str] | None = None, decide: Any = None) -> None:
        self.name = name
        self.script = list(script or [])
        self.decide = decide  # callable(message) -> outcome, overrides the script
        self.calls: list[OutgoingMessage] = []
        self.accepted: list[OutgoingMessage] = []  # what the provider took (before any de-duplication)

    async def send(self, message: OutgoingMessage) -> SendResult:
        self.calls.append(message)
        what = self.decide(message) if self.decide else (self.script.pop(0) if self.script else "ok")
        if what == "transient":
            raise TransientError("503 from provider")
        if what == "permanent":
            raise PermanentError("400 invalid number")
        if what == "killed_before":
            raise WorkerKilled()
        self.accepted.append(message)
        if what == "killed_after":
            raise WorkerKilled()
        return SendResult(provider_message_id=f"{self.name}-{len(self.accepted)}")

    async def aclose(self) -> None:
        pass


def fake_channels(**scripts: list[str]) -> dict[str, FakeChannel]:
    return {name: FakeChannel(name, scripts.get(name)) for name in ("email", "sms", "webhook")}


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


class Midpoint:
    """A 'random' source that always picks the middle of the range: backoff becomes predictable."""

    def uniform(self, a: float, b: float) -> float:
        return (a + b) / 2


@dataclass
class World:
    ledger: Ledger
    escalation: Escalation
    users: list[UserAccount]
    subscriptions: dict[str, WebhookSubscription] = field(default_factory=dict)


async def build_world(session: Any, *, level: str = "notice", person: bool = True) -> World:
    """旗 (county) under the 盟 has contacts, three active users and a disabled one; an issue it
    leads with a responsible leader; an escalation addressed to it, issued."""
    ledger = await Ledger(session).setup()
    county = ledger.orgs["county"]
    county.name, county.contact_email, county.contact_phone = "正镶白旗人民政府", "zxb@example.cn", "0479-7000000"
    county.mobile = "04797000000"
    issue = await ledger.issue(3, lead="county", deadline=date(2024, 12, 31), leader=LEADER_WITH_EMAIL)
    issue.description = "草原违规开垦问题整改不到位，部分地块尚未完成复绿"
    users = []
    for i, disabled in enumerate((False, False, False, True)):
        user = UserAccount(
            username=f"county{i}", display_name=f"操作员{i}", password_hash="x", org_id=county.id or 0,
            org_path=county.path, role="unit_operator", created_by="test",
            disabled_at=ISSUED_AT if disabled else None,
        )  # fmt: skip
        session.add(user)
        users.append(user)
    league = ledger.orgs["league"]
    session.add(
        UserAccount(
            username="office", password_hash="x", org_id=league.id or 0, org_path=league.path, role="office_admin",
            created_by="test",
        )
    )  # fmt: skip
    e = Escalation(
        round_id=ledger.round_id, level=level, rule="r2", dedupe_key=f"k:{level}", issue_id=issue.id,
        addressed_org_id=county.id or 0, addressed_person=LEADER if person else None, org_path=county.path,
        reason="整改任务超过完成时限（2024-12-31）已达10个工作日仍未完成", trigger={"kind": "test"},
        state="issued", as_of=date(2024, 12, 16), issued_at=ISSUED_AT, issued_by="office",
        response_due=date(2024, 12, 20), doc_no="锡督整办〔2024〕12号",
    )  # fmt: skip
    session.add(e)
    await session.flush()
    world = World(ledger, e, users[:3])
    dept_a = ledger.orgs["dept_a"]
    for key, types, org, active in (
        ("province", ["escalation.issued", "escalation.created"], ledger.orgs["region"], True),
        ("everything", ["*"], league, True),
        ("other_type", ["issue.status_changed"], league, True),
        ("other_scope", ["*"], dept_a, True),
        ("inactive", ["*"], league, False),
    ):
        sub = WebhookSubscription(
            url=f"https://hooks.example.cn/{key}", secret=f"whsec_{key}", event_types=types, org_id=org.id or 0,
            org_path=org.path, owner="integration", active=active,
        )  # fmt: skip
        session.add(sub)
        world.subscriptions[key] = sub
    await session.flush()
    return world


async def outbox_event(session: Any, event_type: str, e: Escalation, at: datetime = ISSUED_AT) -> EventEnvelope:
    """An outbox row for the escalation (the event's org path lives there) and its envelope."""
    data = {"id": e.id, "level": e.level, "state": e.state, "issue_id": e.issue_id}
    row = OutboxEvent(
        id=new_id(), created_at=at, event_type=event_type, aggregate_type="escalation", aggregate_id=e.id or 0,
        org_path=e.org_path, payload=data,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    return EventEnvelope(
        id=str(row.id), type=event_type, timestamp=at, aggregate_type="escalation", aggregate_id=e.id or 0, data=data
    )


async def deliveries(sessions: Any) -> list[Delivery]:
    async with sessions() as s:
        return list((await s.execute(select(Delivery).order_by(Delivery.channel, Delivery.recipient))).scalars())


async def inbox(sessions: Any) -> list[InboxMessage]:
    async with sessions() as s:
        return list((await s.execute(select(InboxMessage).order_by(InboxMessage.user_id))).scalars())


async def get(sessions: Any, delivery_id: int) -> Delivery:
    async with sessions() as s:
        return (await s.execute(select(Delivery).where(Delivery.id == delivery_id))).scalar_one()
