"""The calendar endpoints: working-day counts, day listings, and the office loading a year."""

from typing import Any

from sqlalchemy import select

from rectify_shared.models import AuditRecord, CalendarDay, CalendarYear

#: an ILLUSTRATIVE 2027 arrangement (the State Council had not published 2027 when this was
#: written): 元旦 Fri Jan 1 – Sun Jan 3, 春节 Sat Feb 6 – Sun Feb 14, Saturday Feb 20 worked
YEAR_2027: dict[str, Any] = {
    "holidays": [{"date": f"2027-01-0{d}", "name": "元旦"} for d in (1, 2, 3)]
    + [{"date": f"2027-02-{d:02d}", "name": "春节"} for d in range(6, 15)],
    "makeup_workdays": [{"date": "2027-02-20", "name": "春节"}],
}


async def rows(app: Any, stmt: Any) -> list[Any]:
    async with app.state.rectify.read_sessions() as s:
        return list((await s.execute(stmt)).scalars().all())


async def test_workdays_counts_the_start_and_skips_official_holidays(client):
    r = await client.get("/api/v1/calendar/workdays?start=2025-12-29&count=5")
    assert r.status_code == 200
    # 12-29, 12-30, 12-31, Sunday 2026-01-04 (调休), 01-05
    assert r.json() == {"start": "2025-12-29", "end": "2026-01-05", "count": 5, "provisional": False}
    r = await client.get("/api/v1/calendar/workdays?start=2025-09-29&count=10")
    assert r.json()["end"] == "2025-10-17" and r.json()["provisional"] is False


async def test_workdays_bad_input_is_422(client):
    for query in ("start=2025-01-01&count=0", "start=2025-01-01&count=367", "count=3", "start=2025-13-01&count=1"):
        r = await client.get(f"/api/v1/calendar/workdays?{query}")
        assert r.status_code == 422, query
        assert r.json()["error"]["details"], query


async def test_days_lists_kinds_and_names(client):
    r = await client.get("/api/v1/calendar/days?from=2025-09-27&to=2025-10-12")
    assert r.status_code == 200
    items = {i["date"]: i for i in r.json()["items"]}
    assert len(items) == 16
    assert items["2025-09-27"]["kind"] == "weekend" and items["2025-09-27"]["name"] is None
    assert items["2025-09-28"] == {
        "date": "2025-09-28",
        "kind": "makeup_workday",
        "name": "国庆节",
        "provisional": False,
    }
    assert items["2025-10-01"]["kind"] == "holiday" and items["2025-10-01"]["name"] == "国庆节"
    assert items["2025-10-06"]["name"] == "中秋节"
    assert items["2025-10-09"]["kind"] == "workday"
    assert items["2025-10-11"]["kind"] == "makeup_workday"


async def test_days_range_is_checked(client):
    ok = await client.get("/api/v1/calendar/days?from=2024-01-01&to=2024-12-31")  # a leap year: 366 days
    assert ok.status_code == 200 and len(ok.json()["items"]) == 366
    for query in ("from=2025-01-01&to=2026-01-02", "from=2025-02-01&to=2025-01-31", "from=2025-01-01"):
        r = await client.get(f"/api/v1/calendar/days?{query}")
        assert r.status_code == 422, query
        assert r.json()["error"]["details"][0]["field"].startswith("query."), query


async def test_reads_need_credentials(anon):
    assert (await anon.get("/api/v1/calendar/workdays?start=2025-01-01&count=1")).status_code == 401
    assert (await anon.get("/api/v1/calendar/days?from=2025-01-01&to=2025-01-02")).status_code == 401


async def test_a_unit_operator_may_read_but_not_load_a_year(signin):
    unit = await signin("abgq")
    assert (await unit.get("/api/v1/calendar/workdays?start=2025-01-01&count=1")).status_code == 200
    r = await unit.put("/api/v1/calendar/years/2027", json=YEAR_2027)
    assert r.status_code == 403


async def test_loading_2027_makes_counts_official(client, app):
    before = (await client.get("/api/v1/calendar/workdays?start=2026-12-28&count=10")).json()
    # weekends only in 2027: 12-28 … 12-31, 01-01, 01-04 … 01-08
    assert before == {"start": "2026-12-28", "end": "2027-01-08", "count": 10, "provisional": True}
    day = (await client.get("/api/v1/calendar/days?from=2027-01-01&to=2027-01-01")).json()["items"][0]
    assert day == {"date": "2027-01-01", "kind": "workday", "name": None, "provisional": True}

    r = await client.put("/api/v1/calendar/years/2027", json=YEAR_2027)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["year"] == 2027 and body["source"] == "office" and body["updated_by"] == "admin"
    assert len(body["holidays"]) == 12 and body["makeup_workdays"] == [{"date": "2027-02-20", "name": "春节"}]
    assert body["recomputed"] == 0
    # 365 days − 104 weekend days − the weekday holidays (01-01, 02-08 … 02-12) + 1 make-up day
    weekday_holidays = sum(1 for h in YEAR_2027["holidays"] if h["date"] in {"2027-01-01", *_feb_weekdays()})
    assert body["workdays"] == 365 - 104 - weekday_holidays + 1

    after = (await client.get("/api/v1/calendar/workdays?start=2026-12-28&count=10")).json()
    assert after == {"start": "2026-12-28", "end": "2027-01-11", "count": 10, "provisional": False}
    day = (await client.get("/api/v1/calendar/days?from=2027-01-01&to=2027-01-01")).json()["items"][0]
    assert day == {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "provisional": False}

    years = await rows(app, select(CalendarYear))
    assert [(y.year, y.source, y.updated_by) for y in years] == [(2027, "office", "admin")]
    (audit,) = await rows(app, select(AuditRecord).where(AuditRecord.action == "calendar.year_replaced"))
    assert audit.entity_type == "calendar_year" and audit.entity_id == "2027" and audit.actor == "admin"
    assert audit.before["source"] == "none" and audit.before["holidays"] == 0
    assert audit.after["source"] == "office" and audit.after["holidays"] == 12
    assert audit.after["makeup_dates"] == ["2027-02-20"]


def _feb_weekdays() -> set[str]:
    from datetime import date

    return {f"2027-02-{d:02d}" for d in range(6, 15) if date(2027, 2, d).weekday() < 5}


async def test_a_second_load_replaces_the_year_wholly(client, app):
    assert (await client.put("/api/v1/calendar/years/2027", json=YEAR_2027)).status_code == 200
    smaller = {"holidays": [{"date": "2027-01-01", "name": "元旦"}]}
    r = await client.put("/api/v1/calendar/years/2027", json=smaller)
    assert r.status_code == 200 and r.json()["makeup_workdays"] == [] and len(r.json()["holidays"]) == 1
    days = await rows(app, select(CalendarDay).where(CalendarDay.year == 2027))
    assert [(d.day.isoformat(), d.kind) for d in days] == [("2027-01-01", "holiday")]
    audits = await rows(
        app, select(AuditRecord).where(AuditRecord.action == "calendar.year_replaced").order_by(AuditRecord.seq)
    )
    assert audits[-1].before["source"] == "office" and audits[-1].before["holidays"] == 12


async def test_an_office_year_overrides_the_package(client):
    r = await client.put("/api/v1/calendar/years/2026", json={"holidays": [{"date": "2026-01-01", "name": "元旦"}]})
    assert r.status_code == 200
    items = (await client.get("/api/v1/calendar/days?from=2026-01-01&to=2026-01-04")).json()["items"]
    assert [i["kind"] for i in items] == ["holiday", "workday", "weekend", "weekend"]


async def test_bad_years_are_422_row_by_row_and_write_nothing(client, app):
    body = {
        "holidays": [
            {"date": "2027-01-01", "name": "元旦"},
            {"date": "2026-12-31", "name": "元旦"},  # row 1: another year
            {"date": "2027-01-01", "name": "元旦"},  # row 2: duplicate of row 0
        ],
        "makeup_workdays": [
            {"date": "2027-01-04", "name": "元旦"},  # row 0: a Monday
            {"date": "2027-01-01", "name": "元旦"},  # row 1: also a holiday (and a Friday)
        ],
    }
    r = await client.put("/api/v1/calendar/years/2027", json=body)
    assert r.status_code == 422
    details = {(d["field"], d["row"]) for d in r.json()["error"]["details"]}
    assert {
        ("body.holidays", 0),
        ("body.holidays", 1),
        ("body.holidays", 2),
        ("body.makeup_workdays", 0),
        ("body.makeup_workdays", 1),
    } <= details
    assert all(d["column"] == "date" for d in r.json()["error"]["details"])
    assert await rows(app, select(CalendarYear)) == []
    for year, payload in ((1999, YEAR_2027), (2101, YEAR_2027), (2027, {"holidays": []}), (2027, {"x": 1})):
        assert (await client.put(f"/api/v1/calendar/years/{year}", json=payload)).status_code == 422, (year, payload)
