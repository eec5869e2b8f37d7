"""The one clock: an offset plays the whole system forward, and production refuses one."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rectify_shared import clock, timezone
from rectify_shared.models.types import utcnow
from rectify_shared.settings import Settings


def test_offset_moves_now_today_and_utcnow_together() -> None:
    real = datetime.now(UTC)
    with clock.offset(30):
        assert clock.now() - real >= timedelta(days=30)
        assert utcnow() - real >= timedelta(days=30)
        assert timezone.today() == clock.today()
        assert clock.today() >= (real + timedelta(days=30)).date()
        assert clock.offset_days() == 30
    assert clock.now() - real < timedelta(days=1)


def test_embedded_demo_takes_the_offset_from_settings(tmp_path: Path) -> None:
    clock.configure(Settings(data_dir=tmp_path, clock_offset_days=7))
    assert clock.offset_days() == 7


def test_production_refuses_an_offset_at_start(tmp_path: Path) -> None:
    cfg = Settings(data_dir=tmp_path, database_url="postgresql://u@db/rectify", clock_offset_days=3)
    with pytest.raises(clock.ClockOffsetRefused, match="RECTIFY_CLOCK_OFFSET_DAYS"):
        clock.configure(cfg)
    assert clock.offset_days() == 0
    clock.configure(Settings(data_dir=tmp_path, database_url="postgresql://u@db/rectify"))  # no offset: fine
