"""The petition wording from figures alone: money in 元 or 万元, the area's word, a day before any
batch, and the escalation notice of an overdue petition case."""

from datetime import date

from rectify_shared.enums import MoneyUnit, OrgKind, PetitionState
from rectify_shared.escalation_policy import Level
from rectify_shared.petition_stats import PetitionFigures
from report_worker.petition_data import BatchFigures, Header, PetitionNotice, accountability_text
from report_worker.render.escalation_notice import EscalationNotice, notice_title, render_notice_md
from report_worker.render.petition_notice import money, paragraphs
from report_worker.voice import area_word

HEADER = Header("第二轮中央生态环境保护督察", "中央第三生态环境保护督察组", "锡林郭勒盟", "锡林郭勒盟", "全盟")


def test_money_in_yuan_or_wan_yuan_keeps_every_yuan():
    assert money(1830000, MoneyUnit.yuan) == "1830000元"
    assert [money(n, MoneyUnit.wan_yuan) for n in (1830000, 12345, 0, 5000)] == [
        "183万元",
        "1.2345万元",
        "0万元",
        "0.5万元",
    ]


def test_the_area_is_named_by_the_orgs_kind():
    assert area_word("锡林郭勒盟", OrgKind.league) == "全盟"
    assert area_word("赤峰市", OrgKind.league) == "全市"
    assert area_word("阿巴嘎旗", OrgKind.county) == "全旗"
    assert area_word("多伦县", OrgKind.county) == "全县"
    assert area_word("内蒙古自治区", OrgKind.region) == "全区"
    assert area_word("盟生态环境局", OrgKind.department) == "盟生态环境局"


def test_a_day_without_cases_and_a_batch_without_the_orgs_cases():
    empty = PetitionNotice(HEADER, date(2022, 3, 26), MoneyUnit.yuan, None)
    assert paragraphs(empty) == ["截至3月26日，中央督察组尚未向全盟交办信访举报件。"]
    f = PetitionFigures(total=2, batch_nos=[1, 2])
    f.by_state[PetitionState.closed_in_stage] = 2
    other = PetitionNotice(
        HEADER, date(2022, 3, 28), MoneyUnit.yuan, BatchFigures(2, date(2022, 3, 28), PetitionFigures()), f
    )
    assert paragraphs(other)[0] == "3月28日，中央督察组交办的第2批信访举报件中无锡林郭勒盟的信访举报件。"
    assert paragraphs(other)[1].startswith(
        "截至3月28日，全盟已对第1-2批2件信访举报件进行调查处理，其中，已办结0件、阶段性办结2件"
    )


def test_accountability_in_the_offices_words_or_from_the_counts():
    assert accountability_text({"notes": "责令整改，立案处罚。", "penalty_cases": 1}) == "责令整改，立案处罚。"
    assert accountability_text({"interviews": 2, "fine_yuan": 500}) == "罚款500元，约谈2人。"
    assert accountability_text(None) == "无"


def test_the_escalation_notice_of_an_overdue_petition_case():
    notice = EscalationNotice(
        escalation_id=3, level=Level.notice, state="issued", doc_no=None, round_name="第二轮中央生态环境保护督察",
        office="锡林郭勒盟", addressee="阿巴嘎旗人民政府",
        reason="信访举报件（受理编号D3NM202412200000）已超过办理时限（2024-12-31）仍未办结",
        as_of=date(2025, 1, 2), petition_intake_no="D3NM202412200000", petition_content="反映某企业扬尘污染。",
    )  # fmt: skip
    assert notice_title(notice) == "关于信访举报件（受理编号D3NM202412200000）办理的通报"
    assert "信访举报件（受理编号D3NM202412200000）：反映某企业扬尘污染。" in render_notice_md(notice).decode()
