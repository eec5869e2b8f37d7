"""Fixtures of the report-worker tests: a hand-built ledger snapshot and a database with the schema."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from rectify_shared.db import is_sqlite, make_engine
from rectify_shared.enums import ISSUE_STATUS_TEXT, IssueStatus, MeasureStatus
from rectify_shared.models import metadata
from report_worker.snapshot import CategorySnapshot, IssueSnapshot, LedgerSnapshot, MeasureSnapshot

AS_OF = date(2024, 12, 15)


def issue(
    seq: int, description: str, status: IssueStatus, deadline: date | None, lead_org: str | None = None, **kw: Any
) -> IssueSnapshot:
    return IssueSnapshot(
        seq=seq,
        description=description,
        status=status,
        status_text=ISSUE_STATUS_TEXT[status],
        deadline=deadline,
        lead_org=lead_org,
        **kw,
    )


@pytest.fixture
def ledger() -> LedgerSnapshot:
    return sample_ledger()


def sample_ledger() -> LedgerSnapshot:
    """Two categories (the first with two issues), an issue with three measures (one overdue),
    an unnumbered measure, an overdue issue without measures. Texts are from the seed report."""
    mining = issue(
        3,
        "不仅矿山开采侵占草原林地问题突出，生态修复治理也进展滞后。",
        IssueStatus.in_progress,
        date(2024, 12, 31),
        lead_org="盟自然资源局",
        responsible_orgs=["盟自然资源局", "盟能源局"],
        measures=[
            MeasureSnapshot(
                1,
                "盟自然资源局印发了《关于做好中央第二轮环保督察反馈143家露天矿山整改工作的通知》。",
                "盟自然资源局",
                date(2024, 6, 30),
                MeasureStatus.in_progress,
                "已下发通知",
            ),
            MeasureSnapshot(
                2,
                "盟能源局对照全盟露天煤矿《初步设计》共排查发现问题14项。",
                "盟能源局",
                date(2023, 12, 31),
                MeasureStatus.completed,
                None,
            ),
            MeasureSnapshot(
                3,
                "全盟143家露天矿山企业2024年截至11月底完成治理面积17.21平方公里。",
                None,
                None,
                MeasureStatus.in_progress,
                "完成治理面积17.21平方公里",
            ),
        ],
    )
    permits = issue(
        4,
        "自治区自然资源部门矿业权审批不严格。",
        IssueStatus.completed,
        date(2022, 12, 31),
        lead_org="盟自然资源局",
        responsible_orgs=["东乌旗人民政府"],
        measures=[
            MeasureSnapshot(
                None,
                "我盟2宗探矿权已通过缩小矿区范围方式退出自然保护地。",
                "东乌旗人民政府",
                date(2022, 12, 31),
                MeasureStatus.completed,
            )
        ],
    )
    kitchen = issue(
        9,
        "城镇现有生活垃圾处理设施与垃圾分类需求不匹配。",
        IssueStatus.in_progress,
        date(2024, 11, 30),
        lead_org="盟住房和城乡建设局",
        responsible_orgs=[],
        latest_progress="11个旗县中有8个已建成",
    )
    return LedgerSnapshot(
        round_name="第二轮中央生态环境保护督察",
        inspection_team="中央第三生态环境保护督察组",
        org_name="锡林郭勒盟",
        as_of=AS_OF,
        categories=[
            CategorySnapshot("贯彻落实习近平生态文明思想还不到位方面", [mining, permits]),
            CategorySnapshot("其他需要关注的问题方面", [kitchen]),
        ],
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """SQLite: a new file. PostgreSQL: the root conftest's migrated test database (skipped when
    PostgreSQL is not reachable). A sync fixture: the migration runs its own event loop."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'ledger.db'}"
    url: str = request.getfixturevalue("pg_template")
    return url.replace("postgresql://", "postgresql+asyncpg://")


@pytest_asyncio.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An empty database with the schema: created from the models' metadata on SQLite, emptied
    (already migrated) on PostgreSQL."""
    eng = make_engine(database_url)
    async with eng.begin() as conn:
        if is_sqlite(database_url):
            await conn.run_sync(metadata.create_all)
        else:
            tables = (
                await conn.execute(
                    text(
                        "SELECT string_agg(format('%I', tablename), ', ') FROM pg_tables "
                        "WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    )
                )
            ).scalar_one()
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    try:
        yield eng
    finally:
        await eng.dispose()
