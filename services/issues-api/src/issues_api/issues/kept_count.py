"""The ledger's count from the counts kept with the writes (`rectify_shared.stats_tally`): for a
top-level office's subtree and no filter but the round (`repository._from_tally` decides), the
list's `with_total` is a sum over the kept groups, not a join over every live problem; on
PostgreSQL the inside part is read again only when the round's change token moved."""

from functools import lru_cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select
from sqlmodel import col

from rectify_shared.db_fast import dialect_of, fetch
from rectify_shared.models import IssueOrg
from rectify_shared.models.stats import StatsIssueKey, StatsIssueTally, StatsTallyVersion

from ..auth.principal import Scope
from ..core.kept import Kept

_KEY: Any = StatsIssueKey.__table__  # type: ignore[attr-defined]
_TALLY: Any = StatsIssueTally.__table__  # type: ignore[attr-defined]
_VERSION: Any = StatsTallyVersion.__table__  # type: ignore[attr-defined]


def _tally_parts(by_round: bool) -> tuple[Any, Any, Any]:
    """(the change token of the kept groups, the live problems led from inside the subtree, those
    led from outside it that the caller sees through another of their orgs), as scalar subqueries."""
    t, k, v = _TALLY.c, _KEY.c, _VERSION.c
    token = select(func.sum(v.token))
    inside = select(func.coalesce(func.sum(t.n), 0)).where(Scope.bound_clause(t.org_path, False))
    seen = exists().where(col(IssueOrg.issue_id) == k.issue_id, Scope.bound_clause(col(IssueOrg.org_path), False))
    outside = select(func.count()).select_from(_KEY).where(~Scope.bound_clause(k.org_path, False), seen)
    if by_round:
        token = token.where(v.round_id == bindparam("round_id"))
        inside = inside.where(t.round_id == bindparam("round_id"))
        outside = outside.where(k.round_id == bindparam("round_id"))
    return token.scalar_subquery(), inside.scalar_subquery(), outside.scalar_subquery()


@lru_cache(maxsize=4)
def _tally_count_statement(by_round: bool) -> Select[Any]:
    """The list's count for a subtree scope and no filter but the round, from the counts kept with
    the writes (`rectify_shared.stats_tally`): (n, the groups' change token, the part led from
    inside the subtree). n = the live problems led from inside the subtree (the sum of their
    groups' `n`) plus those led from outside it that the caller sees through another of their orgs
    (`stats_issue_key` rows outside the subtree with an `issue_org` link inside it).

    Equal to `_count_statement`'s count: every live problem has one `stats_issue_key` row, on its
    lead's path (tests/test_stats_tally_property.py compares the two after random histories)."""
    token, inside, outside = _tally_parts(by_round)
    return select((inside + outside).label("n"), token.label("token"), inside.label("inside"))


@lru_cache(maxsize=4)
def _tally_token_statement(by_round: bool) -> Select[Any]:
    """The groups' change token and the part led from outside the subtree (a few index probes):
    while the token is the one `_tally_count_statement` was last read with, the part led from
    inside is the one it gave (the token changes in the transaction of every write to the groups)."""
    token, _inside, outside = _tally_parts(by_round)
    return select(outside.label("outside"), token.label("token"))


#: (round id or None, scope bounds) -> (the groups' change token, the part led from inside), PostgreSQL
_INSIDE_MAX = 64
_INSIDE: "Kept[tuple[Any, ...], int]" = Kept(_INSIDE_MAX)


async def count(session: Any, round_id: int | None, params: dict[str, Any]) -> int:
    """`_tally_count_statement`'s n; on PostgreSQL the part led from inside is read again only when
    the groups' change token moved since it was last read (at scale 1 it sums ~5,000 group rows
    for a round: ~1 ms of PostgreSQL time a request; the token and the outsiders, ~0.02 ms)."""
    by_round = round_id is not None
    if dialect_of(session).name != "postgresql":
        return int((await fetch(session, _tally_count_statement(by_round), params))[0][0])
    key = (round_id, params["scope_lo"], params["scope_hi"])
    if key in _INSIDE:
        outside, token = (await fetch(session, _tally_token_statement(by_round), params))[0]
        if token is not None and (inside := _INSIDE.get(key, token)) is not None:
            return inside + int(outside)
    n, token, inside = (await fetch(session, _tally_count_statement(by_round), params))[0]
    if token is not None:
        _INSIDE.put(key, token, int(inside))
    return int(n)


def clear() -> None:
    """Forget the statements built once and the inside parts read (`repository.clear_statement_cache`)."""
    _tally_count_statement.cache_clear()
    _tally_token_statement.cache_clear()
    _INSIDE.clear()
