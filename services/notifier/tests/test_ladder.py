"""The escalation ladder as a pure function: every trigger at its boundaries, targets, keys,
resolution — no database. Calendar facts: 2024 国庆节 is Oct 1–7 with 调休 workdays Sun Sep 29
and Sat Oct 12; 2027 has no official data (weekends only, provisional)."""

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notifier.escalation.deadlines import deadline_thresholds, fires_after, remaining_days_before
from notifier.escalation.ladder import Item, Obligation, PastEscalation, causes_resolved, ladder
from notifier.escalation.model import (
    RESOLVED_ATTESTED,
    RESOLVED_DEADLINE_MOVED,
    RESOLVED_DISPATCH_REPORTED,
    RESOLVED_NOT_ATTESTING,
    RESOLVED_TASK_CLOSED,
)
from rectify_shared.escalation_policy import (
    DEFAULT_POLICY,
    AfterDeadline,
    BeforeDeadline,
    Level,
    MissedAttestation,
    MissedDispatch,
    Policy,
    Repeated,
    Rule,
    Target,
)
from rectify_shared.periods import last_complete_period
from rectify_shared.workcalendar import WorkCalendar, package_years

CAL = WorkCalendar(package_years())
LEADER = {"name": "王某", "title": "盟委副书记"}


def before(n: int, **kw: Any) -> Rule:
    return Rule(id=f"b{n}", level=Level.warning, trigger=BeforeDeadline(kind="before_deadline", working_days=n), **kw)


def after(n: int, **kw: Any) -> Rule:
    return Rule(id=f"a{n}", level=Level.notice, trigger=AfterDeadline(kind="after_deadline", working_days=n), **kw)


def policy(*rules: Rule) -> Policy:
    return Policy(rules=list(rules))


def letter(level: str, period: str = "2024-10-08", org: int = 3) -> str:
    return f"letter:{level}:i1:o{org}:{period}"


def measure(deadline: date | None = date(2024, 10, 8), **kw: Any) -> Item:
    kw.setdefault("period", deadline)
    base = dict(
        kind="measure", issue_id=1, measure_id=11, round_id=1, deadline=deadline, status="in_progress",
        issue_status="in_progress", org_id=3, parent_org_id=2, leader=LEADER, org_path="/1/2/3/",
    )  # fmt: skip
    return Item(**{**base, **kw})  # type: ignore[arg-type]


def issue(deadline: date | None = date(2024, 10, 8), **kw: Any) -> Item:
    kw.setdefault("period", deadline)
    base = dict(
        kind="issue", issue_id=1, measure_id=None, round_id=1, deadline=deadline, status="in_progress",
        org_id=3, parent_org_id=2, leader=LEADER, org_path="/1/2/3/",
    )  # fmt: skip
    return Item(**{**base, **kw})  # type: ignore[arg-type]


def fired(items: list[Item], p: Policy, as_of: date, **kw: Any) -> list[str]:
    return [x.dedupe_key for x in ladder(items, kw.get("obligations", []), kw.get("past", []), p, CAL, as_of)]


# ---------------------------------------------------------------- before the deadline


def test_a_warning_starts_on_the_day_five_working_days_remain_counting_the_holiday_and_makeup_days():
    # (as_of, 2024-10-08] working days: Sep 26, 27, 29 (调休 Sunday), 30, Oct 8 — the holiday counts for nothing
    p = policy(before(5))
    assert fired([measure()], p, date(2024, 9, 24)) == []
    assert fired([measure()], p, date(2024, 9, 25)) == [letter("warning")]
    (w,) = ladder([measure()], [], [], p, CAL, date(2024, 9, 25))
    assert w.reason == "整改任务距完成时限（2024-10-08）仅剩5个工作日（涉及整改措施1项）"
    assert w.trigger == {
        "kind": "before_deadline", "working_days": 5, "deadline": "2024-10-08", "period": "2024-10-08",
        "unit_org_id": 3, "measures": [11],
    }  # fmt: skip
    # a later first scan says how many days are really left
    (w,) = ladder([measure()], [], [], p, CAL, date(2024, 9, 30))
    assert w.reason == "整改任务距完成时限（2024-10-08）仅剩1个工作日（涉及整改措施1项）"
    assert fired([measure()], p, date(2024, 10, 3)) == [letter("warning")]  # in the holiday: 1 day left
    assert fired([measure()], p, date(2024, 10, 8)) == [letter("warning")]  # the deadline day itself
    assert fired([measure()], p, date(2024, 10, 9)) == []  # past it: the after-rules' business


def test_zero_days_before_fires_only_when_no_working_day_is_left():
    p = policy(before(0))
    assert fired([measure()], p, date(2024, 10, 7)) == []  # Oct 8 itself is still ahead
    assert fired([measure()], p, date(2024, 10, 8)) == [letter("warning")]
    # a deadline inside the holiday: nothing is left from the last working day before it
    assert fired([measure(date(2024, 10, 5))], p, date(2024, 9, 29)) == []
    assert fired([measure(date(2024, 10, 5))], p, date(2024, 9, 30)) == [letter("warning", "2024-10-05")]
    (w,) = ladder([issue()], [], [], p, CAL, date(2024, 10, 8))
    assert w.reason == "整改任务距完成时限（2024-10-08）仅剩0个工作日"


def test_two_rules_of_one_level_firing_on_one_day_send_one_letter_from_the_first_rule():
    # a warning 3 days before (to the parent unit) and one on the deadline day (to the leader): a first
    # scan on the deadline day finds both due; the unit gets one warning, worded by the first rule
    p = policy(before(0, target=Target.responsible_leader), before(3, target=Target.parent_org))
    (w,) = ladder([measure()], [], [], p, CAL, date(2024, 10, 8))
    assert (w.rule, w.addressed_org_id, w.addressed_person) == ("b0", 3, LEADER)
    assert w.trigger["working_days"] == 0
    # the other order: the parent unit's warning is the one sent
    (w,) = ladder([measure()], [], [], policy(*reversed(p.rules)), CAL, date(2024, 10, 8))
    assert (w.rule, w.addressed_org_id) == ("b3", 2)
    # and a repeated rule counts that letter once
    rep = Rule(id="r", level=Level.notice, trigger=Repeated(kind="repeated", of_level=Level.warning, count=2,
                                                             within_working_days=10))  # fmt: skip
    assert fired([measure()], policy(*p.rules, rep), date(2024, 10, 8)) == [letter("warning")]


# ---------------------------------------------------------------- after the deadline


def test_a_notice_fires_the_day_after_the_deadline_even_on_a_holiday():
    p = policy(after(0))
    assert fired([measure(date(2024, 9, 30))], p, date(2024, 9, 30)) == []
    assert fired([measure(date(2024, 9, 30))], p, date(2024, 10, 1)) == [letter("notice", "2024-09-30")]
    (n,) = ladder([measure(date(2024, 9, 30))], [], [], p, CAL, date(2024, 10, 1))
    assert n.reason == "整改任务已超过完成时限（2024-09-30）仍未完成（涉及整改措施1项）"


def test_ten_working_days_overdue_counts_the_makeup_saturday_and_skips_the_holiday():
    # after Fri Sep 27: Sep 29, 30, Oct 8, 9, 10, 11, 12 (Sat, 调休), 14, 15, 16 → the 10th is Oct 16
    p = policy(after(10, target=Target.parent_org, requires_approval=True))
    assert fired([measure(date(2024, 9, 27))], p, date(2024, 10, 15)) == []
    (s,) = ladder([measure(date(2024, 9, 27))], [], [], p, CAL, date(2024, 10, 16))
    assert s.dedupe_key == letter("notice", "2024-09-27")
    assert s.reason == "整改任务超过完成时限（2024-09-27）已达10个工作日仍未完成（涉及整改措施1项）"
    assert (s.state, s.addressed_org_id, s.addressed_person) == ("proposed", 2, None)


def test_only_open_work_is_escalated():
    p = policy(after(0))
    day = date(2024, 10, 9)
    assert fired([issue(status="not_started")], p, day) == [letter("notice")]
    for closed in ("completed", "completed_long_term", "closed"):
        assert fired([issue(status=closed)], p, day) == []
        assert fired([measure(issue_status=closed)], p, day) == []  # a measure of a finished issue
    assert fired([measure(status="completed")], p, day) == []
    assert fired([measure(status="not_started")], p, day) == [letter("notice")]
    assert fired([measure(withdrawn=True)], p, day) == []
    assert fired([measure(deadline=None)], p, day) == []


def test_an_extension_can_fire_again_but_one_deadline_fires_once():
    p = policy(after(0))
    first = fired([measure(date(2024, 9, 30))], p, date(2024, 10, 9))
    assert first == fired([measure(date(2024, 9, 30))], p, date(2024, 11, 9))  # same key on every later scan
    assert fired([measure(date(2024, 10, 31))], p, date(2024, 11, 9)) == [letter("notice", "2024-10-31")]


# ---------------------------------------------------------------- targets, states, due dates


def test_targets_states_and_the_response_due_date():
    day = date(2024, 10, 9)
    org = ladder([measure()], [], [], policy(after(0)), CAL, day)[0]
    assert (org.addressed_org_id, org.addressed_person, org.state, org.org_path) == (3, None, "issued", "/1/2/3/")
    lead = ladder([measure()], [], [], policy(after(0, target=Target.responsible_leader)), CAL, day)[0]
    assert (lead.addressed_org_id, lead.addressed_person) == (3, LEADER)
    root = ladder([measure(parent_org_id=None)], [], [], policy(after(0, target=Target.parent_org)), CAL, day)[0]
    assert root.addressed_org_id == 3  # the top of the tree has nobody above it
    slow = ladder(
        [measure(date(2024, 9, 27))], [], [], policy(after(0, response_working_days=1)), CAL, date(2024, 9, 30)
    )
    assert slow[0].response_due == date(2024, 10, 8)  # the holiday week is no time to answer


def test_response_due_counts_working_days():
    # Oct 9 → 10 (1), 11 (2), 12 Sat 调休 (3), 14 (4), 15 (5)
    assert ladder([measure()], [], [], policy(after(0)), CAL, date(2024, 10, 9))[0].response_due == date(2024, 10, 15)


# ---------------------------------------------------------------- dispatch


def obligation(**kw: Any) -> Obligation:
    base = dict(
        dispatch_round_id=7, round_id=1, org_id=3, parent_org_id=2, org_path="/1/2/3/", cutoff=date(2024, 12, 13),
        reported=False, period="2024-W50",
    )  # fmt: skip
    return Obligation(**{**base, **kw})  # type: ignore[arg-type]


def test_a_missed_dispatch_fires_the_day_after_the_cutoff_day():
    p = policy(Rule(id="d", level=Level.warning, trigger=MissedDispatch(kind="missed_dispatch")))
    assert fired([], p, date(2024, 12, 13), obligations=[obligation()]) == []
    assert fired([], p, date(2024, 12, 14), obligations=[obligation()]) == ["d:d7:o3"]
    assert fired([], p, date(2024, 12, 14), obligations=[obligation(reported=True)]) == []
    (w,) = ladder([], [obligation()], [], p, CAL, date(2024, 12, 16))
    assert w.reason == "未在调度截止时间前报送整改进展（2024-W50）"
    assert (w.dispatch_round_id, w.issue_id, w.subject) == (7, None, "o3")


# ---------------------------------------------------------------- attestation


@pytest.mark.parametrize(
    ("cycle", "as_of", "label", "start"),
    [
        ("monthly", date(2024, 12, 15), "2024-11", date(2024, 11, 1)),
        ("monthly", date(2025, 1, 1), "2024-12", date(2024, 12, 1)),
        ("monthly", date(2024, 3, 1), "2024-02", date(2024, 2, 1)),
        ("quarterly", date(2024, 12, 15), "2024-Q3", date(2024, 7, 1)),
        ("quarterly", date(2025, 2, 1), "2024-Q4", date(2024, 10, 1)),
        ("quarterly", date(2024, 4, 1), "2024-Q1", date(2024, 1, 1)),
        ("yearly", date(2024, 12, 15), "2023", date(2023, 1, 1)),
    ],
)
def test_periods(cycle, as_of, label, start):
    period = last_complete_period(cycle, as_of)
    assert (period.label, period.start) == (label, start)
    assert period.end < as_of <= period.end + timedelta(days=366)


def test_a_long_term_task_without_a_report_in_its_last_period_is_warned():
    p = policy(Rule(id="att", level=Level.warning, trigger=MissedAttestation(kind="missed_attestation")))
    lt = issue(None, status="completed_long_term", long_term=True, attestation_cycle="quarterly")
    day = date(2024, 12, 15)
    assert fired([lt], p, day) == ["att:i1:2024-Q3"]
    assert fired([replace(lt, last_progress_at=date(2024, 6, 30))], p, day) == ["att:i1:2024-Q3"]
    assert fired([replace(lt, last_progress_at=date(2024, 7, 1))], p, day) == []
    assert fired([replace(lt, last_progress_at=date(2024, 12, 1))], p, day) == []  # late, but reported
    assert fired([replace(lt, attestation_cycle=None)], p, day) == []
    assert fired([replace(lt, status="in_progress")], p, day) == []
    (w,) = ladder([lt], [], [], p, CAL, day)
    assert w.trigger["period_start"] == "2024-07-01" and "2024-Q3" in w.reason


# ---------------------------------------------------------------- repeated


def warning(day: date, key: str, **kw: Any) -> PastEscalation:
    base = dict(
        id=None, round_id=1, issue_id=1, measure_id=11, level="warning", as_of=day, state="issued", dedupe_key=key
    )
    return PastEscalation(**{**base, **kw})  # type: ignore[arg-type]


REP = Rule(
    id="rep",
    level=Level.supervision,
    trigger=Repeated(kind="repeated", of_level=Level.warning, count=2, within_working_days=5),
    target=Target.parent_org,
    requires_approval=True,
    jump=True,
)


def test_two_warnings_within_the_window_bring_a_supervision_keyed_on_the_latest():
    p = policy(REP)
    day = date(2024, 10, 9)  # five working days back: Oct 9, 8, Sep 30, 29, 27
    first = warning(date(2024, 9, 27), "x")
    second = warning(date(2024, 10, 8), "y")
    (s,) = ladder([measure()], [], [first, second], p, CAL, day)
    assert s.dedupe_key == "rep:r1:m11:2024-10-08"
    assert (s.level, s.state, s.addressed_org_id) == ("supervision", "proposed", 2)
    assert s.reason == "5个工作日内连续2次预警"
    assert fired([measure()], p, day, past=[warning(date(2024, 9, 26), "x"), second]) == []  # out of the window
    assert fired([measure()], p, day, past=[replace(first, state="withdrawn"), second]) == []
    assert fired([measure()], p, day, past=[replace(first, state="resolved"), second]) == [s.dedupe_key]
    assert fired([measure()], p, day, past=[first, replace(second, level="notice")]) == []
    assert fired([measure()], p, day, past=[first, replace(second, measure_id=12)]) == []  # another subject
    assert fired([measure(status="completed")], p, day, past=[first, second]) == []  # nothing left to supervise


def test_warnings_of_the_same_scan_count_and_unit_misses_are_counted_per_unit():
    rules = [Rule(id="d", level=Level.warning, trigger=MissedDispatch(kind="missed_dispatch")), REP]
    obligations = [obligation(), obligation(dispatch_round_id=8, period="2024-W51", cutoff=date(2024, 12, 20))]
    out = ladder([], obligations, [], policy(*rules), CAL, date(2024, 12, 23))
    assert [x.dedupe_key for x in out] == ["d:d7:o3", "d:d8:o3", "rep:r1:o3:2024-12-23"]
    assert out[-1].addressed_org_id == 2 and out[-1].org_path == "/1/2/3/"
    # a miss already on record (found again by this scan) counts once; the window is Dec 17–23
    past = [warning(date(2024, 12, 17), "d:d7:o3", issue_id=None, measure_id=None, org_id=3, dispatch_round_id=7)]
    out = ladder([], obligations, past, policy(*rules), CAL, date(2024, 12, 23))
    assert out[-1].dedupe_key == "rep:r1:o3:2024-12-23" and out[-1].trigger["count"] == 2
    past = [replace(past[0], as_of=date(2024, 12, 16))]
    assert [x.dedupe_key for x in ladder([], obligations, past, policy(*rules), CAL, date(2024, 12, 23))] == [
        "d:d7:o3",
        "d:d8:o3",
    ]


def test_the_default_policy_climbs_one_rung_at_a_time():
    """Seen #3: a problem 20 working days late got 通报, 督办 and 约谈 the same day. Now each rung
    waits for the one below: issued, unanswered, five working days old; 约谈 waits for the office
    to issue the 督办 (it does, the next working day)."""
    item = measure(date(2024, 12, 31))
    levels: dict[str, tuple[date, str]] = {}
    past: list[PastEscalation] = []
    day = date(2024, 12, 1)
    while day <= date(2025, 2, 28):
        for e in list(past):
            if e.state == "proposed" and CAL.is_workday(day) and e.as_of < day:
                past[past.index(e)] = replace(e, state="issued", issued_on=day)  # the office issues it
        for p in ladder([item], [], past, DEFAULT_POLICY, CAL, day):
            if p.dedupe_key not in {e.dedupe_key for e in past}:
                assert p.level not in {lv for lv, (d, _) in levels.items() if d == day}
                levels[p.level] = (day, p.state)
                issued_on = day if p.state == "issued" else None
                past.append(warning(day, p.dedupe_key, level=p.level, state=p.state, issued_on=issued_on,
                                    measure_id=None, trigger=p.trigger))  # fmt: skip
        day += timedelta(days=1)
    assert levels == {
        "warning": (date(2024, 12, 24), "issued"),
        "notice": (date(2025, 1, 1), "issued"),
        "supervision": (date(2025, 1, 8), "proposed"),  # 5 working days after the notice
        "summons": (date(2025, 1, 16), "proposed"),  # 5 working days after the 督办 was issued (Jan 9)
    }
    assert len(past) == 4  # one letter per level, however many days it stays overdue


def test_a_jump_is_only_allowed_when_the_policy_says_so():
    late = AfterDeadline(kind="after_deadline", working_days=0)
    with pytest.raises(ValueError, match="after_level"):
        Rule(id="s", level=Level.supervision, trigger=late)
    with pytest.raises(ValueError, match="reached only from"):
        Rule(id="s", level=Level.summons, trigger=late, after_level=Level.notice)
    with pytest.raises(ValueError, match="below"):
        Rule(id="s", level=Level.notice, trigger=late, after_level=Level.supervision)
    jump = Rule(id="s", level=Level.summons, trigger=late, after_level=Level.notice, jump=True)
    item = measure(date(2024, 9, 30))
    notice = warning(date(2024, 10, 1), letter("notice", "2024-09-30"), level="notice", issued_on=date(2024, 10, 1))
    assert fired([item], policy(jump), date(2024, 10, 11), past=[notice]) == []  # 4 working days (国庆)
    assert fired([item], policy(jump), date(2024, 10, 12), past=[notice]) == [letter("summons", "2024-09-30")]
    assert fired([item], policy(jump), date(2024, 10, 14), past=[replace(notice, state="responded")]) == []


# ---------------------------------------------------------------- years without official data


def test_provisional_years_never_crash():
    p = DEFAULT_POLICY
    for deadline in (date(2026, 12, 31), date(2027, 1, 4), date(2027, 10, 1), date(2028, 2, 29)):
        for offset in range(-20, 40, 3):
            ladder([measure(deadline)], [], [], p, CAL, deadline + timedelta(days=offset))
    # 2027: weekends only; Fri Jan 1 2027 is a working day there
    assert fired([measure(date(2027, 1, 1))], policy(before(0)), date(2026, 12, 31)) == []


# ---------------------------------------------------------------- resolution


def open_escalation(rule: str, key: str, **kw: Any) -> PastEscalation:
    return warning(date(2024, 10, 1), key, id=99, rule=rule, **kw)


def test_causes_that_went_away_resolve():
    p = policy(after(0), Rule(id="d", level=Level.warning, trigger=MissedDispatch(kind="missed_dispatch")))
    trigger = {"kind": "after_deadline", "period": "2024-09-30", "unit_org_id": 3, "measures": [11]}
    e = open_escalation("a0", letter("notice", "2024-09-30"), measure_id=None, trigger=trigger)
    problem = issue(date(2024, 9, 30), org_id=5)  # led by another unit: unit 3 owes only its measure
    day = date(2024, 10, 9)

    def resolved(*items: Item, esc: PastEscalation = e) -> list[str]:
        return [r.resolution for r in causes_resolved(items, [], [esc], p, day)]

    assert resolved(problem, measure(date(2024, 9, 30))) == []
    assert resolved(problem, measure(date(2024, 9, 30), status="completed")) == [RESOLVED_TASK_CLOSED]
    assert resolved(replace(problem, status="completed"), measure(date(2024, 9, 30))) == [RESOLVED_TASK_CLOSED]
    assert resolved(replace(problem, deadline=date(2024, 12, 31)), measure()) == [RESOLVED_DEADLINE_MOVED]
    assert resolved(problem, measure(date(2024, 12, 31), period=date(2024, 9, 30))) == [RESOLVED_DEADLINE_MOVED]
    assert resolved(measure(date(2024, 9, 30), status="completed")) == []  # unknown problem: left alone
    assert resolved(problem, measure(status="completed"), esc=replace(e, state="withdrawn")) == []
    assert resolved(problem, measure(status="completed"), esc=replace(e, rule="manual")) == []
    d = open_escalation("d", "d:d7:o3", issue_id=None, measure_id=None, org_id=3, dispatch_round_id=7)
    assert causes_resolved([], [obligation()], [d], p) == []
    assert causes_resolved([], [obligation(reported=True)], [d], p)[0].resolution == RESOLVED_DISPATCH_REPORTED


def test_attestation_and_repeated_resolve_with_their_causes():
    att = Rule(id="att", level=Level.warning, trigger=MissedAttestation(kind="missed_attestation"))
    p = policy(att, REP)
    lt = issue(None, status="completed_long_term", attestation_cycle="monthly")
    e = open_escalation("att", "att:i1:2024-11", measure_id=None, trigger={"period_start": "2024-11-01"})
    assert causes_resolved([lt], [], [e], p) == []
    assert causes_resolved([replace(lt, last_progress_at=date(2024, 10, 31))], [], [e], p) == []
    assert causes_resolved([replace(lt, last_progress_at=date(2024, 12, 2))], [], [e], p)[0].resolution == (
        RESOLVED_ATTESTED
    )
    assert causes_resolved([replace(lt, status="closed")], [], [e], p)[0].resolution == RESOLVED_NOT_ATTESTING
    rep = open_escalation("rep", "rep:r1:m11:2024-10-08", level="supervision")
    assert causes_resolved([measure()], [], [rep], p) == []
    assert causes_resolved([measure(status="completed")], [], [rep], p)[0].resolution == RESOLVED_TASK_CLOSED
    unit = open_escalation("rep", "rep:r1:o3:2024-10-08", issue_id=None, measure_id=None, org_id=3)
    assert causes_resolved([], [obligation(reported=True)], [unit], p) == []  # past misses stay missed


# ---------------------------------------------------------------- thresholds == the definition


CALENDARS = [CAL, WorkCalendar({y: d for y, d in package_years().items() if y != 2025})]
days = st.dates(min_value=date(2024, 6, 1), max_value=date(2028, 6, 30))


@settings(max_examples=400, deadline=None)
@given(
    deadline=days, as_of=days, n=st.integers(0, 60), which=st.sampled_from([0, 1]), calendar=st.sampled_from(CALENDARS)
)
def test_thresholds_equal_the_per_item_definitions(deadline, as_of, n, which, calendar):
    b = BeforeDeadline(kind="before_deadline", working_days=n)
    lo, hi = deadline_thresholds(b, calendar, as_of)
    by_definition = as_of <= deadline and calendar.workdays_between(as_of + timedelta(days=1), deadline) <= n
    assert lo is not None
    assert (lo <= deadline < hi) == by_definition == (remaining_days_before(b, deadline, calendar, as_of) is not None)
    a = AfterDeadline(kind="after_deadline", working_days=n * 4 if which else n)
    lo, hi = deadline_thresholds(a, calendar, as_of)
    if a.working_days == 0:
        by_definition = as_of > deadline
    else:
        by_definition = as_of >= calendar.nth_workday_after(deadline, a.working_days).day
    assert lo is None
    assert (deadline < hi) == by_definition == fires_after(a, deadline, calendar, as_of)
