"""The notifier counts an event once however often the queue delivers it."""

from datetime import UTC, datetime

from sqlalchemy import select

from notifier.events import handle_event
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.jobs import EventEnvelope
from rectify_shared.models import EventReceipt


async def test_a_repeated_event_is_recorded_once(db_url):
    engine = make_engine(db_url)
    ctx = {"write_sessions": make_sessionmaker(engine)}
    event = EventEnvelope(
        id="123",
        type="issue.status_changed",
        timestamp=datetime.now(UTC),
        aggregate_type="issue",
        aggregate_id=7,
        data={"from": "in_progress", "to": "completed"},
    )
    try:
        assert await handle_event(ctx, event.model_dump(mode="json")) == "received"
        assert await handle_event(ctx, event.model_dump(mode="json")) == "repeat"
        async with make_sessionmaker(engine)() as s:
            rows = (await s.execute(select(EventReceipt))).scalars().all()
        assert [(r.event_id, r.event_type, r.aggregate_id, r.deliveries) for r in rows] == [
            ("123", "issue.status_changed", 7, 2)
        ]
    finally:
        await engine.dispose()
