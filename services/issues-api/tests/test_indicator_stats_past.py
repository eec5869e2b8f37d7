"""`GET /stats/indicators?as_of=D` after its speed work (values read as Core rows, their reads
built without validation, the cumulative total in one sweep) gives, byte for byte, the answer of
the implementation before it (`previous`: ORM values, validated reads, the pair-by-pair total) on
random histories — kinds, nested and overlapping periods (the same days under two labels too),
values of the indicator's org and of orgs under it, reported on random days — for several days,
for the office and a leader over a league's subtree, for one round and for all; SQLite and
PostgreSQL."""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlmodel import col

from issues_api.auth.principal import Scope
from issues_api.indicators import repository, router, views
from issues_api.indicators.schemas import StageCount, ValueRead
from rectify_shared import indicator_figures
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.indicators import Observation
from rectify_shared.models import IndicatorValue
from rectify_shared.periods import Period
from rectify_shared.timezone import end_of_day

KINDS = ["cumulative", "level", "ratio", "count_by_stage", "qualitative"]
DAYS = [date(2023, 3, 31), date(2023, 12, 31), date(2024, 6, 30), date(2024, 11, 15)]


def _pairwise(series: list[Observation]) -> Decimal:
    outer = [o for o in series if not any(p.period != o.period and p.period.contains(o.period) for p in series)]
    seen: set[Period] = set()
    total = Decimal(0)
    for o in outer:
        if o.period not in seen:
            seen.add(o.period)
            total += o.value
    return total


async def _values_of(session: Any, indicator_ids: Any, scope: Scope, as_of: date | None) -> dict[int, list[Any]]:
    if not indicator_ids:
        return {}
    stmt = select(IndicatorValue).where(
        col(IndicatorValue.indicator_id).in_(indicator_ids), scope.clause(col(IndicatorValue.org_path))
    )
    if as_of is not None:
        stmt = stmt.where(
            col(IndicatorValue.period_start) <= as_of, col(IndicatorValue.reported_at) < end_of_day(as_of)
        )
    stmt = stmt.order_by(col(IndicatorValue.period_end), col(IndicatorValue.period_start), col(IndicatorValue.org_path))
    out: dict[int, list[Any]] = {}
    for v in (await session.execute(stmt)).scalars().all():
        out.setdefault(v.indicator_id, []).append(v)
    return out


def _value_read(v: Any) -> ValueRead:
    return ValueRead(
        id=v.id,
        period=v.period,
        period_start=v.period_start,
        period_end=v.period_end,
        org_id=v.org_id,
        value=v.value,
        stages=[StageCount.model_validate(s) for s in v.stages] if v.stages is not None else None,
        met=v.met,
        source=v.source,
        attachment_id=v.attachment_id,
        reported_by=v.reported_by,
        reported_at=v.reported_at,
    )


@contextmanager
def previous() -> Iterator[None]:
    """The implementation before the speed work, in place of the pieces it changed."""
    saved = (repository.values_of, views.value_read, indicator_figures.cumulative)
    repository.values_of, views.value_read, indicator_figures.cumulative = _values_of, _value_read, _pairwise  # type: ignore[assignment]
    try:
        yield
    finally:
        repository.values_of, views.value_read, indicator_figures.cumulative = saved  # type: ignore[assignment]


def _period(rng: random.Random) -> tuple[str, date, date]:
    year = rng.choice([2022, 2023, 2024])
    shape = rng.randrange(5)
    if shape == 0:
        return str(year), date(year, 1, 1), date(year, 12, 31)
    if shape == 1:
        return f"{year}-01-01/{year}-12-31", date(year, 1, 1), date(year, 12, 31)  # a year's days, another label
    if shape == 2:
        q = rng.randrange(4)
        end = (date(year, 3 * q + 3, 1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return f"{year}-Q{q + 1}", date(year, 3 * q + 1, 1), end
    if shape == 3:
        m = rng.randrange(1, 13)
        start = date(year, m, 1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return f"{year}-{m:02d}", start, end
    start = date(year, 1, 1) + timedelta(days=rng.randrange(300))
    end = start + timedelta(days=rng.randrange(1, 200))
    return f"{start.isoformat()}/{end.isoformat()}", start, end


async def _history(client: Any, db_url: str, round_id: int, rng: random.Random) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            orgs = {i: p for i, p in await conn.execute(text("SELECT id, path FROM org"))}
        league = min((p for p in orgs.values() if p.count("/") == 3), key=len)
        under = [i for i, p in orgs.items() if p.startswith(league)]
        made = []
        for n in range(6):
            kind = rng.choice(KINDS)
            org = rng.choice(under)
            body: dict[str, Any] = {"name": f"随机指标{n}", "kind": kind, "org_id": org, "round_id": round_id,
                                    "direction": rng.choice(["higher", "lower"]), "frequency": "irregular"}  # fmt: skip
            if kind == "qualitative":
                body["target"] = "保持达标"
            else:
                body |= {"unit": rng.choice(["个", "%", "公顷"]), "baseline": str(rng.randrange(0, 50)),
                         "baseline_date": "2022-01-01", "target": str(rng.randrange(50, 100)),
                         "target_date": "2025-12-31"}  # fmt: skip
            r = await client.post("/api/v1/indicators", json=body)
            assert r.status_code == 201, r.text
            made.append((r.json()["id"], kind, org))
        rows, seen = [], set()
        for ind_id, kind, org in made:
            own = [o for o in under if orgs[o].startswith(orgs[org])]
            for _ in range(rng.randrange(0, 25)):
                reporter = org if rng.random() < 0.7 else rng.choice(own)
                label, start, end = _period(rng)
                if (ind_id, reporter, label) in seen:
                    continue
                seen.add((ind_id, reporter, label))
                value = Decimal(rng.randrange(0, 10000)) / 100
                rows.append({
                    "indicator_id": ind_id, "org_id": reporter, "org_path": orgs[reporter], "period": label,
                    "period_start": start, "period_end": end,
                    "value": None if kind in ("count_by_stage", "qualitative") else value,
                    "stages": [{"stage": "built", "label": "已建成", "count": rng.randrange(9)},
                               {"stage": "trial", "label": "试运行", "count": rng.randrange(5)}]
                    if kind == "count_by_stage" else None,
                    "met": rng.choice([True, False]) if kind == "qualitative" else None,
                    "source": rng.choice([None, "年度评估"]), "reported_by": "random",
                    "reported_at": datetime(2022, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randrange(3 * 365 * 24)),
                })  # fmt: skip
        async with engine.begin() as conn:
            await conn.execute(IndicatorValue.__table__.insert(), rows)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def _previous_answer(db_url: str, scope: Scope, round_id: int | None, as_of: date) -> bytes:
    engine = make_engine(db_url)
    try:
        async with make_sessionmaker(engine)() as session:
            with previous():
                stats = await router._indicator_stats(session, scope, round_id, as_of)
            return await router._encoded(stats)
    finally:
        await engine.dispose()


async def test_the_past_day_answer_is_the_previous_implementations(client, signin, db_url, demo_round):
    leader = await signin("leader")
    rng = random.Random(20261211)
    await _history(client, db_url, demo_round, rng)
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            paths = {i: p for i, p in await conn.execute(text("SELECT id, path FROM org"))}
    finally:
        await engine.dispose()
    scopes = {id(who): Scope(paths[(await who.get("/api/v1/me")).json()["org"]["id"]]) for who in (client, leader)}
    for day in DAYS:
        for round_id in (demo_round, None):
            query = f"as_of={day.isoformat()}" + (f"&round_id={round_id}" if round_id else "")
            for who in (client, leader):
                r = await who.get(f"/api/v1/stats/indicators?{query}")
                assert r.status_code == 200, r.text
                assert r.content == await _previous_answer(db_url, scopes[id(who)], round_id, day), query
    # and the history was not empty: values of several kinds were judged on the last day
    body = (await client.get(f"/api/v1/stats/indicators?round_id={demo_round}&as_of={DAYS[-1]}")).json()
    mine = [i for i in body["indicators"] if i["name"].startswith("随机指标")]
    assert len(mine) == 6 and sum(len(i["series"]) for i in mine) > 20
