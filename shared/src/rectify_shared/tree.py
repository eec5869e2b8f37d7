"""Materialised org paths: "/1/5/23/" is org 23 under 5 under 1.

A subtree is a bytewise range, so a filter is an index range scan on any engine.
"""

from typing import Any

from sqlalchemy import ColumnElement, and_


def child_path(parent_path: str | None, org_id: int) -> str:
    return f"{parent_path or '/'}{org_id}/"


def subtree_bounds(path: str) -> tuple[str, str]:
    """[lo, hi) such that lo <= p < hi exactly for the paths p of the subtree at `path`."""
    if not path.endswith("/"):
        raise ValueError("an org path ends with '/'")
    # '/' (0x2F) is followed by '0' (0x30): replacing the last '/' gives the first string
    # past every descendant, since all of them continue with '/' after the prefix or digits.
    return path, path[:-1] + "0"


def in_subtree(column: ColumnElement[Any] | Any, path: str) -> ColumnElement[bool]:
    lo, hi = subtree_bounds(path)
    return and_(column >= lo, column < hi)
