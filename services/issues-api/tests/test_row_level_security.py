"""Row-level security (migrations 0016_rls and 0018_rls_more, PostgreSQL only): a backstop under the scope filters.

A transaction as the non-owner role `rectify_app` with `rectify.org_path` set to a province's
path sees that province's issues, measures and progress reports and nothing of another's —
even in a raw query with no application filter; with no path set it sees nothing.
"""

from datetime import date
from typing import Any

import pytest
from sqlalchemy import text, true
from sqlalchemy.exc import DBAPIError

from issues_api.issues import repository as issue_repository
from rectify_shared.db import enter_tenant
from rectify_shared.ids import new_id
from rectify_shared.models import (
    Attachment,
    AttachmentLink,
    Closure,
    Escalation,
    Indicator,
    IndicatorValue,
    InspectionRound,
    Issue,
    IssueOrg,
    Measure,
    Org,
    PetitionBatch,
    PetitionCase,
    ProgressReport,
)
from rectify_shared.settings import Settings

APP_ROLE = "rectify_app"
COUNTS = "SELECT (SELECT count(*) FROM issue), (SELECT count(*) FROM measure), (SELECT count(*) FROM progress_report)"
MORE_TABLES = ("petition_case", "closure", "attachment", "escalation", "indicator", "indicator_value")


@pytest.fixture
def db_url(pg_db_url: str) -> str:
    """PostgreSQL only (the policies do not exist on SQLite): the run's database, emptied."""
    return pg_db_url


async def seed_province(app: Any, name: str, issues: int) -> str:
    """A province (a root org) with a round and `issues` issues, each with a measure and a report."""
    async with app.state.rectify.write_sessions() as s:
        org = Org(name=name, kind="region", path="/")
        s.add(org)
        await s.flush()
        org.path = f"/{org.id}/"
        rnd = InspectionRound(
            name=f"{name}第二轮", inspection_team="督察组", target_region=name, org_id=org.id or 0, org_path=org.path
        )
        s.add(rnd)
        await s.flush()
        for seq in range(1, issues + 1):
            issue = Issue(
                round_id=rnd.id or 0,
                seq=seq,
                category="方面",
                description=f"{name}问题{seq}",
                lead_org_id=org.id or 0,
                org_path=org.path,
            )
            s.add(issue)
            await s.flush()
            s.add(IssueOrg(issue_id=issue.id or 0, org_id=org.id or 0, role="lead", org_path=org.path))
            measure = Measure(issue_id=issue.id or 0, seq=1, position=1, text="措施", org_path=org.path)
            s.add(measure)
            await s.flush()
            s.add(
                ProgressReport(
                    id=new_id(),
                    issue_id=issue.id or 0,
                    measure_id=measure.id,
                    text="进展",
                    reporting_org_id=org.id or 0,
                    org_path=org.path,
                    reported_by="seed",
                )
            )
        await s.commit()
        return org.path


async def seed_scoped_rows(app: Any, path: str, elsewhere: str | None = None) -> None:
    """One petition case, closure, attachment, escalation, indicator and value in the province at
    `path`; with `elsewhere` (another province) also a case it is responsible for and an
    attachment uploaded here that is evidence for its issue."""
    async with app.state.rectify.write_sessions() as s:
        org = (await s.execute(text("SELECT id FROM org WHERE path = :p"), {"p": path})).scalar_one()
        rnd, issue = (
            await s.execute(text("SELECT round_id, id FROM issue WHERE org_path = :p LIMIT 1"), {"p": path})
        ).one()
        batch = PetitionBatch(
            round_id=rnd, batch_no=1, transferred_at=date(2024, 5, 1), org_path=path, created_by="seed"
        )
        s.add(batch)
        await s.flush()
        other = (
            (await s.execute(text("SELECT id FROM org WHERE path = :p"), {"p": elsewhere})).scalar_one()
            if elsewhere
            else None
        )
        for no, responsible in enumerate([None, other] if other else [None], start=1):
            s.add(
                PetitionCase(
                    round_id=rnd,
                    batch_id=batch.id or 0,
                    intake_no=f"X{no}",
                    content="举报",
                    locality_org_id=org,
                    locality_path=path,
                    responsible_org_id=responsible,
                    responsible_path=elsewhere if responsible else None,
                )
            )
        s.add(
            Closure(
                issue_id=issue,
                round_id=rnd,
                org_path=path,
                applicant_org_id=org,
                state="review",
                statement="已完成",
                levels=[],
                applied_by="seed",
            )
        )
        s.add(
            Escalation(
                round_id=rnd,
                level="warning",
                rule="r1",
                dedupe_key=f"seed:{path}",
                issue_id=issue,
                addressed_org_id=org,
                org_path=path,
                reason="逾期",
                trigger={},
                state="proposed",
                as_of=date(2024, 6, 1),
            )
        )
        indicator = Indicator(
            name="指标",
            unit="个",
            kind="cumulative",
            direction="higher",
            frequency="monthly",
            org_id=org,
            org_path=path,
            created_by="seed",
        )
        s.add(indicator)
        await s.flush()
        s.add(
            IndicatorValue(
                indicator_id=indicator.id or 0,
                org_id=org,
                org_path=path,
                period="2024-05",
                period_start=date(2024, 5, 1),
                period_end=date(2024, 5, 31),
                reported_by="seed",
            )
        )
        for evidence_for in [None, elsewhere] if elsewhere else [None]:
            attachment = Attachment(
                sha256="0" * 64,
                size=1,
                file_type="pdf",
                media_type="application/pdf",
                filename="证明.pdf",
                org_id=org,
                org_path=path,
                uploaded_by="seed",
            )
            s.add(attachment)
            await s.flush()
            if evidence_for:
                their_issue = (
                    await s.execute(text("SELECT id FROM issue WHERE org_path = :p LIMIT 1"), {"p": evidence_for})
                ).scalar_one()
                s.add(
                    AttachmentLink(
                        attachment_id=attachment.id or 0,
                        target_kind="closure",
                        target_id=1,
                        issue_id=their_issue,
                        linked_by="seed",
                    )
                )
        await s.commit()


async def counts_as(app: Any, org_path: str | None, sql: str = COUNTS) -> tuple[int, ...]:
    """Raw counts with no application filter, as the app role in `org_path` (None: path unset)."""
    async with app.state.rectify.read_sessions() as s:
        if org_path is None:
            await s.execute(text(f"SET LOCAL ROLE {APP_ROLE}"))
        else:
            await enter_tenant(s, APP_ROLE, org_path)
        return tuple((await s.execute(text(sql))).one())


async def test_a_province_sees_none_of_another_provinces_rows(app):
    a = await seed_province(app, "甲省", issues=3)
    b = await seed_province(app, "乙省", issues=2)
    assert await counts_as(app, a) == (3, 3, 3)
    assert await counts_as(app, b) == (2, 2, 2)
    assert await counts_as(app, "/") == (5, 5, 5)  # the root path: the whole tree
    assert await counts_as(app, None) == (0, 0, 0)  # no tenant set: fail closed
    async with app.state.rectify.read_sessions() as owner:  # migrations and workers: the owner
        assert tuple((await owner.execute(text(COUNTS))).one()) == (5, 5, 5)


async def test_the_other_scoped_tables_hide_another_provinces_rows(app):
    """One raw count per table (0018_rls_more): 乙省 is responsible for a case located in 甲省 and
    uploaded evidence for 甲省's issue, so each sees those two rows too; nothing else crosses."""
    a = await seed_province(app, "甲省", issues=1)
    b = await seed_province(app, "乙省", issues=1)
    await seed_scoped_rows(app, a)
    await seed_scoped_rows(app, b, elsewhere=a)
    more = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in MORE_TABLES)
    # petition_case, closure, attachment, escalation, indicator, indicator_value
    assert await counts_as(app, a, more) == (2, 1, 2, 1, 1, 1)
    assert await counts_as(app, b, more) == (2, 1, 2, 1, 1, 1)
    assert await counts_as(app, "/", more) == (3, 2, 3, 2, 2, 2)
    assert await counts_as(app, None, more) == (0, 0, 0, 0, 0, 0)
    async with app.state.rectify.read_sessions() as owner:
        assert tuple((await owner.execute(text(more))).one()) == (3, 2, 3, 2, 2, 2)


async def test_the_tenant_holds_for_every_transaction_of_the_session(app):
    a = await seed_province(app, "甲省", issues=1)
    await seed_province(app, "乙省", issues=4)
    async with app.state.rectify.write_sessions() as s:
        await enter_tenant(s, APP_ROLE, a)
        await s.commit()  # the next transaction enters the tenant again
        assert (await s.execute(text("SELECT count(*) FROM issue"))).scalar_one() == 1
        await s.rollback()
        assert (await s.execute(text("SELECT current_user"))).scalar_one() == APP_ROLE


async def test_a_write_into_another_province_is_refused_and_nothing_is_written(app):
    a = await seed_province(app, "甲省", issues=1)
    b = await seed_province(app, "乙省", issues=1)
    async with app.state.rectify.write_sessions() as s:
        await enter_tenant(s, APP_ROLE, a)
        b_org = (await s.execute(text("SELECT id FROM org WHERE path = :p"), {"p": b})).scalar_one()
        with pytest.raises(DBAPIError, match="row-level security"):
            await s.execute(
                text(
                    "INSERT INTO issue (round_id, seq, category, description, lead_org_id, org_path,"
                    " deadline_provisional, long_term, status, created_at, updated_at)"
                    " SELECT round_id, 99, 'x', 'x', :org, :p, false, false, 'not_started', now(), now()"
                    " FROM issue LIMIT 1"
                ),
                {"org": b_org, "p": b},
            )
        await s.rollback()
    async with app.state.rectify.read_sessions() as owner:
        assert (await owner.execute(text("SELECT count(*) FROM issue WHERE seq = 99"))).scalar_one() == 0


@pytest.mark.parametrize("app_role", [APP_ROLE, ""])
async def test_a_forgotten_scope_filter_still_hides_other_subtrees(
    db_url, redis_url, queue_prefix, tmp_path, helpers, monkeypatch, app_role
):
    """The leader of 锡林郭勒盟 lists issues through a repository that lost its scope filter:
    with the app role, RLS keeps another province's issue out; without it (the control), it leaks."""
    from issues_api.main import create_app

    app = create_app(
        Settings(
            database_url=db_url, redis_url=redis_url, data_dir=tmp_path, queue_prefix=queue_prefix, db_app_role=app_role
        )
    )
    async with app.router.lifespan_context(app):
        round_id = await helpers.load_demo_into(app)
        await seed_province(app, "乙省", issues=1)
        # the scope filter forgotten, in both the per-request and the built-once statements
        monkeypatch.setattr(issue_repository, "visible", lambda scope: true())
        monkeypatch.setattr(issue_repository, "visible_bound", lambda exact: true())
        issue_repository.clear_statement_cache()
        leader = await helpers.login(app, "leader", helpers.DEMO_PASSWORD)
        try:
            r = await leader.get("/api/v1/issues", params={"limit": 200})
            assert r.status_code == 200, r.text
            leaked = [i for i in r.json()["items"] if i["description"].startswith("乙省")]
            assert bool(leaked) == (app_role == ""), leaked
            demo = await leader.get("/api/v1/issues", params={"round_id": round_id, "limit": 200})
            assert len(demo.json()["items"]) == 12  # its own subtree's issues, all still there
        finally:
            await leader.aclose()
            issue_repository.clear_statement_cache()  # no filterless statement outlives the test


async def test_requests_work_as_the_app_role(db_url, redis_url, queue_prefix, tmp_path, helpers):
    """The ledger's everyday writes pass the policies: create an issue, a measure, a report; patch; stats."""
    from issues_api.main import create_app

    app = create_app(
        Settings(
            database_url=db_url, redis_url=redis_url, data_dir=tmp_path, queue_prefix=queue_prefix, db_app_role=APP_ROLE
        )
    )
    async with app.router.lifespan_context(app):
        round_id = await helpers.load_demo_into(app)
        admin = await helpers.login(app, "admin", helpers.ADMIN_PASSWORD)
        try:
            first = (await admin.get("/api/v1/issues", params={"round_id": round_id})).json()["items"][0]
            r = await admin.post(f"/api/v1/issues/{first['id']}/measures", json={"text": "新增措施"})
            assert r.status_code == 201, r.text
            r = await admin.post(f"/api/v1/measures/{r.json()['id']}/progress", json={"text": "已开展"})
            assert r.status_code == 201, r.text
            r = await admin.get("/api/v1/stats/issues", params={"round_id": round_id})
            assert r.status_code == 200, r.text
        finally:
            await admin.aclose()
        async with app.state.rectify.read_sessions() as owner:
            mine = text("SELECT count(*) FROM progress_report WHERE text = '已开展'")
            assert (await owner.execute(mine)).scalar_one() == 1
