"""The petition figures summed in the database (`petitions.stats.figures_now`, today's, and
`figures_as_of`, a past day's) equal the cases counted one by one (`rectify_shared.petition_stats.
aggregate` of `case_rows`, which the documents use) for any set of cases — states, verdicts, repeats,
certifications, accountability (a fine beyond 2³¹ yuan included), pollution types beyond the former
enum, several new ones in one case — and any history (registration times and state changes around
China midnight, ties included), on SQLite and PostgreSQL, for the office, a league's subtree, one
county exactly, one round and all. Today's answer kept per process (`stats._today`, given again
while the round's change token is unchanged) equals the recount after each kind of write: a case
added, its state, verdict, accountability or pollution types changed, a case deleted, a batch
renumbered, a locality renamed."""

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update

from issues_api.auth.principal import Scope
from issues_api.petitions import repository, stats
from issues_api.petitions.stats import figures_as_of, figures_now
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.enums import PetitionState, PetitionVerdict
from rectify_shared.models import InspectionRound, Org, PetitionBatch, PetitionCase, PetitionStateChange
from rectify_shared.petition_stats import aggregate, case_rows

TYPES = ["air", "water", "noise", "dust", "fumes", "odour"]  # the last three: not of the former enum
cases = st.lists(
    st.tuples(
        st.integers(0, 1),  # round
        st.integers(1, 3),  # batch number
        st.integers(0, 2),  # locality: league, county a, county b
        st.none() | st.integers(0, 3),  # responsible: none, or league, county a, county b, department
        st.sampled_from(list(PetitionState)),
        st.none() | st.just("") | st.sampled_from(list(PetitionVerdict)),
        st.lists(st.sampled_from(TYPES), max_size=3),
        st.booleans(),  # key attention
        st.none() | st.just("") | st.just("生态环境局"),  # certified by
        st.booleans(),  # a repeat of the case before
        st.none() | st.fixed_dictionaries({"ordered_rectification": st.integers(0, 3),
                                           "fine_yuan": st.sampled_from([0, 50_000, 3_000_000_000])}),
        st.integers(0, 12),  # registered: 8-hour steps from 2024-06-01 00:00 UTC (16:00 UTC is China's midnight)
        st.lists(st.tuples(st.integers(0, 14), st.sampled_from(list(PetitionState))), max_size=3),  # changes
    ),
    max_size=30,
)  # fmt: skip
SERIAL = itertools.count()
START = datetime(2024, 6, 1, tzinfo=UTC)
DAYS = [date(2024, 5, 31), date(2024, 6, 1), date(2024, 6, 2), date(2024, 6, 3), date(2024, 6, 6)]
#: writes after the cases are in: (kind, which case or org or batch, a value)
writes = st.lists(
    st.tuples(
        st.sampled_from(["add", "state", "verdict", "accountability", "types", "delete", "batch_no", "rename"]),
        st.integers(0, 29),
        st.sampled_from(list(PetitionState)),
    ),
    max_size=5,
)


def _plain(f: Any) -> dict[str, Any]:
    return {
        "total": f.total, "batch_nos": f.batch_nos, "by_state": f.by_state, "by_verdict": f.by_verdict,
        "unjudged": f.unjudged, "repeats": f.repeats, "key_attention": f.key_attention, "certified": f.certified,
        "accountability": f.accountability,
        "by_locality": [(x.org_id, x.name, x.path, x.total, list(x.by_state.items())) for x in f.by_locality],
        # in order: the JSON object keeps it
        "by_pollution_type": list(f.by_pollution_type.items()),
    }  # fmt: skip


async def _orgs(s: Any) -> list[Org]:
    """the office, a league under it, two counties under the league, a department under the office."""
    root = Org(name="区", kind="region", path="/", depth=0)
    s.add(root)
    await s.flush()
    root.path = f"/{root.id}/"
    made = [root]
    for name, kind, parent in (
        ("盟", "league", 0),
        ("旗甲", "county", 1),
        ("旗乙", "county", 1),
        ("厅", "department", 0),
    ):
        up = made[parent]
        org = Org(name=name, kind=kind, parent_id=up.id, path="/", depth=up.depth + 1)
        s.add(org)
        await s.flush()
        org.path = f"{up.path}{org.id}/"
        made.append(org)
    return made


async def _check_today(s: Any, scopes: list[Scope], round_ids: list[int | None], note: str) -> None:
    """The kept answer (given again while the token is unchanged) equals the recount of the cases."""
    for scope in scopes:
        for round_id in round_ids:
            kept = (await stats._today(s, round_id, scope)).model_dump()
            counted = aggregate((await s.execute(case_rows(round_id, None, repository.visible(scope)))).all())
            assert kept == stats._answer(counted, round_id, None).model_dump(), f"{note}: {scope} round {round_id}"


async def _write(s: Any, kind: str, n: int, state: PetitionState, orgs: list[Org], rounds: list[Any]) -> None:
    """One write of the kind, in its own transaction (raw SQL for the batch and the org: the
    database's triggers renew the token whichever way the row is written)."""
    mine = [r.id for r in rounds]
    ids = list(
        (
            await s.execute(select(PetitionCase.id).where(PetitionCase.round_id.in_(mine)).order_by(PetitionCase.id))
        ).scalars()
    )
    if kind == "add" or not ids:
        batch = (
            (await s.execute(select(PetitionBatch).where(PetitionBatch.round_id.in_(mine)).order_by(PetitionBatch.id)))
            .scalars()
            .first()
        )
        if batch is None:
            return
        loc = orgs[1 + n % 3]
        s.add(PetitionCase(round_id=batch.round_id, batch_id=batch.id, intake_no=f"W{next(SERIAL)}", content="内容",
                           locality_org_id=loc.id, locality_path=loc.path, pollution_types=["dust"], state=state,
                           verdict="substantiated", certified_by="局"))  # fmt: skip
    elif kind == "batch_no":
        batch_ids = list(
            (
                await s.execute(
                    select(PetitionBatch.id).where(PetitionBatch.round_id.in_(mine)).order_by(PetitionBatch.id)
                )
            ).scalars()
        )
        if not batch_ids:
            return
        await s.execute(update(PetitionBatch).where(PetitionBatch.id == batch_ids[n % len(batch_ids)])
                        .values(batch_no=PetitionBatch.batch_no + 10))  # fmt: skip
    elif kind == "rename":
        await s.execute(update(Org).where(Org.id == orgs[1 + n % 3].id).values(name=f"改名{n}"))
    else:
        case_id = ids[n % len(ids)]
        if kind == "delete":
            await s.execute(delete(PetitionStateChange).where(PetitionStateChange.case_id == case_id))
            await s.execute(update(PetitionCase).where(PetitionCase.repeat_of_id == case_id).values(repeat_of_id=None))
            await s.execute(delete(PetitionCase).where(PetitionCase.id == case_id))
        else:
            c = await s.get(PetitionCase, case_id)
            if kind == "state":
                s.add(PetitionStateChange(case_id=case_id, from_state=c.state, to_state=state, changed_by="t"))
                c.state = state
            elif kind == "verdict":
                c.verdict = None if c.verdict else "unsubstantiated"
            elif kind == "accountability":
                c.accountability = {"fine_yuan": n * 1000, "interviews": 1}
            else:
                c.pollution_types = [*c.pollution_types, "smoke"]
            s.add(c)
    await s.commit()


async def _scenario(url: str, given_cases: list[tuple[Any, ...]], given_writes: list[tuple[Any, ...]]) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            orgs = await _orgs(s)
            rounds = []
            for n in range(2):
                rnd = InspectionRound(name=f"轮{n}", inspection_team="组", target_region="区", org_id=orgs[0].id,
                                      org_path=orgs[0].path)  # fmt: skip
                s.add(rnd)
                rounds.append(rnd)
            await s.flush()
            batches: dict[tuple[int, int], PetitionBatch] = {}
            previous: PetitionCase | None = None
            for i, (
                rnd,
                batch_no,
                loc,
                resp,
                state,
                verdict,
                types,
                key,
                certified,
                repeat,
                acc,
                born,
                changes,
            ) in enumerate(given_cases):
                round_id = rounds[rnd].id
                assert round_id is not None
                if (round_id, batch_no) not in batches:
                    batches[(round_id, batch_no)] = PetitionBatch(
                        round_id=round_id, batch_no=batch_no, transferred_at=date(2024, 5, batch_no),
                        org_path=orgs[0].path, created_by="t",
                    )  # fmt: skip
                    s.add(batches[(round_id, batch_no)])
                    await s.flush()
                locality = orgs[1 + loc]
                responsible = None if resp is None else orgs[1 + resp]
                case = PetitionCase(
                    round_id=round_id, batch_id=batches[(round_id, batch_no)].id, intake_no=f"X{i}", content="内容",
                    locality_org_id=locality.id, locality_path=locality.path, pollution_types=types,
                    key_attention=key, responsible_org_id=responsible.id if responsible else None,
                    responsible_path=responsible.path if responsible else None, verdict=verdict, accountability=acc,
                    state=state, certified_by=certified, repeat_of_id=previous.id if repeat and previous else None,
                    created_at=START + timedelta(hours=8 * born),
                )  # fmt: skip
                s.add(case)
                await s.flush()
                for step, to_state in changes:
                    s.add(PetitionStateChange(case_id=case.id, to_state=to_state, changed_by="t",
                                              changed_at=START + timedelta(hours=8 * step)))  # fmt: skip
                previous = case
            await s.commit()
            scopes = [Scope(orgs[0].path), Scope(orgs[1].path), Scope(orgs[2].path, exact=True), Scope(orgs[4].path)]
            for scope in scopes:
                for round_id in (rounds[0].id, None):
                    summed = await figures_now(s, round_id, scope)
                    counted = aggregate((await s.execute(case_rows(round_id, None, repository.visible(scope)))).all())
                    assert _plain(summed) == _plain(counted), f"{scope} round {round_id}"
                    for day in DAYS:
                        past = await figures_as_of(s, round_id, scope, day)
                        recount = aggregate(
                            (await s.execute(case_rows(round_id, day, repository.visible(scope)))).all()
                        )
                        assert _plain(past) == _plain(recount), f"{scope} round {round_id} as of {day}"
            assert (await s.execute(select(PetitionCase.id))).first() is not None or not given_cases
            round_ids: list[int | None] = [rounds[0].id, rounds[1].id, None]
            await _check_today(s, scopes, round_ids, "before any write")
            await _check_today(s, scopes, round_ids, "nothing written")
            for kind, n, state in given_writes:
                await _write(s, kind, n, state, orgs, rounds)
                await _check_today(s, scopes, round_ids, f"after {kind} {n}")
    finally:
        await engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(given_cases=cases, given_writes=writes)
def test_summed_figures_equal_the_cases_counted(
    db_url: str, given_cases: list[tuple[Any, ...]], given_writes: list[tuple[Any, ...]]
) -> None:
    asyncio.run(_scenario(db_url, given_cases, given_writes))
