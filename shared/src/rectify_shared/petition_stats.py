"""Petition figures (信访举报件统计) as of a day: one query and one pure aggregation, shared by the
API's statistics and the report-worker's documents so that both always say the same numbers.

As of the end of a day (China time): a case counts when it was registered before the cut; its
state is the last `petition_state_change` before the cut. Verdict, accountability and
certification are the case's current values (the schema keeps no history of them).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlmodel import col

from .enums import PetitionState, PetitionVerdict, PollutionType
from .models import Org, PetitionBatch, PetitionCase, PetitionStateChange
from .timezone import end_of_day

ACCOUNTABILITY_COUNTS = (
    "ordered_rectification",
    "penalty_cases",
    "fine_yuan",
    "criminal_investigations",
    "administrative_detentions",
    "criminal_detentions",
    "interviews",
    "accountable_persons",
)


def case_rows(round_id: int | None, as_of: date | None, visible: ColumnElement[bool]) -> Select[Any]:
    """One row per case in scope (`visible` is built on PetitionCase's columns) as of `as_of`."""
    C = PetitionCase
    where: list[ColumnElement[bool]] = [visible]
    state: Any = col(C.state)
    if as_of is not None:
        cut = end_of_day(as_of)
        last = (
            select(col(PetitionStateChange.to_state))
            .where(col(PetitionStateChange.case_id) == col(C.id), col(PetitionStateChange.changed_at) < cut)
            .order_by(col(PetitionStateChange.changed_at).desc(), col(PetitionStateChange.id).desc())
            .limit(1)
            .correlate(C)
            .scalar_subquery()
        )
        state = func.coalesce(last, col(C.state))
        where.append(col(C.created_at) < cut)
    if round_id is not None:
        where.append(col(C.round_id) == round_id)
    return (
        select(
            col(C.id),
            col(PetitionBatch.batch_no),
            state.label("state"),
            col(C.verdict),
            col(C.locality_org_id),
            col(Org.name).label("locality_name"),
            col(Org.path).label("locality_path"),
            col(C.pollution_types),
            col(C.accountability),
            col(C.repeat_of_id),
            col(C.key_attention),
            col(C.certified_by),
        )
        .join(PetitionBatch, col(PetitionBatch.id) == col(C.batch_id))
        .join(Org, col(Org.id) == col(C.locality_org_id))
        .where(*where)
        .order_by(col(C.id))
    )


@dataclass
class LocalityFigures:
    org_id: int
    name: str
    path: str
    total: int = 0
    by_state: dict[PetitionState, int] = field(default_factory=lambda: {s: 0 for s in PetitionState})


@dataclass
class PetitionFigures:
    total: int = 0
    batch_nos: list[int] = field(default_factory=list)
    by_state: dict[PetitionState, int] = field(default_factory=lambda: {s: 0 for s in PetitionState})
    by_verdict: dict[PetitionVerdict, int] = field(default_factory=lambda: {v: 0 for v in PetitionVerdict})
    unjudged: int = 0
    by_locality: list[LocalityFigures] = field(default_factory=list)
    #: by code: the former enum's types always, any other type once a case has it
    by_pollution_type: dict[str, int] = field(default_factory=lambda: {p.value: 0 for p in PollutionType})
    repeats: int = 0
    key_attention: int = 0
    accountability: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ACCOUNTABILITY_COUNTS, 0))
    #: closed cases whose certifying department is recorded, and the departments
    certified: int = 0
    certifiers: list[str] = field(default_factory=list)

    @property
    def batches(self) -> int:
        return len(self.batch_nos)

    @property
    def closure_rate(self) -> float | None:
        """办结率: closed (已办结) of all cases."""
        return _rate(self.by_state[PetitionState.closed], self.total)

    @property
    def unsubstantiated_rate(self) -> float | None:
        """不属实 of the cases with a verdict."""
        return _rate(self.by_verdict[PetitionVerdict.unsubstantiated], self.total - self.unjudged)

    @property
    def repeat_rate(self) -> float | None:
        return _rate(self.repeats, self.total)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def aggregate(rows: Iterable[Any]) -> PetitionFigures:
    f = PetitionFigures()
    localities: dict[int, LocalityFigures] = {}
    batches: set[int] = set()
    certifiers: dict[str, None] = {}
    for r in rows:
        state = PetitionState(r.state)
        f.total += 1
        batches.add(int(r.batch_no))
        f.by_state[state] += 1
        if r.verdict:
            f.by_verdict[PetitionVerdict(r.verdict)] += 1
        else:
            f.unjudged += 1
        loc = localities.setdefault(
            r.locality_org_id, LocalityFigures(r.locality_org_id, r.locality_name, r.locality_path)
        )
        loc.total += 1
        loc.by_state[state] += 1
        for p in r.pollution_types or []:
            f.by_pollution_type[p] = f.by_pollution_type.get(p, 0) + 1
        f.repeats += r.repeat_of_id is not None
        f.key_attention += bool(r.key_attention)
        for name in ACCOUNTABILITY_COUNTS:
            f.accountability[name] += int((r.accountability or {}).get(name) or 0)
        if state == PetitionState.closed and r.certified_by:
            f.certified += 1
            certifiers[r.certified_by] = None
    f.batch_nos = sorted(batches)
    f.by_locality = sorted(localities.values(), key=lambda x: x.path)
    f.certifiers = list(certifiers)
    return f
