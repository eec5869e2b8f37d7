"""The typed event contract (issue 28 item 1, issue 20 "Typed events"): the emitted set of event
types is the catalogue, no emitter names a type by a bare string, every payload is its model,
and `escalation.created` has one shape whoever writes it."""

import ast
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from rectify_shared.events import CATALOGUE, INTERNAL, EventData, EventType, InternalEventType, record_event
from rectify_shared.events import ledger as ev
from rectify_shared.events import workflow as wf

ROOT = Path(__file__).resolve().parents[1]
#: calls that write outbox rows, and the argument (position, keyword) that names the type
WRITERS = {
    "record_event": (1, "event_type"),  # issues-api's writer: (session, type, …); shared's: (session, type, data)
    "record_change": (2, "action"),
    "Change": (0, "action"),  # `record_change`'s arguments for `record_changes` (outbox.change)
    "record_events": (1, "event_type"),
    "with_events": (1, "event_type"),
    "move": (None, "event"),  # a closure step (closures.service.move)
    "event_values": (0, "event_type"),  # an outbox row's values for a bulk insert (issues-api's outbox.writer)
    "event_row": (0, "event_type"),  # the same in shared (rectify_shared.events.record)
}


def _sources() -> list[Path]:
    roots = [ROOT / "shared/src", *sorted((ROOT / "services").glob("*/src"))]
    return [p for r in roots for p in r.rglob("*.py") if "migrations" not in p.parts]


def _name(call: ast.Call) -> str | None:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _type_args(call: ast.Call) -> list[ast.expr]:
    pos, kw = WRITERS[_name(call) or ""]
    found = [k.value for k in call.keywords if k.arg == kw]
    if pos is not None and len(call.args) > pos:
        found.append(call.args[pos])
    return found


def _emitting_modules() -> dict[Path, ast.Module]:
    out = {}
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n) in WRITERS]
        if any(_type_args(c) for c in calls):
            out[path] = tree
    return out


def _members(tree: ast.Module, enum: str) -> set[str]:
    return {
        n.attr
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == enum
    }


def test_the_emitted_types_are_the_catalogue() -> None:
    """Every type an emitting module names is in the catalogue, and every catalogued type is named
    by one (an event catalogued and never emitted, as `report.done` was, fails here)."""
    modules = _emitting_modules()
    assert len(modules) >= 25, sorted(str(p.relative_to(ROOT)) for p in modules)
    emitted = set().union(*(_members(t, "EventType") for t in modules.values()))
    internal = set().union(*(_members(t, "InternalEventType") for t in modules.values()))
    assert emitted == {t.name for t in EventType}, (
        f"catalogued, never emitted: {sorted({t.name for t in EventType} - emitted)}; "
        f"emitted, not catalogued: {sorted(emitted - {t.name for t in EventType})}"
    )
    assert internal == {t.name for t in InternalEventType}
    assert set(CATALOGUE) == set(EventType) and set(INTERNAL) == set(InternalEventType)


def test_no_emitter_names_a_type_by_a_bare_string() -> None:
    bare = []
    for path, tree in _emitting_modules().items():
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n) in WRITERS):
            for arg in _type_args(call):
                if isinstance(arg, ast.Constant | ast.JoinedStr):
                    bare.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert bare == []


def test_every_type_has_a_payload_model_and_a_schema() -> None:
    for event_type, spec in CATALOGUE.items():
        assert issubclass(spec.payload, EventData), event_type
        schema = spec.payload.model_json_schema(by_alias=True, mode="serialization")
        assert schema["type"] == "object" and schema["properties"], event_type
    # `from`/`to` are published by those names
    assert {"from", "to"} <= set(ev.IssueStatusChanged.model_json_schema(by_alias=True)["properties"])


def test_record_event_takes_only_the_types_model() -> None:
    class Session:
        def __init__(self) -> None:
            self.added: list[object] = []

        def add(self, row: object) -> None:
            self.added.append(row)

    session = Session()
    data = ev.RoundCreated(id=3, name="第二轮")
    with pytest.raises(TypeError, match="RoundCreated"):
        record_event(session, EventType.issue_created, data, aggregate_type="round", aggregate_id=3, org_path="/1/")
    row = record_event(session, EventType.round_created, data, aggregate_type="round", aggregate_id=3, org_path="/1/")
    assert row.payload == {"id": 3, "name": "第二轮"} and row.in_feed and row.event_type == "round.created"
    scan = record_event(
        session,
        InternalEventType.scan_requested,
        __import__("rectify_shared.events.internal", fromlist=["x"]).ScanRequested(scan_id=5, as_of=date(2024, 12, 16)),
        aggregate_type="scan_request",
        aggregate_id=5,
        org_path=None,
    )
    assert scan.payload == {"scan_id": 5, "as_of": "2024-12-16"} and not scan.in_feed
    with pytest.raises(ValidationError):
        ev.RoundCreated(id=3, name="x", extra_key=1)  # type: ignore[call-arg]


def test_payloads_are_written_as_before() -> None:
    """The stored document keeps its published spelling: `from`/`to`, dates as ISO days, instants
    as Python's `isoformat()`, 63-bit ids as integers (the feed and webhooks make them strings)."""
    changed = ev.IssueStatusChanged(
        id=9, round_id=1, seq=4, status="in_progress", deadline="2025-06-30", lead_org_id=12,
        from_="not_started", to_="in_progress", reason=None,
    )  # fmt: skip
    assert changed.dump() == {
        "id": 9, "round_id": 1, "seq": 4, "status": "in_progress", "deadline": "2025-06-30", "lead_org_id": 12,
        "from": "not_started", "to": "in_progress", "reason": None,
    }  # fmt: skip
    at = datetime(2024, 12, 16, 8, 30, tzinfo=UTC)
    report = ev.ProgressReported(
        id=388049409119663637, issue_id=9, measure_id=None, reporting_org_id=12, reported_at=at
    )
    assert report.dump()["reported_at"] == at.isoformat() and report.dump()["id"] == 388049409119663637
    # optional keys the emitter did not set stay out (a measure's recount carries issue_id, an issue's not)
    assert (
        "issue_id"
        not in ev.IssueDeadlineRecomputed(
            id=1, deadline=date(2025, 1, 2), deadline_provisional=False, from_=None, reason="r"
        ).dump()
    )


def _escalation() -> SimpleNamespace:
    return SimpleNamespace(
        id=7, level="supervision", state="issued", rule="manual", issue_id=9, measure_id=None, dispatch_round_id=None,
        petition_case_id=None, closure_id=None, addressed_org_id=12, reason="逾期未完成", as_of=date(2024, 12, 16),
        resolution=None, org_path="/1/12/",
    )  # fmt: skip


def test_escalation_created_has_one_shape_from_both_writers() -> None:
    """The notifier's scan (SQL, or Python on SQLite) and issues-api (a letter by hand) write the
    same keys: the model's. (They were 11 and 8 keys.)"""
    from issues_api.escalations.service import _event_data
    from notifier.escalation import outbox

    e = _escalation()
    by_hand = wf.EscalationCreated(**_event_data(e)).dump()  # type: ignore[arg-type]
    by_scan = outbox.payload(e, as_of=date(2024, 12, 16))  # type: ignore[arg-type]
    assert set(by_hand) == set(by_scan) == set(wf.EscalationCreated.model_fields)
    assert len(by_hand) == 11 and by_hand == by_scan
    wf.EscalationCreated.model_validate(by_scan)
    # the PostgreSQL statement names every key of the model, and the resolved event's two more
    sql = str(outbox._INSERT_IN_SQL)
    for key in wf.EscalationResolved.model_fields:
        assert f"'{key}'" in sql, key
    resolved = outbox.payload(SimpleNamespace(**{**vars(e), "state": "resolved", "resolution": "ok"}), as_of=e.as_of)  # type: ignore[arg-type]
    assert set(resolved) == set(wf.EscalationResolved.model_fields)
    wf.EscalationResolved.model_validate(resolved)


def test_the_openapi_document_carries_every_type_as_a_webhook() -> None:
    import json

    doc = json.loads((ROOT / "docs/openapi.json").read_text(encoding="utf-8"))
    assert doc["openapi"].startswith("3.1")
    assert set(doc["webhooks"]) == {t.value for t in EventType}
    schemas = doc["components"]["schemas"]
    for event_type, spec in CATALOGUE.items():
        op = doc["webhooks"][event_type.value]["post"]
        body = op["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        envelope = schemas[body]
        assert envelope["properties"]["type"]["const"] == event_type.value
        assert set(envelope["required"]) == {"id", "type", "timestamp", "data"}
        data = schemas[envelope["properties"]["data"]["$ref"].rsplit("/", 1)[1]]
        assert set(data["properties"]) == set(spec.payload.model_json_schema(by_alias=True)["properties"])
        assert {p["name"] for p in op["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_an_envelope_reads_its_data_typed() -> None:
    from rectify_shared.jobs import EventEnvelope

    e = _escalation()
    data = wf.EscalationCreated(**{k: getattr(e, k) for k in wf.EscalationCreated.model_fields}).dump()
    envelope = EventEnvelope(
        id="1", type="escalation.created", timestamp=datetime(2024, 12, 16, tzinfo=UTC),
        aggregate_type="escalation", aggregate_id=7, data=data,
    )  # fmt: skip
    typed = envelope.payload()
    assert isinstance(typed, wf.EscalationCreated) and typed.level == "supervision" and typed.as_of == e.as_of
    with pytest.raises(ValueError):
        envelope.model_copy(update={"type": "no.such"}).payload()
