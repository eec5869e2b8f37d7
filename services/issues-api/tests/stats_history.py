"""Shared by the figures' property tests (no tests here): the org tree and the round they write
into, the four scopes they read with, and the recount's figures made comparable."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from issues_api.auth.principal import Scope
from rectify_shared.models import InspectionRound, Org

NAMES = ["区", "盟", "旗甲", "旗乙", "厅"]


async def org_tree(s: Any) -> list[Org]:
    """/1/ the office, /1/a/ a league, /1/a/b/ and /1/a/c/ its counties, /1/d/ a department (flushed)."""
    root = Org(name=NAMES[0], kind="region", path="/", depth=0)
    s.add(root)
    await s.flush()
    root.path = f"/{root.id}/"
    made = [root]
    for name, kind, parent in ((NAMES[1], "league", 0), (NAMES[2], "county", 1), (NAMES[3], "county", 1),
                               (NAMES[4], "department", 0)):  # fmt: skip
        up = made[parent]
        org = Org(name=name, kind=kind, parent_id=up.id, path="/", depth=up.depth + 1)
        s.add(org)
        await s.flush()
        org.path = f"{up.path}{org.id}/"
        made.append(org)
    return made


def scopes(paths: list[str]) -> list[Scope]:
    """The office, the league's subtree, one county exactly, the department."""
    return [Scope(paths[0]), Scope(paths[1]), Scope(paths[2], exact=True), Scope(paths[4])]


@dataclass
class Unit:
    id: int
    path: str


async def office_round(s: Any) -> tuple[int, list[str], list[Unit]]:
    """A new round of the office (the tree made once a database: hypothesis' examples share it),
    committed; its id, the orgs' paths and the units a problem may be given to (all but the office)."""
    if (await s.execute(select(Org).where(Org.name == NAMES[0]))).scalars().first() is None:
        await org_tree(s)
    orgs = list((await s.execute(select(Org).where(Org.name.in_(NAMES)).order_by(Org.id))).scalars())
    rnd = InspectionRound(name="轮", inspection_team="组", target_region="区", org_id=orgs[0].id,
                          org_path=orgs[0].path)  # fmt: skip
    s.add(rnd)
    await s.commit()
    return rnd.id, [o.path for o in orgs], [Unit(o.id, o.path) for o in orgs[1:]]


def normal(data: dict[str, Any], deadlines: Any, schedule: Any) -> dict[str, Any]:
    """The dashboard's figures summed per key, zeros left out: kept and recounted compare equal."""
    by_status: dict[str, int] = {}
    for status, _flag, n in data["by_status"]:
        by_status[str(status)] = by_status.get(str(status), 0) + n
    cats: dict[tuple[str, str], int] = {}
    first: dict[str, int] = {}
    for category, status, n, seq in data["by_category"]:
        cats[(category, str(status))] = cats.get((category, str(status)), 0) + n
        first[category] = min(first.get(category, seq), seq)
    orgs: dict[tuple[int, str, str], int] = {}
    for org_id, name, _path, status, n in data["by_org"]:
        orgs[(org_id, name, str(status))] = orgs.get((org_id, name, str(status)), 0) + n
    strip = lambda d: {k: v for k, v in d.items() if v}  # noqa: E731
    return {"status": strip(by_status), "categories": strip(cats), "first": first, "orgs": strip(orgs),
            "deadlines": deadlines.model_dump(), "schedule": schedule.model_dump()}  # fmt: skip


async def kept_rows(s: Any, models: tuple[Any, ...]) -> list[Any]:
    """The tables' rows (core rows: not the session's identity map), groups emptied to 0 left out."""
    out = []
    for model in models:
        table = model.__table__
        rows = (await s.execute(select(*[c for c in table.c if c.name != "id"]))).all()
        out.append(sorted((tuple(r) for r in rows if getattr(r, "n", 1) != 0), key=repr))
    return out
