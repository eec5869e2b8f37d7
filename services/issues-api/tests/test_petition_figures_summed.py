"""Today's petition figures summed in the database (`petitions.stats.figures_now`) equal the cases
counted one by one (`rectify_shared.petition_stats.aggregate`, which the as-of figures and the
documents use) for any set of cases — states, verdicts, repeats, certifications, accountability
(a fine beyond 2³¹ yuan included), pollution types beyond the former enum, several new ones in one
case — on SQLite and PostgreSQL, for the office, a league's subtree, one county exactly, one round
and all."""

import asyncio
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from issues_api.petitions import repository
from issues_api.petitions.stats import figures_now
from rectify_shared.db import make_engine, make_sessionmaker
from rectify_shared.enums import PetitionState, PetitionVerdict
from rectify_shared.models import InspectionRound, PetitionBatch, PetitionCase
from rectify_shared.petition_stats import aggregate, case_rows

from .stats_history import org_tree, scopes

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
    ),
    max_size=30,
)  # fmt: skip


def _plain(f: Any) -> dict[str, Any]:
    return {
        "total": f.total, "batch_nos": f.batch_nos, "by_state": f.by_state, "by_verdict": f.by_verdict,
        "unjudged": f.unjudged, "repeats": f.repeats, "key_attention": f.key_attention, "certified": f.certified,
        "accountability": f.accountability,
        "by_locality": [(x.org_id, x.name, x.path, x.total, list(x.by_state.items())) for x in f.by_locality],
        # in order: the JSON object keeps it
        "by_pollution_type": list(f.by_pollution_type.items()),
    }  # fmt: skip


async def _scenario(url: str, given_cases: list[tuple[Any, ...]]) -> None:
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as s:
            orgs = await org_tree(s)
            rounds = []
            for n in range(2):
                rnd = InspectionRound(name=f"轮{n}", inspection_team="组", target_region="区", org_id=orgs[0].id,
                                      org_path=orgs[0].path)  # fmt: skip
                s.add(rnd)
                rounds.append(rnd)
            await s.flush()
            batches: dict[tuple[int, int], PetitionBatch] = {}
            previous: PetitionCase | None = None
            for i, (rnd, batch_no, loc, resp, state, verdict, types, key, certified, repeat, acc) in enumerate(
                given_cases
            ):
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
                )  # fmt: skip
                s.add(case)
                await s.flush()
                previous = case
            await s.commit()
            for scope in scopes([o.path for o in orgs]):
                for round_id in (rounds[0].id, None):
                    summed = await figures_now(s, round_id, scope)
                    counted = aggregate((await s.execute(case_rows(round_id, None, repository.visible(scope)))).all())
                    assert _plain(summed) == _plain(counted), f"{scope} round {round_id}"
            assert (await s.execute(select(PetitionCase.id))).first() is not None or not given_cases
    finally:
        await engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(given_cases=cases)
def test_summed_figures_equal_the_cases_counted(db_url: str, given_cases: list[tuple[Any, ...]]) -> None:
    asyncio.run(_scenario(db_url, given_cases))
