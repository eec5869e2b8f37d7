"""Indicator writes: defining an indicator (the office) and reporting a value (units, the office).

Implausible figures are refused with the reason; nothing is written then.
"""

from decimal import Decimal
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.events import EventType
from rectify_shared.events import ledger as ev
from rectify_shared.indicators import IndicatorKind, implausible, implausible_stages, partial_overlap
from rectify_shared.models import Indicator, IndicatorMeasure, IndicatorValue
from rectify_shared.models.types import utcnow
from rectify_shared.periods import Period, parse_period
from rectify_shared.timezone import today

from ..attachments import service as attachments
from ..auth.principal import Principal, Role, Scope
from ..core.error_catalogue import FORBIDDEN
from ..core.errors import ApiError, invalid, not_found
from ..dispatch import repository as dispatch
from ..issues import repository as issues
from ..issues.service import orgs_exist
from ..orgs import repository as orgs
from ..outbox.change import record_change
from ..rounds import repository as rounds
from . import repository
from .errors import IMPLAUSIBLE_VALUE
from .schemas import IndicatorCreate, ValueCreate

#: `attachment_link.target_kind` of an indicator value's evidence
VALUE_LINK_KIND = "indicator_value"


def implausible_value(field: str, reason: str) -> ApiError:
    return IMPLAUSIBLE_VALUE.error(reason=reason, details=[{"field": field, "reason": reason}])


def _check_plausible(kind: IndicatorKind, unit: str, field: str, value: Decimal | None) -> None:
    if value is not None and (reason := implausible(kind, unit, value)):
        raise implausible_value(field, reason)


def _view(ind: Indicator, measure_ids: list[int]) -> dict[str, Any]:
    return {
        "name": ind.name,
        "unit": ind.unit,
        "kind": ind.kind,
        "direction": ind.direction,
        "baseline": str(ind.baseline) if ind.baseline is not None else None,
        "baseline_date": ind.baseline_date.isoformat() if ind.baseline_date else None,
        "target": str(ind.target) if ind.target is not None else None,
        "target_date": ind.target_date.isoformat() if ind.target_date else None,
        "target_text": ind.target_text,
        "org_id": ind.org_id,
        "round_id": ind.round_id,
        "issue_id": ind.issue_id,
        "measure_ids": measure_ids,
        "frequency": ind.frequency,
        "subject": ind.subject,
        "verb": ind.verb,
        "noun": ind.noun,
    }


async def create_indicator(session: AsyncSession, data: IndicatorCreate, principal: Principal) -> Indicator:
    org = (await orgs_exist(session, principal, [data.org_id], "body.org_id"))[data.org_id]
    _check_plausible(data.kind, data.unit or "", "body.baseline", data.baseline)
    _check_plausible(data.kind, data.unit or "", "body.target", data.target)
    round_id = data.round_id
    if round_id is not None and await rounds.get_visible(session, principal, round_id) is None:
        raise invalid("body.round_id", "no such round", "督察轮次不存在", "Inspection round does not exist")
    if data.issue_id is not None:
        issue = await issues.get(session, data.issue_id, principal.scope)
        if issue is None or issue.withdrawn_at is not None:
            raise invalid("body.issue_id", "no such issue in your scope", "问题不存在", "Issue does not exist")
        if round_id is not None and issue.round_id != round_id:
            raise invalid(
                "body.issue_id", "in another round", "问题不属于该督察轮次", "The issue belongs to another round"
            )
        round_id = issue.round_id
    measure_ids = sorted(set(data.measure_ids))
    for measure_id in measure_ids:
        measure = await issues.get_measure(session, measure_id, principal.scope)
        if measure is None or measure.withdrawn_at is not None:
            raise invalid(
                "body.measure_ids", f"no such measure: {measure_id}", "整改措施不存在", "Measure does not exist"
            )
        if data.issue_id is not None and measure.issue_id != data.issue_id:
            raise invalid(
                "body.measure_ids",
                f"measure {measure_id} belongs to another issue",
                "整改措施不属于该问题",
                "The measure belongs to another issue",
            )
    now = utcnow()
    ind = Indicator(
        round_id=round_id,
        issue_id=data.issue_id,
        name=data.name,
        unit=data.unit or "",
        kind=data.kind,
        direction=data.direction,
        baseline=data.baseline,
        baseline_date=data.baseline_date,
        target=data.target,
        target_date=data.target_date,
        target_text=data.target_text,
        frequency=data.frequency,
        subject=data.subject,
        verb=data.verb,
        noun=data.noun,
        org_id=data.org_id,
        org_path=org.path,
        illustrative=[],
        created_by=principal.name,
        created_at=now,
        updated_at=now,
    )
    session.add(ind)
    await session.flush()
    assert ind.id is not None
    for measure_id in measure_ids:
        session.add(IndicatorMeasure(indicator_id=ind.id, measure_id=measure_id))
    await record_change(
        session,
        principal,
        EventType.indicator_created,
        "indicator",
        ind.id,
        data=ev.IndicatorCreated(id=ind.id, name=ind.name, kind=ind.kind, org_id=ind.org_id, round_id=round_id),
        after=_view(ind, measure_ids),
        org_path=org.path,
    )
    return ind


def _period(text: str) -> Period:
    try:
        period = parse_period(text)
    except ValueError as exc:
        raise invalid("body.period", str(exc), "报告期格式不正确", f"Invalid period: {exc}") from None
    if period.start > today():
        raise implausible_value("body.period", "the period has not started yet")
    return period


def _figure(ind: Indicator, data: ValueCreate) -> tuple[Decimal | None, list[dict[str, Any]] | None]:
    kind = IndicatorKind(ind.kind)
    if kind == IndicatorKind.qualitative:
        if data.met is None or data.value is not None or data.stages is not None:
            raise invalid(
                "body.met",
                "a qualitative indicator takes a judgement (met), not a value",
                "定性指标须认定是否达到目标（met）",
                "Give met: true or false",
            )
        return None, None
    if data.met is not None:
        raise invalid("body.met", "only a qualitative indicator is judged", "仅定性指标填写认定结果", "Give a value")
    if kind == IndicatorKind.count_by_stage:
        if data.stages is None or data.value is not None:
            raise invalid(
                "body.stages", "a count_by_stage indicator takes stages, not value", "须按阶段填报数量", "Give stages"
            )
        counts = [(s.stage, s.count) for s in data.stages]
        if reason := implausible_stages(counts):
            raise implausible_value("body.stages", reason)
        return None, [s.model_dump() for s in data.stages]
    if data.value is None or data.stages is not None:
        raise invalid("body.value", "this indicator takes a value, not stages", "须填报数值", "Give a value")
    _check_plausible(kind, ind.unit, "body.value", data.value)
    return data.value, None


async def report_value(
    session: AsyncSession, indicator_id: int, data: ValueCreate, principal: Principal
) -> tuple[Indicator, IndicatorValue]:
    ind = await repository.get(session, indicator_id, principal.scope, for_update=True)
    if ind is None:
        raise not_found("指标", "Indicator")
    assert ind.id is not None
    period = _period(data.period)
    value, stages = _figure(ind, data)
    if data.met is not None and principal.role == Role.unit_operator:
        raise FORBIDDEN.error(
            message="达标认定由督察整改办作出", message_en="The office records whether a qualitative target is met"
        )
    # a unit reports as itself; the office for any org under the indicator's org in its tree
    default = principal.org_id if principal.role == Role.unit_operator else ind.org_id
    org = await orgs.get(session, data.org_id if data.org_id is not None else default)
    if (
        org is None
        or org.id is None
        or not principal.scope.contains(org.path)
        or not Scope(ind.org_path).contains(org.path)
    ):
        raise invalid(
            "body.org_id",
            "no such org under the indicator's org in your scope",
            "填报单位不存在或不在该指标及您的管辖范围内",
            "Reporting org is not under the indicator's org within your scope",
        )
    if data.attachment_id is not None:
        await attachments.check_visible(session, principal, data.attachment_id, "body.attachment_id")
    existing = await repository.value_for_update(session, ind.id, org.id, period.label)
    if ind.kind == IndicatorKind.cumulative:
        others = [
            parse_period(p) for p, _, _ in await repository.periods_of(session, ind.id, org.id) if p != period.label
        ]
        if clash := partial_overlap(period, others):
            raise implausible_value(
                "body.period", f"overlaps the reported period {clash.label} (it would be counted twice)"
            )
    now = utcnow()
    before = None
    if existing is None:
        row = IndicatorValue(
            indicator_id=ind.id,
            org_id=org.id,
            org_path=org.path,
            period=period.label,
            period_start=period.start,
            period_end=period.end,
            reported_by=principal.name,
        )
    else:
        row = existing
        before = {"value": str(row.value) if row.value is not None else None, "stages": row.stages}
    row.value, row.stages, row.met = value, stages, data.met
    row.source, row.attachment_id = data.source, data.attachment_id
    row.reported_by, row.reported_at = principal.name, now
    session.add(row)
    await session.flush()
    assert row.id is not None
    if data.attachment_id is not None:
        await attachments.attach(
            session, principal, data.attachment_id, VALUE_LINK_KIND, row.id, ind.issue_id, org.path
        )
    if ind.round_id is not None:
        # a unit's figure counts as its report for the dispatch rounds it owes
        await dispatch.fulfil(session, ind.round_id, org.id, None, now)
    await record_change(
        session,
        principal,
        EventType.indicator_value_reported,
        "indicator",
        ind.id,
        data=ev.IndicatorValueReported(
            indicator_id=ind.id, value_id=row.id, period=period.label, org_id=org.id, replaced=existing is not None
        ),
        before=before,
        after={
            "period": period.label,
            "org_id": org.id,
            "value": str(value) if value is not None else None,
            "stages": stages,
            "met": data.met,
            "source": data.source,
            "attachment_id": data.attachment_id,
        },
        org_path=org.path,
    )
    return ind, row
