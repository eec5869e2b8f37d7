"""Issue 22: the ledger's counted first page (`GET /issues?with_total=true`) reads the calendar's
token and whether each problem has an indicator with its rows. A page with an overdue problem reads
no statement of the calendar while the calendar is kept; the indicators are read only for a page
with a problem in progress that has one."""

from typing import Any

from sqlalchemy import event, select, update

from rectify_shared.models import Indicator, Issue

URL = "/api/v1/issues?round_id={round}&limit=50&with_total=true"


async def _statements(app: Any, client: Any, url: str) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    engine = app.state.rectify.engine.sync_engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        r = await client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert r.status_code == 200, r.text
    return r.json(), [s for s in seen if s.lstrip().upper().startswith(("SELECT", "WITH"))]


async def test_a_counted_first_page_reads_the_calendar_and_the_indicators_with_its_rows(app, client, demo_round):
    url = URL.format(round=demo_round)
    first = (await client.get(url)).json()  # the calendar read and kept
    page, selects = await _statements(app, client, url)
    assert page == first
    assert any(i["overdue"] for i in page["items"]), "the demo round has overdue problems: the calendar is used"
    assert page["total"] == len(page["items"]) == 12
    # neither the calendar's rows nor its token in a statement of their own: the token came with the rows
    assert not [s for s in selects if "calendar_day" in s or "calendar_year" in s], selects
    assert not [s for s in selects if "calendar_version" in s and "FROM issue" not in s], selects
    # the demo's indicators judge problems in progress: read for this page (on SQLite their values apart)
    async with app.state.rectify.read_sessions() as s:
        indicated = set((await s.execute(select(Indicator.issue_id).where(Indicator.issue_id.is_not(None)))).scalars())
        in_progress = set(
            (await s.execute(select(Issue.id).where(Issue.round_id == demo_round, Issue.status == "in_progress")))
            .scalars()
            .all()
        )
    assert indicated & in_progress
    from_indicators = [s for s in selects if "FROM indicator" in s and "FROM issue" not in s]
    assert from_indicators, selects
    if app.state.rectify.engine.dialect.name == "postgresql":
        # the session's, the page, the indicators, their values' digest (`_judged_again`), the kept count
        assert len(selects) == 5, [s[:300] for s in selects]


async def test_a_page_whose_problems_in_progress_have_no_indicator_reads_none(app, client, demo_round):
    url = URL.format(round=demo_round) + "&status=in_progress"
    await client.get(url)
    page, selects = await _statements(app, client, url)
    assert [s for s in selects if "FROM indicator" in s and "FROM issue" not in s], "the demo's are judged"
    async with app.state.rectify.write_sessions() as s:  # the indicators tied to no problem
        await s.execute(update(Indicator).values(issue_id=None))
        await s.commit()
        flags = dict((await s.execute(select(Issue.id, Issue.on_schedule).where(Issue.status == "in_progress"))).all())
    page, selects = await _statements(app, client, url)
    assert page["items"] and all(i["status"] == "in_progress" for i in page["items"])
    assert not [s for s in selects if "FROM indicator" in s and "FROM issue" not in s], selects
    assert {i["id"]: i["on_schedule"] for i in page["items"]} == {i["id"]: flags[i["id"]] for i in page["items"]}
