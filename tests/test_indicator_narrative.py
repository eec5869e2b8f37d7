"""The progress report's figures are computed from the indicators, in the seed's own words.

Each demo indicator's phrase (subject + verb + figure + unit + noun) is a sentence of the seed,
character for character; the narrative's {{指标:…}} placeholders print them as of the report's day.
"""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from issues_api.demo.indicators import read_demo_indicators
from rectify_shared.enums import ReportFormat, ReportKind
from rectify_shared.indicator_figures import Reported, Spec, figures
from rectify_shared.indicator_phrases import IndicatorWords, expand, phrase, words
from rectify_shared.indicators import Direction, IndicatorKind
from rectify_shared.periods import parse_period
from rectify_shared.timezone import today

from .conftest import render_demo_report

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_945860472d90bfb6.txt"
AS_OF = date(2024, 12, 15)
#: the seed's sentences, as each demo indicator's phrase computes them as of 2024-12-15
SEED_PHRASES = {
    "露天矿山地质环境治理面积": "143家露天矿山完成地质环境治理61.11平方公里",
    "湿地保护率（全区）": "全区湿地保护率为31.3%",
    "餐厨垃圾处理设施建设（需建设的旗县）": (
        "11个需建设餐厨垃圾处理设施的旗县中，有8个已建成，1个正在试运行，1个正在建设，1个正在办理项目前期手续"
    ),
    "优良天数比率": "我盟优良天数比率96.7%，较去年同期上升3.3个百分点",
    "PM2.5平均浓度": "PM2.5平均浓度9微克/立方米，较去年同期持平",
    "农村牧区生活污水治理行政村": "组织各旗县市（区）完成35个行政村生活污水治理任务",
    "重点流域存在问题排污口整治": "推进完成重点流域20个存在问题排污口整治",
}


def demo_words() -> dict[str, IndicatorWords]:
    """The demo indicators' words as of the seed's day, computed from the demo file alone."""
    out = {}
    for n, item in enumerate(read_demo_indicators()["indicators"], start=1):
        spec = Spec(
            name=item["name"],
            unit=item["unit"],
            kind=IndicatorKind(item["kind"]),
            direction=Direction(item["direction"]),
            target=None if item.get("target") is None else parse_decimal(item["target"]),
            subject=item.get("subject"),
            verb=item.get("verb"),
            noun=item.get("noun"),
        )
        reported = [
            Reported(
                parse_period(str(v["period"])),
                None if v.get("value") is None else parse_decimal(v["value"]),
                tuple((s["stage"], s["label"], s["count"]) for s in v["stages"]) if v.get("stages") else None,
            )
            for v in item["values"]
        ]
        out[spec.name] = words(n, spec, reported, figures(spec, reported, AS_OF, AS_OF))
    return out


def parse_decimal(raw: object) -> Decimal:
    return Decimal(str(raw))


@pytest.mark.skipif(not SEED.exists(), reason="the team kit's seed is not beside this checkout")
def test_each_demo_indicator_phrase_is_the_seeds_sentence() -> None:
    seed = SEED.read_text(encoding="utf-8")
    computed = {name: w.phrase for name, w in demo_words().items()}
    assert computed == SEED_PHRASES
    for name, text in computed.items():
        assert text in seed, name
    # the seed's completion rate of the outfalls (整治完成率80％) is 20 of a target of 25
    assert demo_words()["重点流域存在问题排污口整治"].items["完成率"] == "80"


def test_placeholders_print_the_words_or_a_visible_note() -> None:
    known = list(demo_words().values())
    mines = demo_words()["露天矿山地质环境治理面积"]
    text = "小微湿地3处，{{指标:露天矿山地质环境治理面积}}。累计{{ 指标：#" + str(mines.id) + " | 累计 }}平方公里。"
    assert expand(text, known) == "小微湿地3处，143家露天矿山完成地质环境治理61.11平方公里。累计61.11平方公里。"
    assert expand("{{指标:不存在的指标}}", known) == "〔指标“不存在的指标”不存在或不在本报告范围内〕"
    assert "可用：累计、最新" in expand("{{指标:露天矿山地质环境治理面积|平均}}", known)
    # a figure that cannot be computed is never made up: PM2.5 has no target
    assert expand("{{指标:PM2.5平均浓度|完成率}}", known) == "〔指标“PM2.5平均浓度”暂无数据〕"
    assert expand("no placeholders {here}", known) == "no placeholders {here}"


def test_a_phrase_needs_a_value() -> None:
    spec = Spec("测试", "个", IndicatorKind.cumulative, Direction.HIGHER, subject="全盟", verb="完成")
    f = figures(spec, [], AS_OF, AS_OF)
    assert phrase(spec, f) is None
    assert expand("{{指标:测试}}", [words(1, spec, [], f)]) == "〔指标“测试”暂无数据〕"


async def test_the_reports_figure_follows_the_reported_values(app, client, demo_round):
    ind = (await client.get(f"/api/v1/indicators?round_id={demo_round}&limit=200")).json()["items"]
    mines = next(i for i in ind if i["name"] == "露天矿山地质环境治理面积")
    assert mines["phrase"] == "143家露天矿山完成地质环境治理61.11平方公里"
    # last month's figure arrives
    month = today().replace(day=1) - timedelta(days=1)
    r = await client.post(f"/api/v1/indicators/{mines['id']}/values", json={"period": f"{month:%Y-%m}", "value": "1.5"})
    assert r.status_code == 201, r.text
    assert r.json()["phrase"] == "143家露天矿山完成地质环境治理62.61平方公里"

    now = (await render_demo_report(app, demo_round, ReportKind.progress_report, ReportFormat.md, today())).decode()
    assert "小微湿地3处，143家露天矿山完成地质环境治理62.61平方公里。" in now
    # the report as of the seed's day knows only what was reported by then
    then = (await render_demo_report(app, demo_round, ReportKind.progress_report, ReportFormat.md)).decode()
    assert "小微湿地3处，143家露天矿山完成地质环境治理61.11平方公里。" in then
    assert "{{" not in now + then
