"""The dashboard's change tokens are taken in one order by every writer (PostgreSQL, where writers
run at once): a problem's responsible org written (its round's `stats_issue_inputs_version` row)
and then its figures at commit (`stats_tally_version`), beside an org renamed or moved at the same
time (the `org` trigger renews every round's tokens, then the move rewrites responsible-org rows).
Were the org's trigger to take the groups' tokens first, the two would wait on each other: one of
the two users' writes would fail with a deadlock."""

import asyncio
from typing import Any

import pytest
from sqlalchemy import text


@pytest.fixture
def db_url(pg_db_url: str) -> str:
    return pg_db_url


A_PROBLEMS_ORG = text(
    "UPDATE issue_org SET role = role WHERE issue_id = (SELECT min(id) FROM issue WHERE round_id = :r)"
)
ITS_FIGURES = text("UPDATE stats_tally_version SET token = token + 1 WHERE round_id = :r")  # as `stats_tally._bump`
AN_ORG_RENAMED = text("UPDATE org SET name = name || '（更名）' WHERE id = (SELECT min(org_id) FROM issue_org)")
TOKENS = text(
    "SELECT (SELECT token FROM stats_tally_version WHERE round_id = :r), "
    "(SELECT token FROM stats_issue_inputs_version WHERE round_id = :r)"
)


async def test_an_org_renamed_while_a_problem_is_written_waits_instead_of_deadlocking(app: Any, demo_round: int):
    engine = app.state.rectify.engine
    params = {"r": demo_round}
    async with engine.connect() as conn:
        before = tuple((await conn.execute(TOKENS, params)).one())
    async with engine.connect() as writer, engine.connect() as admin:
        await writer.begin()
        await admin.begin()
        await writer.execute(A_PROBLEMS_ORG, params)  # the round's inputs token: held till commit
        renaming = asyncio.create_task(admin.execute(AN_ORG_RENAMED))
        await asyncio.sleep(0.5)
        assert not renaming.done(), "the rename took the tokens while a problem's write held its round's"
        # the problem's figures at commit: not behind the rename (it waits for the inputs token first)
        await asyncio.wait_for(writer.execute(ITS_FIGURES, params), timeout=10)
        await writer.commit()
        await asyncio.wait_for(renaming, timeout=10)
        await admin.execute(A_PROBLEMS_ORG, params)  # the move's responsible-org rows
        await admin.commit()
    async with engine.connect() as conn:
        after = tuple((await conn.execute(TOKENS, params)).one())
    assert after[0] != before[0] and after[1] != before[1]
