"""`GET /stats/issues?as_of=D` writes its lead orgs' JSON itself (`stats.router._past_json`, no
pydantic object an org): its bytes are the ones the route's model and serializer make of the same
figures, whatever the org names hold (quotes, backslashes, line ends, control characters, any
script), with or without headings, orgs and completed problems."""

import asyncio
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from issues_api.core.fast_reads import route_json
from issues_api.stats import router, tally
from rectify_shared.enums import IssueStatus

counts = st.lists(st.integers(0, 10**6), min_size=len(tally.STATUSES), max_size=len(tally.STATUSES))
orgs = st.dictionaries(
    st.integers(1, 2**31 - 1),
    st.tuples(st.text(max_size=40), st.text(alphabet="/0123456789", min_size=1, max_size=12), counts),
    max_size=30,
)
headings = st.lists(
    st.tuples(st.text(max_size=20), st.sampled_from([s.value for s in IssueStatus]), st.integers(0, 999),
              st.integers(1, 9999)),
    max_size=6,
)  # fmt: skip
groups = st.lists(
    st.tuples(st.sampled_from([s.value for s in IssueStatus]), *[st.integers(0, 1)] * 5, st.integers(0, 99)),
    max_size=8,
)


def _figures(by_org: dict[int, tuple[str, str, list[int]]], cats: list, flag_rows: list) -> tally.Figures:
    f = tally.Figures()
    f.add_groups(flag_rows)
    f.by_category = cats
    f.orgs = by_org
    f.finish()
    return f


@settings(max_examples=200, deadline=None)
@given(by_org=orgs, cats=headings, flag_rows=groups, round_id=st.none() | st.integers(1, 99))
def test_a_past_days_json_is_the_routes(by_org, cats, flag_rows, round_id) -> None:
    f = _figures(by_org, cats, flag_rows)
    day = date(2024, 6, 30)
    want = asyncio.run(route_json(router._route(), router._stats(f, round_id, day)))
    assert asyncio.run(router._past_json(f, round_id, day)) == want


def test_names_that_look_like_the_key_change_nothing() -> None:
    tricky = ',"by_org":[],'
    f = _figures({7: (tricky, "/1/2/", [1, 2, 3, 4, 5]), 3: ('a"\\\n\x01\u2028😀', "/1/1/", [0] * 5)},
                 [(tricky, "in_progress", 2, 1)], [("completed", 2, 1, 1, 0, 1, 4)])  # fmt: skip
    day = date(2025, 1, 1)
    want = asyncio.run(route_json(router._route(), router._stats(f, 1, day)))
    assert asyncio.run(router._past_json(f, 1, day)) == want
