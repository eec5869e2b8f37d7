"""Read models of petition cases."""

from datetime import date

from rectify_shared.enums import PETITION_STATE_TEXT, PETITION_VERDICT_TEXT, PetitionState, PetitionVerdict
from rectify_shared.models import PetitionCase

from .schemas import Accountability, CaseRead


def is_overdue(case: PetitionCase, today: date) -> bool:
    return case.state == PetitionState.in_progress and case.due_date is not None and case.due_date < today


def case_read(case: PetitionCase, batch_no: int, locality_name: str, today: date) -> CaseRead:
    assert case.id is not None
    verdict = PetitionVerdict(case.verdict) if case.verdict else None
    return CaseRead(
        id=case.id,
        round_id=case.round_id,
        batch_id=case.batch_id,
        batch_no=batch_no,
        intake_no=case.intake_no,
        channel=case.channel,
        content=case.content,
        locality_org_id=case.locality_org_id,
        locality_name=locality_name,
        reported_party=case.reported_party,
        address=case.address,
        pollution_types=case.pollution_types,
        key_attention=case.key_attention,
        responsible_org_id=case.responsible_org_id,
        due_date=case.due_date,
        overdue=is_overdue(case, today),
        findings=case.findings,
        verdict=verdict,
        verdict_text=PETITION_VERDICT_TEXT[verdict] if verdict else None,
        handling=case.handling,
        accountability=Accountability.model_validate(case.accountability) if case.accountability else None,
        state=case.state,
        state_text=PETITION_STATE_TEXT[PetitionState(case.state)],
        certified_by=case.certified_by,
        certified_at=case.certified_at,
        published_at=case.published_at,
        follow_up=case.follow_up,
        repeat_of_id=case.repeat_of_id,
        issue_id=case.issue_id,
        illustrative=case.illustrative or [],
        created_at=case.created_at,
        updated_at=case.updated_at,
    )
