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
