"""Fixtures the notifier's tests share (the repository-wide ones are in the root conftest.py)."""

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from .escalation_data import engine_and_sessions


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test's database (`db_url`: both backends, unless a module narrows it)."""
    engine, sessions = engine_and_sessions(db_url)
    yield sessions
    await engine.dispose()
