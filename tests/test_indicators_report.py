"""The `indicators` report from the demo data: the seed's figures computed, a chart per indicator
with its target line (embedded in Word and PDF), and the table in every format."""

import hashlib
import io
from decimal import Decimal

import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from rectify_shared.enums import ReportFormat, ReportKind
from report_worker.render.indicator_chart import ChartData, chart_png, cjk_font_file

from .conftest import render_demo_report

#: indicators of the demo round in the league office's scope (the region's wetland rate is above it)
DEMO_INDICATORS = 6


async def test_markdown_has_the_computed_sentences(app, demo_round):
    text = (await render_demo_report(app, demo_round, ReportKind.indicators, ReportFormat.md)).decode()
    assert text.startswith("# 锡林郭勒盟第二轮中央生态环境保护督察整改指标完成情况")
    assert "2022年27.63平方公里，2023年16.27平方公里，2024年截至11月底17.21平方公里，累计61.11平方公里" in text
    assert "共11个，已建成8个，正在试运行1个，正在建设1个，正在办理项目前期手续1个" in text
    assert "优良天数比率2024年截至11月底96.7%，较去年同期上升3.3个百分点" in text
    assert "湿地保护率" not in text  # the region's figure: outside the league's scope
    assert "| 3 | 2024年截至11月底 | 17.21平方公里 | 61.11平方公里 |" in text


async def test_an_earlier_day_shows_what_was_known_then(app, demo_round):
    from datetime import date

    text = (
        await render_demo_report(app, demo_round, ReportKind.indicators, ReportFormat.md, as_of=date(2023, 6, 30))
    ).decode()
    assert "露天矿山地质环境治理面积：2022年27.63平方公里，目标到2025年80平方公里" in text
    assert "应达到29.86平方公里，滞后" in text and "61.11" not in text


async def test_word_and_pdf_embed_one_chart_per_indicator(app, demo_round):
    docx = Document(io.BytesIO(await render_demo_report(app, demo_round, ReportKind.indicators, ReportFormat.docx)))
    assert len(docx.inline_shapes) == DEMO_INDICATORS
    assert any("累计61.11平方公里" in p.text for p in docx.paragraphs)

    pdf = PdfReader(io.BytesIO(await render_demo_report(app, demo_round, ReportKind.indicators, ReportFormat.pdf)))
    # WeasyPrint shares one resource dictionary between pages: count distinct pictures
    assert len({hashlib.sha256(image.data).digest() for page in pdf.pages for image in page.images}) == DEMO_INDICATORS
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    assert "累计61.11平方公里" in text and "较去年同期上升3.3个百分点" in text


async def test_the_workbook_lists_every_indicator_with_its_figures(app, demo_round):
    book = load_workbook(
        io.BytesIO(await render_demo_report(app, demo_round, ReportKind.indicators, ReportFormat.xlsx))
    )
    rows = {r[1]: r for r in book["指标"].iter_rows(min_row=4, values_only=True)}
    assert len(rows) == DEMO_INDICATORS
    assert rows["露天矿山地质环境治理面积"][5:9] == ("61.11", "80", "76.4", "达到序时进度")
    assert rows["重点流域存在问题排污口整治"][7] == "80"
    assert book["数据"].max_row == 1 + 10  # one row per reported value


def red_pixels(png: bytes) -> int:
    raw = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
    pixels = zip(raw[0::3], raw[1::3], raw[2::3], strict=True)
    return sum(1 for r, g, b in pixels if r > 170 and g < 60 and b < 60)


def test_the_chart_draws_the_target_line_in_a_cjk_font():
    assert cjk_font_file() is not None, "no CJK font: run `make fonts`"
    data = ChartData(
        "优良天数比率", "%", ["2023年", "2024年"], [Decimal("93.4"), Decimal("96.7")], Decimal(95), "目标95%"
    )
    with_target = chart_png(data)
    without = chart_png(ChartData(**{**data.__dict__, "target": None, "target_label": ""}))
    assert with_target.startswith(b"\x89PNG")
    assert red_pixels(with_target) > 500 and red_pixels(without) == 0


@pytest.mark.parametrize("fmt", [ReportFormat.md])
async def test_a_round_without_indicators_says_so(app, demo_round, fmt):
    from sqlalchemy import delete

    from rectify_shared.models import Indicator, IndicatorMeasure, IndicatorValue

    async with app.state.rectify.write_sessions() as s:
        for table in (IndicatorValue, IndicatorMeasure, Indicator):
            await s.execute(delete(table))
        await s.commit()
    text = (await render_demo_report(app, demo_round, ReportKind.indicators, fmt)).decode()
    assert "本轮暂无指标。" in text
