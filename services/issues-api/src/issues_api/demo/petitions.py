"""Load the demo petition cases (信访举报件) of the demo round: 29 batches, 91 cases, all
certified closed, as the seed reports. Their contents are illustrative (see the YAML's header).

Each case gets its state history on the file's dates — registered on the day of transfer,
阶段性办结 on `stage_closed_on`, 已办结 on `certified_at` — so figures as of any past day hold.
"""

from datetime import date, datetime, time, timedelta
from importlib import resources
from typing import Any

import yaml
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import PetitionState
from rectify_shared.events import EventType
from rectify_shared.events import workflow as wf
from rectify_shared.models import InspectionRound, Org, PetitionBatch, PetitionCase, PetitionStateChange
from rectify_shared.timezone import CHINA_TZ

from ..outbox.writer import record_event

DEMO_FILE = "xilinguole_petitions.yaml"
DEMO_ACTOR = "demo-loader"
#: the demo round's policy is the default: report back within 10 calendar days
DUE_DAYS = 10


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA_TZ)


async def load_demo_petitions(session: AsyncSession, rnd: InspectionRound, orgs: dict[str, Org]) -> None:
    data: dict[str, Any] = yaml.safe_load(resources.files("issues_api.demo").joinpath(DEMO_FILE).read_text("utf-8"))
    assert rnd.id is not None
    illustrative = list(data["illustrative"])
    by_intake: dict[str, int] = {}
    for spec in data["batches"]:
        transferred: date = spec["transferred_at"]
        batch = PetitionBatch(
            round_id=rnd.id,
            batch_no=spec["batch_no"],
            transferred_at=transferred,
            org_path=rnd.org_path,
            created_by=DEMO_ACTOR,
            created_at=_at(transferred),
        )
        session.add(batch)
        await session.flush()
        assert batch.id is not None
        record_event(
            session,
            EventType.petition_batch_created,
            "petition_batch",
            batch.id,
            wf.PetitionBatchCreated(
                id=batch.id, round_id=rnd.id, batch_no=batch.batch_no, transferred_at=transferred.isoformat()
            ),
            org_path=rnd.org_path,
        )
        for c in spec["cases"]:
            by_intake[c["intake_no"]] = await _load_case(session, rnd.id, batch, c, orgs, illustrative, by_intake)


async def _load_case(
    session: AsyncSession,
    round_id: int,
    batch: PetitionBatch,
    c: dict[str, Any],
    orgs: dict[str, Org],
    illustrative: list[str],
    by_intake: dict[str, int],
) -> int:
    assert batch.id is not None
    locality = orgs[c["locality"]]
    registered = _at(batch.transferred_at)
    certified = _at(c["certified_at"], 16)
    case = PetitionCase(
        round_id=round_id,
        batch_id=batch.id,
        intake_no=c["intake_no"],
        channel=c.get("channel"),
        content=c["content"],
        locality_org_id=locality.id or 0,
        locality_path=locality.path,
        reported_party=c.get("reported_party"),
        address=c.get("address"),
        pollution_types=c.get("pollution_types") or [],
        key_attention=bool(c.get("key_attention")),
        responsible_org_id=locality.id,
        responsible_path=locality.path,
        due_date=batch.transferred_at + timedelta(days=DUE_DAYS),
        findings=c.get("findings"),
        verdict=c.get("verdict"),
        handling=c.get("handling"),
        accountability=c.get("accountability"),
        state=PetitionState.closed,
        certified_by=c["certified_by"],
        certified_at=c["certified_at"],
        published_at=c.get("published_at"),
        repeat_of_id=by_intake[c["repeat_of"]] if c.get("repeat_of") else None,
        illustrative=illustrative,
        created_at=registered,
        updated_at=certified,
    )
    session.add(case)
    await session.flush()
    assert case.id is not None
    history = [
        (None, PetitionState.in_progress, registered),
        (PetitionState.in_progress, PetitionState.closed_in_stage, _at(c["stage_closed_on"], 17)),
        (PetitionState.closed_in_stage, PetitionState.closed, certified),
    ]
    for from_state, to_state, at in history:
        session.add(
            PetitionStateChange(
                case_id=case.id, from_state=from_state, to_state=to_state, changed_by=DEMO_ACTOR, changed_at=at
            )
        )
    data = wf.PetitionCaseCreated(
        id=case.id,
        round_id=round_id,
        batch_id=batch.id or 0,
        intake_no=case.intake_no,
        locality_org_id=case.locality_org_id,
        state=case.state,
        verdict=case.verdict,
        due_date=case.due_date,
    )
    record_event(
        session,
        EventType.petition_case_created,
        "petition_case",
        case.id,
        data,
        org_path=locality.path,
    )
    return case.id
