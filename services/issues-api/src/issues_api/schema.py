"""The schema's migrations (one Alembic tree, owned by issues-api)."""

from functools import cache
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


def upgrade(database_url: str, revision: str = "head") -> None:
    """Runs in a worker thread's own event loop (env.py uses asyncio.run)."""
    command.upgrade(alembic_config(database_url), revision)
