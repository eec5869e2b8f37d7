"""Reading an office's wording (pure): numbering, deadlines, units, statuses, layouts."""

import io
from datetime import date

import pytest
from openpyxl import Workbook

from issues_api.imports import files, samples
from issues_api.imports.deadlines import DeadlineError, parse_deadline
from issues_api.imports.text import (
    issue_status,
    leader,
    leading_label,
    number_label,
    progress_lines,
    split_measures,
    split_number,
    units,
)
from rectify_shared.workcalendar import WorkCalendar, package_years

CALENDAR = WorkCalendar(package_years())


@pytest.mark.parametrize(
    ("written", "number", "rest"),
    [
        ("1. 加强管理", 1, "加强管理"),
        ("1、加强管理", 1, "加强管理"),
        ("１．加强管理", 1, "加强管理"),
        ("（一）加强管理", 1, "加强管理"),
        ("(十二)加强管理", 12, "加强管理"),
        ("⑴加强管理", 1, "加强管理"),
        ("三、加强管理", 3, "加强管理"),
        ("2022年完成", None, "2022年完成"),
        ("一些地方", None, "一些地方"),
    ],
)
def test_numbering_in_every_form(written, number, rest):
    assert split_number(written) == (number, rest)


@pytest.mark.parametrize(
    ("written", "seq", "label"),
    [
        ("（十）", 10, "十"),
        ("十、", 10, "十"),
        ("序号十", 10, "序号十"),
        ("第十项", 10, "第十项"),
        ("(3)", 3, ""),
        ("⑶", 3, ""),
        ("３．", 3, ""),
        ("12", 12, ""),
    ],
)
def test_the_number_as_written_is_kept_without_its_marks(written, seq, label):
    # "" is the plain problem number: nothing to show beside `seq`
    assert number_label(written, seq) == label


def test_a_description_numbered_in_its_text_gives_its_number():
    assert leading_label("（三）加强管理", 3) == "三"
    assert leading_label("3. 加强管理", 3) == ""
    assert leading_label("加强管理", 3) is None


def test_measures_written_in_one_cell_are_split():
    assert split_measures("1.建立台账；2.开展排查；3.完成整治") == [(1, "建立台账"), (2, "开展排查"), (3, "完成整治")]
    assert split_measures("（一）建立台账。（二）开展排查。") == [(1, "建立台账。"), (2, "开展排查。")]
    assert split_measures("建立台账，开展排查") == [(None, "建立台账，开展排查")]


@pytest.mark.parametrize(
    ("written", "deadline", "precision", "long_term"),
    [
        ("2025年12月底前", date(2025, 12, 31), "month", False),
        ("2026年6月30日", date(2026, 6, 30), "day", False),
        ("2024年6月", date(2024, 6, 30), "month", False),
        ("2024年2月底", date(2024, 2, 29), "month", False),
        ("2025年底前", date(2025, 12, 31), "year", False),
        ("2025年上半年", date(2025, 6, 30), "half", False),
        ("二〇二五年十二月底前", date(2025, 12, 31), "month", False),
        ("长期坚持", None, "long_term", True),
        ("持续推进", None, "long_term", True),
        ("2022年12月底前，长期坚持", date(2022, 12, 31), "month", True),
        ("立行立改", date(2025, 3, 3), "immediate", False),
    ],
)
def test_deadlines_as_written(written, deadline, precision, long_term):
    d = parse_deadline(written, CALENDAR, date(2025, 3, 3))
    assert d is not None
    assert (d.deadline, d.precision, d.long_term, d.text) == (deadline, precision, long_term, written)


def test_working_days_after_the_plan_count_on_the_calendar():
    # 2025-03-03 (Mon) + 30 working days, with Qingming (4–6 April) on the official calendar
    d = parse_deadline("整改方案印发后30个工作日内", CALENDAR, date(2025, 3, 3))
    assert d is not None and d.deadline == date(2025, 4, 15) and d.precision == "working_days"
    assert d.rule == {"kind": "working_days_after", "event": "整改方案印发", "event_date": "2025-03-03", "days": 30}
    with pytest.raises(DeadlineError):
        parse_deadline("整改方案印发后30个工作日内", CALENDAR, None)
    with pytest.raises(DeadlineError):
        parse_deadline("尽快", CALENDAR, None)


def test_units_leaders_statuses_and_dated_progress():
    assert units("盟生态环境局、盟自然资源局，锡林浩特市/阿巴嘎旗；多伦县") == [
        "盟生态环境局",
        "盟自然资源局",
        "锡林浩特市",
        "阿巴嘎旗",
        "多伦县",
    ]
    assert leader("王某（盟委副书记）") == {"name": "王某", "title": "盟委副书记"}
    assert leader("盟委副书记 王某") == {"name": "王某", "title": "盟委副书记"}
    assert issue_status("已完成整改，长期坚持")[0] == "completed_long_term"
    assert issue_status("正在推进（滞后）") == ("in_progress", False)
    assert issue_status("达到序时进度") == ("in_progress", True)
    assert progress_lines("2024年6月，完成验收。\n2024年7月15日：复核。\n持续巡查") == [
        (date(2024, 6, 30), "2024年6月，完成验收。"),
        (date(2024, 7, 15), "2024年7月15日：复核。"),
        (None, "持续巡查"),
    ]


def test_a_ledger_with_a_sheet_per_aspect_and_measures_in_one_cell():
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in {
        "贯彻落实新发展理念方面": [[1, "问题甲", "1.措施一；2.措施二", "盟生态环境局", "2025年12月底前"]],
        "生态环境突出问题方面": [
            [2, "问题乙", "（一）措施三", "锡林浩特市、阿巴嘎旗", "长期坚持"],
            [None, None, "（二）措施四", None, None],
        ],
    }.items():
        ws = wb.create_sheet(name)
        ws.append(["编号", "反馈问题", "措施", "责任部门", "完成时限"])
        for row in rows:
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    parsed = files.parse(buf.getvalue(), "xlsx", CALENDAR, None)
    assert parsed.errors == []
    first, second = parsed.problems
    assert (first.seq, first.category, [(m.seq, m.text) for m in first.measures]) == (
        1,
        "贯彻落实新发展理念方面",
        [(1, "措施一"), (2, "措施二")],
    )
    assert (second.category, second.responsible, [(m.seq, m.text) for m in second.measures]) == (
        "生态环境突出问题方面",
        ["锡林浩特市", "阿巴嘎旗"],
        [(1, "措施三"), (2, "措施四")],
    )
    assert second.deadline is not None and second.deadline.long_term


def test_the_demo_fixtures_read_back_exactly():
    from issues_api.demo.loader import read_demo

    demo = read_demo()["issues"]
    for kind, data in (("xlsx", samples.clerk_ledger_xlsx()), ("docx", samples.plan_docx())):
        parsed = files.parse(data, kind, CALENDAR, None)
        assert parsed.errors == []
        assert [(p.seq, p.category, p.description, p.goal) for p in parsed.problems] == [
            (s["seq"], s["category"], s["description"], s["goal"]) for s in demo
        ]
        assert [[(m.seq, m.text) for m in p.measures] for p in parsed.problems] == [
            [(m.get("seq"), m["text"]) for m in s["measures"]] for s in demo
        ]
