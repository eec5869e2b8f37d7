"""The migration tree has one head, and migrations after the numbered ones are date-named."""

from pathlib import Path

from issues_api import schema


def test_the_shipped_tree_is_well_formed() -> None:
    assert schema.migration_tree_problems() == []


def test_a_second_head_and_a_numbered_name_are_reported(tmp_path: Path, monkeypatch) -> None:
    versions = Path(schema.__file__).parent / "migrations" / "versions"
    head = schema.head_revision()
    for name in ("20991231_01_left", "0099_badly_named"):
        (tmp_path / f"{name}.py").write_text(
            f"revision = {name!r}\ndown_revision = {head!r}\nbranch_labels = None\ndepends_on = None\n"
            "def upgrade():\n    pass\ndef downgrade():\n    pass\n"
        )
    real = schema.alembic_config

    def with_extra(url: str):
        cfg = real(url)
        cfg.set_main_option("version_locations", f"{versions} {tmp_path}")
        return cfg

    monkeypatch.setattr(schema, "alembic_config", with_extra)
    problems = schema.migration_tree_problems()
    assert any("2 heads" in p for p in problems), problems
    assert any("0099_badly_named.py" in p and "YYYYMMDD_NN_slug" in p for p in problems), problems
    assert not any("20991231_01_left.py" in p for p in problems), problems


def test_an_existing_round_gets_its_office_org(tmp_path: Path) -> None:
    """20261206_01: a round made before it is issued by a new 督察整改办 under its own org."""
    import sqlite3

    db = tmp_path / "old.db"
    schema.upgrade(f"sqlite+aiosqlite:///{db}", "0020_month_partitions")
    con = sqlite3.connect(db)
    con.execute(
        "INSERT INTO org (id, name, kind, path, depth, created_at, updated_at) "
        "VALUES (7, '赤峰市', 'league', '/7/', 0, '2026-01-01', '2026-01-01')"
    )
    con.execute(
        "INSERT INTO inspection_round (name, inspection_team, target_region, org_id, org_path, "
        "created_at, updated_at) VALUES ('第二轮', '第三组', '赤峰市', 7, '/7/', '2026-01-01', '2026-01-01')"
    )
    con.commit()
    con.close()
    schema.upgrade(f"sqlite+aiosqlite:///{db}")
    con = sqlite3.connect(db)
    office = con.execute(
        "SELECT o.id, o.name, o.kind, o.path, o.parent_id FROM inspection_round r JOIN org o ON o.id = r.office_org_id"
    ).fetchone()
    assert office is not None
    oid, name, kind, path, parent = office
    assert (name, kind, parent, path) == ("赤峰市督察整改办", "office", 7, f"/7/{oid}/")
