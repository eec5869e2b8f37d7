"""The neutral rows to JSON and back (an import job keeps what it read, and apply writes from it)."""

from dataclasses import asdict
from datetime import date
from typing import Any

from .deadlines import Deadline
from .rows import MeasureRow, ProblemRow, Where


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _deadline_json(d: Deadline | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {**d.as_json(), "provisional": d.provisional, "worded": d.worded}


def _deadline(d: dict[str, Any] | None) -> Deadline | None:
    if d is None:
        return None
    return Deadline(
        d["text"],
        _day(d["deadline"]),
        d["precision"],
        d["long_term"],
        d["rule"],
        d.get("provisional", False),
        d.get("worded", True),
    )


def dump(p: ProblemRow) -> dict[str, Any]:
    return {
        "where": asdict(p.where),
        "seq": p.seq,
        "display_no": p.display_no,
        "category": p.category,
        "description": p.description,
        "goal": p.goal,
        "lead": p.lead,
        "responsible": p.responsible,
        "deadline": _deadline_json(p.deadline),
        "leader": p.leader,
        "status": p.status,
        "on_schedule": p.on_schedule,
        "completed_on": p.completed_on.isoformat() if p.completed_on else None,
        "progress": [[d.isoformat() if d else None, t] for d, t in p.progress],
        "key": p.key,
        "measures": [
            {
                "where": asdict(m.where),
                "seq": m.seq,
                "text": m.text,
                "orgs": m.orgs,
                "deadline": _deadline_json(m.deadline),
                "status": m.status,
                "key": m.key,
            }
            for m in p.measures
        ],
    }


def load(d: dict[str, Any]) -> ProblemRow:
    return ProblemRow(
        where=Where(**d["where"]),
        seq=d["seq"],
        display_no=d.get("display_no"),
        category=d["category"],
        description=d["description"],
        goal=d["goal"],
        lead=d["lead"],
        responsible=d["responsible"],
        deadline=_deadline(d["deadline"]),
        leader=d["leader"],
        status=d["status"],
        on_schedule=d["on_schedule"],
        completed_on=_day(d["completed_on"]),
        progress=[(_day(day), text) for day, text in d["progress"]],
        key=d.get("key"),
        measures=[
            MeasureRow(
                Where(**m["where"]),
                m["seq"],
                m["text"],
                m["orgs"],
                _deadline(m["deadline"]),
                m["status"],
                m.get("key"),
            )
            for m in d["measures"]
        ],
    )
