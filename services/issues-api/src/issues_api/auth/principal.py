"""Who is calling, and what part of the org tree they may see.

A principal holds one role over its org. Its `scope` is applied where queries are built (the
repositories take it), never remembered endpoint by endpoint.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import ColumnElement, String, and_, bindparam

from rectify_shared.tree import in_subtree, subtree_bounds


class Role(StrEnum):
    office_admin = "office_admin"  # the rectification office: everything in its subtree
    unit_operator = "unit_operator"  # a responsible unit: its own org's tasks
    leader = "leader"  # read-only over its subtree
    integration = "integration"  # a machine client, e.g. the provincial system
    system_admin = "system_admin"  # every tree (all roots): sets up a new root and its offices; CLI-created only


@dataclass(frozen=True)
class Scope:
    """Rows whose org path is `path` (exact) or anywhere under it (subtree)."""

    path: str
    exact: bool = False

    def clause(self, column: Any) -> ColumnElement[bool]:
        if self.exact:
            result: ColumnElement[bool] = column == self.path
            return result
        return in_subtree(column, self.path)

    @staticmethod
    def bound_clause(column: Any, exact: bool) -> ColumnElement[bool]:
        """`clause` with bind parameters (`bound_params` fills them), for statements built once per
        shape (exact org or subtree) rather than once per caller."""
        if exact:
            return column == bindparam("scope_path", type_=String)  # type: ignore[no-any-return]
        return and_(column >= bindparam("scope_lo", type_=String), column < bindparam("scope_hi", type_=String))

    def bound_params(self) -> dict[str, str]:
        """The values of `bound_clause`'s parameters for this scope."""
        if self.exact:
            return {"scope_path": self.path}
        lo, hi = subtree_bounds(self.path)
        return {"scope_lo": lo, "scope_hi": hi}

    def contains(self, path: str | None) -> bool:
        if path is None:
            return False
        if self.exact:
            return path == self.path
        lo, hi = subtree_bounds(self.path)
        return lo <= path < hi

    def ancestors(self) -> list[str]:
        """The paths above (and including) the scope's root: "/1/", "/1/2/", …"""
        ids = [p for p in self.path.strip("/").split("/") if p]
        return ["/" + "".join(f"{i}/" for i in ids[: n + 1]) for n in range(len(ids))]


@dataclass(frozen=True)
class Principal:
    kind: Literal["user", "api_key", "system"]
    id: int
    name: str
    role: Role
    org_id: int
    org_path: str
    session_id: str | None = None
    client_addr: str | None = None
    request_id: str | None = None
    #: a password an administrator set: everything but changing it (and signing out) answers 403
    must_change_password: bool = False

    @property
    def scope(self) -> Scope:
        if self.role == Role.system_admin:
            return Scope("/")
        return Scope(self.org_path, exact=self.role == Role.unit_operator)

    @property
    def subtree(self) -> Scope:
        """The whole subtree of the principal's org, whatever its role (for orgs and rounds);
        every tree for a system admin."""
        return Scope("/" if self.role == Role.system_admin else self.org_path)


def system_principal(name: str = "system", org_id: int = 0, org_path: str = "/") -> Principal:
    """For CLI commands and loaders acting outside any request."""
    return Principal(kind="system", id=0, name=name, role=Role.office_admin, org_id=org_id, org_path=org_path)
