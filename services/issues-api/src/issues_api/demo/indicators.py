"""Load the demo indicators (xilinguole_indicators.yaml) for the demo round."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Indicator, IndicatorMeasure, IndicatorValue, Issue, Measure, Org
from rectify_shared.periods import parse_period
from rectify_shared.timezone import CHINA_TZ

DEMO_FILE = "xilinguole_indicators.yaml"
DEMO_ACTOR = "demo-loader"


def read_demo_indicators() -> dict[str, Any]:
    text = resources.files("issues_api.demo").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def _decimal(raw: Any) -> Decimal | None:
    return None if raw is None else Decimal(str(raw))


async def load_demo_indicators(session: AsyncSession, round_id: int, orgs: dict[str, Org]) -> None:
    data = read_demo_indicators()
    as_of: date = data["as_of"]
    for spec in data["indicators"]:
        org = orgs[spec["org"]]
        assert org.id is not None
        issue_id: int | None = None
        measure_ids: list[int] = []
        if "issue_seq" in spec:
            issue = (
                await session.execute(
                    select(Issue).where(col(Issue.round_id) == round_id, col(Issue.seq) == spec["issue_seq"])
                )
            ).scalar_one()
            issue_id = issue.id
            for seq in spec.get("measure_seqs") or []:
                measure = (
                    await session.execute(
                        select(Measure).where(col(Measure.issue_id) == issue_id, col(Measure.seq) == seq)
                    )
                ).scalar_one()
                assert measure.id is not None
                measure_ids.append(measure.id)
        created = datetime.combine(date(2022, 11, 1), time(9), tzinfo=CHINA_TZ)
        ind = Indicator(
            round_id=round_id,
            issue_id=issue_id,
            name=spec["name"],
            unit=spec["unit"],
            kind=spec["kind"],
            direction=spec["direction"],
            baseline=_decimal(spec.get("baseline")),
            baseline_date=spec.get("baseline_date"),
            target=_decimal(spec.get("target")),
            target_date=spec.get("target_date"),
            frequency=spec["frequency"],
            subject=spec.get("subject"),
            verb=spec.get("verb"),
            noun=spec.get("noun"),
            org_id=org.id,
            org_path=org.path,
            illustrative=spec.get("illustrative") or [],
            created_by=DEMO_ACTOR,
            created_at=created,
            updated_at=created,
        )
        session.add(ind)
        await session.flush()
        assert ind.id is not None
        for measure_id in measure_ids:
            session.add(IndicatorMeasure(indicator_id=ind.id, measure_id=measure_id))
        for v in spec["values"]:
            period = parse_period(str(v["period"]))
            reported_on = v.get("reported_on") or min(period.end + timedelta(days=15), as_of)
            session.add(
                IndicatorValue(
                    indicator_id=ind.id,
                    org_id=org.id,
                    org_path=org.path,
                    period=period.label,
                    period_start=period.start,
                    period_end=period.end,
                    value=_decimal(v.get("value")),
                    stages=v.get("stages"),
                    source=v.get("source") or (f"推算：{v['derived']}" if v.get("derived") else None),
                    illustrative=["reported_at"],
                    reported_by=DEMO_ACTOR,
                    reported_at=datetime.combine(reported_on, time(9), tzinfo=CHINA_TZ),
                )
            )
