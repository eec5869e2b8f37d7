"""The demo data reproduces the seed report's attachment, 具体问题整改进展情况, word for word.

Demo data (issues-api) → ledger snapshot and Markdown (report-worker) → the seed's own text,
compared after normalising whitespace and Markdown markers only.
"""

import re
from pathlib import Path

import pytest

from rectify_shared.enums import ReportFormat, ReportKind

from .conftest import render_demo_report

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_945860472d90bfb6.txt"
TITLE = "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况"


def lines(text: str) -> list[str]:
    return [re.sub(r"\s+", "", line) for line in text.splitlines() if line.strip()]


@pytest.mark.skipif(not SEED.exists(), reason="the team kit's seed is not beside this checkout")
async def test_issue_progress_markdown_reproduces_the_seed(app, demo_round):
    seed = SEED.read_text(encoding="utf-8")
    expected = lines(seed[seed.index(TITLE) :])
    content = await render_demo_report(app, demo_round, ReportKind.ledger, ReportFormat.md)
    rendered = [re.sub(r"^#+", "", line) for line in lines(content.decode("utf-8"))]
    rendered = [line for line in rendered if not line.startswith("数据截至")]
    assert rendered == expected
