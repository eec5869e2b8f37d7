"""The schema's migrations (one Alembic tree, owned by issues-api)."""

import re
from functools import cache
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "issues_api:migrations")
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


@cache
def known_revisions() -> frozenset[str]:
    return frozenset(s.revision for s in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions())


SchemaState = Literal["current", "behind", "ahead"]


def schema_state(revision: str | None) -> SchemaState:
    """Where the database's schema stands against this code.

    `ahead`: a revision this code does not know, i.e. a newer release already migrated. Every
    migration is expand/contract (deploy/docs/upgrades.md), so the old code keeps working on
    the newer schema during a rolling update and stays ready; only an older schema is not.
    """
    if revision == head_revision():
        return "current"
    if revision is None or revision in known_revisions():
        return "behind"
    return "ahead"


def upgrade(database_url: str, revision: str = "head", progress: object | None = None) -> None:
    """Runs in a worker thread's own event loop (env.py uses asyncio.run). `progress`: an
    ops.progress.Progress advanced once per revision applied."""
    cfg = alembic_config(database_url)
    if progress is not None:
        cfg.attributes["progress"] = progress
    command.upgrade(cfg, revision)


# Migrations written before several branches added them at once keep their numbered names; every
# later one is named `YYYYMMDD_NN_slug.py` (at most 32 characters, alembic_version's width) with the
# file's stem as its revision id, so two branches never pick the same number, and the tree must
# still end in exactly one head (checked in `make lint`).
LEGACY_LAST = "0020_month_partitions"
_DATED = re.compile(r"^\d{8}_\d{2}_[a-z0-9_]+$")


def migration_tree_problems() -> list[str]:
    """What is wrong with the migration tree: several heads, badly named or mis-identified files."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    problems = []
    heads = script.get_heads()
    if len(heads) != 1:
        problems.append(f"the migration tree has {len(heads)} heads ({', '.join(sorted(heads))}): chain them")
    legacy = True
    for rev in reversed(list(script.walk_revisions())):
        stem = Path(rev.path).stem
        if not legacy and not _DATED.match(stem):
            problems.append(f"{stem}.py: migrations after {LEGACY_LAST} are named YYYYMMDD_NN_slug.py")
        if len(rev.revision) > 32:
            problems.append(f"{stem}.py: revision ids fit alembic_version's 32 characters")
        if not legacy and rev.revision != stem:
            problems.append(f"{stem}.py: its revision id is {rev.revision!r}, not its file name")
        if rev.revision == LEGACY_LAST:
            legacy = False
    return problems


if __name__ == "__main__":
    found = migration_tree_problems()
    for line in found:
        print(f"migrations: {line}")
    raise SystemExit(1 if found else 0)
