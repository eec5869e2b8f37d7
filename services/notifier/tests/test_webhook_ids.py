"""A webhook carries every id exact for a JavaScript receiver: a 63-bit id in the event's payload
(a progress report's) goes out as its decimal string, small integers stay numbers."""

import json
from datetime import UTC, datetime

from notifier.delivery.planner import envelope
from rectify_shared.jobs import EventEnvelope


def test_a_webhook_payload_has_no_integer_javascript_would_round():
    event = EventEnvelope(
        id="388049409119663700",
        type="progress.reported",
        timestamp=datetime(2025, 1, 14, 1, 0, 5, tzinfo=UTC),
        aggregate_type="progress_report",
        aggregate_id=388049409119663637,
        data={"id": 388049409119663637, "issue_id": 5, "measure_id": None},
    )
    body = json.loads(json.dumps(envelope(event)))
    assert body["id"] == "388049409119663700"
    assert body["data"] == {"id": "388049409119663637", "issue_id": 5, "measure_id": None}
