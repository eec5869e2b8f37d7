"""The pure parts of delivery: quiet hours, backoff, wording and planning — no database."""

import random
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from notifier.delivery.planner import PlanContext, plan
from notifier.delivery.quiet import BACKOFF_CAP, backoff, next_allowed, parse_quiet_hours
from notifier.delivery.templates import ESCALATION_ISSUED, render, template_kind
from rectify_shared.enums import OrgKind
from rectify_shared.jobs import EventEnvelope
from rectify_shared.models import Escalation, Issue, Org, UserAccount, WebhookSubscription
from rectify_shared.timezone import CHINA_TZ

QUIET = parse_quiet_hours("22:00-07:00")


def china(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 12, day, hour, minute, tzinfo=CHINA_TZ)


# ---------------------------------------------------------------- quiet hours and backoff


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (china(16, 21, 59), china(16, 21, 59)),  # before the window: now
        (china(16, 22, 0), china(17, 7, 0)),  # the evening part: tomorrow morning
        (china(17, 3, 30), china(17, 7, 0)),  # after midnight: this morning
        (china(17, 7, 0), china(17, 7, 0)),  # the window is [22:00, 07:00)
        (china(17, 12, 0), china(17, 12, 0)),
    ],
)
def test_overnight_quiet_hours_end_at_seven_china_time(now, expected):
    assert next_allowed(now.astimezone(UTC), QUIET) == expected


def test_urgent_messages_and_an_empty_setting_ignore_quiet_hours():
    night = china(16, 23).astimezone(UTC)
    assert next_allowed(night, QUIET, urgent=True) == night
    assert parse_quiet_hours("") is None and parse_quiet_hours("  ") is None
    assert next_allowed(night, parse_quiet_hours("")) == night


def test_daytime_windows_and_bad_settings():
    lunch = parse_quiet_hours("12:00-14:00")
    assert next_allowed(china(16, 13).astimezone(UTC), lunch) == china(16, 14)
    assert next_allowed(china(16, 23).astimezone(UTC), lunch) == china(16, 23)
    assert parse_quiet_hours("08:00-08:00") is None
    for bad in ("22-7", "25:00-07:00", "22:00"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)


def test_backoff_is_full_jitter_under_a_doubling_ceiling_capped_at_an_hour():
    rng = random.Random(1)
    for attempts, ceiling in ((1, 10), (2, 20), (3, 40), (9, 2560), (12, 3600), (40, 3600)):
        delays = [backoff(attempts, rng) for _ in range(200)]
        assert all(timedelta(0) <= d <= timedelta(seconds=ceiling) for d in delays)
        assert max(delays) > timedelta(seconds=ceiling * 0.8)  # it does use the whole range
    assert backoff(50) <= BACKOFF_CAP


def test_the_backoff_base_and_cap_are_read_from_the_environment(monkeypatch):
    from rectify_shared.settings import load_settings

    monkeypatch.setenv("RECTIFY_DELIVERY_BACKOFF_BASE_SECONDS", "2")
    monkeypatch.setenv("RECTIFY_DELIVERY_BACKOFF_CAP_SECONDS", "5")
    s = load_settings()
    base, cap = timedelta(seconds=s.delivery_backoff_base_seconds), timedelta(seconds=s.delivery_backoff_cap_seconds)
    top = SimpleNamespace(uniform=lambda a, b: b)  # always the ceiling
    assert [backoff(n, top, base=base, cap=cap) for n in (1, 2, 3, 4)] == [timedelta(seconds=x) for x in (2, 4, 5, 5)]
    monkeypatch.setenv("RECTIFY_DELIVERY_BACKOFF_CAP_SECONDS", "0")
    with pytest.raises(ValueError):
        load_settings()


# ---------------------------------------------------------------- wording


DESCRIPTION = "草原违规开垦问题整改不到位，部分地块尚未完成复绿"
ISSUE = Issue(id=9, round_id=1, seq=3, category="生态保护方面", description=DESCRIPTION,
              lead_org_id=12, org_path="/1/2/12/", deadline=date(2024, 12, 31))  # fmt: skip
ORG = Org(id=12, name="正镶白旗人民政府", kind=OrgKind.county, path="/1/2/12/", parent_id=2,
          contact_email="zxb@example.cn", contact_phone="0479-7000000", mobile="13947900000")  # fmt: skip
LEADER = {"name": "王某", "title": "旗委副书记", "phone": "13904790001", "email": "wang@example.cn"}


def escalation(level: str = "supervision", person: dict | None = LEADER, state: str = "issued") -> Escalation:
    return Escalation(
        id=77, round_id=1, level=level, rule="r3", dedupe_key="k", issue_id=9, addressed_org_id=12,
        addressed_person=person, org_path="/1/2/12/", reason="整改任务超过完成时限（2024-12-31）已达10个工作日仍未完成",
        trigger={}, state=state, as_of=date(2025, 1, 14), issued_at=datetime(2025, 1, 14, 1, tzinfo=UTC),
        response_due=date(2025, 1, 21), doc_no="锡督整办〔2025〕3号",
    )  # fmt: skip


def event(type_: str = "escalation.issued", state: str = "issued", event_id: str = "1001") -> EventEnvelope:
    return EventEnvelope(
        id=event_id, type=type_, timestamp=datetime(2025, 1, 14, 1, 0, 5, tzinfo=UTC), aggregate_type="escalation",
        aggregate_id=77, data={"id": 77, "level": "supervision", "state": state},
    )  # fmt: skip


def test_which_events_carry_an_escalation_message():
    assert template_kind("escalation.issued", {}) == ESCALATION_ISSUED
    assert template_kind("escalation.created", {"state": "issued"}) == ESCALATION_ISSUED
    assert template_kind("escalation.created", {"state": "proposed"}) is None
    assert template_kind("escalation.resolved", {"state": "resolved"}) is None


def test_escalation_wording_names_the_task_the_level_the_dates_and_the_ask():
    ctx = PlanContext(org=ORG, escalation=escalation(), issue=ISSUE)
    by = {(p.channel, p.recipient): p for p in plan(event(), ORG.path, ctx)}
    mail = by[("email", "org:12")]
    assert mail.subject == "【督办】关于第3项问题“草原违规开垦问题整改不到位，部分地块尚未完成复绿”的督办通知"
    for text in ("正镶白旗人民政府：", "第3项问题", "督办", "锡督整办〔2025〕3号", "整改时限：2024年12月31日",
                 "请于2025年1月21日前书面回复"):  # fmt: skip
        assert text in mail.body
    sms = by[("sms", "leader:issue:9")]
    task = "第3项问题“草原违规开垦问题整改不…”"
    assert sms.body == f"【督办】王某同志：{task}已被督办，请于1月21日前书面回复。"
    assert len(sms.body) <= 70 and sms.subject is None
    assert sms.extra["template_params"] == {"name": "王某同志", "level": "督办", "task": task, "due": "1月21日"}
    assert all(len(p.body) <= 70 for p in by.values() if p.channel == "sms")


def test_an_office_override_wins_and_a_broken_one_falls_back_to_the_default():
    override = SimpleNamespace(subject=None, body="{{ recipient_name }}：{{ task_short }}被{{ level_text }}。")
    variables = {"recipient_name": "甲", "task_short": "第1项问题", "level_text": "预警"}
    assert render(event(), variables, "sms", override) == (None, "甲：第1项问题被预警。")
    broken = SimpleNamespace(subject=None, body="{{ recipient_name ")
    assert render(event(), variables, "sms", broken)[1].startswith("【预警】甲：第1项问题已被预警")


def test_templates_render_in_a_sandbox():
    evil = SimpleNamespace(subject=None, body="{{ ''.__class__.__mro__[1].__subclasses__() }}")
    _, body = render(event(), {"recipient_name": "甲", "task_short": "x", "level_text": "预警"}, "sms", evil)
    assert "subclasses" not in body and body.startswith("【预警】")  # refused, and the default went out


# ---------------------------------------------------------------- planning


def users() -> list[UserAccount]:
    return [
        UserAccount(
            id=i,
            username=f"u{i}",
            display_name=f"操作员{i}",
            password_hash="x",
            org_id=12,
            org_path=ORG.path,
            role="unit_operator",
            created_by="t",
        )
        for i in (5, 6)
    ]


def subscription(sub_id: int, types: list[str], path: str, active: bool = True) -> WebhookSubscription:
    return WebhookSubscription(id=sub_id, url=f"https://p.example.cn/{sub_id}", secret="whsec_x", event_types=types,
                               org_id=1, org_path=path, owner="p", active=active)  # fmt: skip


def test_an_issued_escalation_reaches_the_org_the_leader_the_inbox_and_matching_webhooks_only():
    subs = [
        subscription(1, ["escalation.issued"], "/1/"),  # the province: in scope, wants it
        subscription(2, ["*"], "/1/2/"),  # the league, everything
        subscription(3, ["issue.status_changed"], "/1/"),  # another type
        subscription(4, ["*"], "/1/3/"),  # another league
        subscription(5, ["*"], "/1/", active=False),
    ]
    ctx = PlanContext(org=ORG, users=users(), escalation=escalation(), issue=ISSUE, leader=LEADER, subscriptions=subs)
    planned = plan(event(), ORG.path, ctx)
    assert sorted((p.channel, p.recipient, p.address) for p in planned) == [
        ("email", "leader:issue:9", "wang@example.cn"),
        ("email", "org:12", "zxb@example.cn"),
        ("inbox", "user:5", "5"),
        ("inbox", "user:6", "6"),
        ("sms", "leader:issue:9", "13904790001"),
        ("sms", "org:12", "13947900000"),  # the org's mobile, never its landline
        ("webhook", "webhook:1", "https://p.example.cn/1"),
        ("webhook", "webhook:2", "https://p.example.cn/2"),
    ]
    hook = next(p for p in planned if p.recipient == "webhook:1")
    assert hook.extra == {"payload": {"id": "1001", "type": "escalation.issued",
                                      "timestamp": "2025-01-14T01:00:05+00:00", "data": event().data}}  # fmt: skip
    assert "secret" not in hook.extra  # looked up when sending, never copied into delivery rows
    people = [p for p in planned if p.channel != "webhook"]
    assert {p.priority for p in people} == {"urgent"}  # 督办 goes out at night too
    assert {(p.event_key, p.event_at) for p in people} == {("escalation:77:issued", escalation().issued_at)}


def test_missing_addresses_are_skipped_and_a_warning_without_a_person_skips_the_leader():
    org = Org(id=12, name="旗", kind=OrgKind.county, path="/1/2/12/", contact_email=" ")
    ctx = PlanContext(org=org, escalation=escalation("warning", person=None), issue=ISSUE, leader=LEADER)
    assert plan(event(), org.path, ctx) == []
    ctx = PlanContext(org=ORG, escalation=escalation("warning", person=None), issue=ISSUE, leader=LEADER)
    planned = plan(event(), ORG.path, ctx)
    assert {(p.channel, p.recipient, p.priority) for p in planned} == {("email", "org:12", "normal"),
                                                                        ("sms", "org:12", "normal")}  # fmt: skip


def test_the_two_events_of_a_hand_issued_escalation_plan_the_same_messages():
    ctx = PlanContext(org=ORG, users=users(), escalation=escalation(), issue=ISSUE, leader=LEADER)
    created = plan(event("escalation.created", event_id="1001"), ORG.path, ctx)
    issued = plan(event("escalation.issued", event_id="1002"), ORG.path, ctx)
    key = lambda p: (p.event_key, p.event_at, p.channel, p.recipient)  # noqa: E731
    assert sorted(map(key, created)) == sorted(map(key, issued)) and len(created) == 6


def test_a_withdrawn_or_proposed_escalation_sends_nothing_to_people():
    ctx = PlanContext(org=ORG, users=users(), escalation=escalation(state="withdrawn"), issue=ISSUE)
    assert plan(event(), ORG.path, ctx) == []
    ctx = PlanContext(org=ORG, users=users(), escalation=escalation(state="proposed"), issue=ISSUE)
    assert plan(event("escalation.created", state="proposed"), ORG.path, ctx) == []


def test_a_status_change_goes_to_the_inbox_of_the_lead_org():
    data = {"from": "in_progress", "to": "completed"}
    e = EventEnvelope(id="5", type="issue.status_changed", timestamp=datetime(2025, 1, 2, tzinfo=UTC),
                      aggregate_type="issue", aggregate_id=9, data=data)  # fmt: skip
    planned = plan(e, ORG.path, PlanContext(org=ORG, users=users(), issue=ISSUE))
    assert [(p.channel, p.recipient) for p in planned] == [("inbox", "user:5"), ("inbox", "user:6")]
    assert planned[0].subject == "第3项问题“草原违规开垦问题整改不到位，部分地块尚未完成复绿”：正在推进 → 已完成整改"
    assert planned[0].extra == {"link": "/issues/9"} and planned[0].event_key is None


def test_wecom_and_dingtalk_reach_users_with_a_userid_as_they_prefer_and_org_robots_once():
    from types import SimpleNamespace as Pref

    u5, u6 = users()
    u5.wecom_userid, u6.dingtalk_userid = "ZhangSan", "manager4220"
    robots = {"wecom_robot_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
              "dingtalk_robot_url": "https://oapi.dingtalk.com/robot/send?access_token=t"}  # fmt: skip
    org = ORG.model_copy(update=robots)
    ctx = PlanContext(org=org, users=[u5, u6], escalation=escalation(), issue=ISSUE, leader=LEADER)
    planned = {(p.channel, p.recipient): p for p in plan(event(), ORG.path, ctx)}
    im = sorted((*k, planned[k].address) for k in planned if k[0] in ("wecom", "dingtalk", "wecom_bot", "ding_bot"))
    assert im == [("ding_bot", "org:12", "org:12"), ("dingtalk", "user:6", "manager4220"),
                  ("wecom", "user:5", "ZhangSan"), ("wecom_bot", "org:12", "org:12")]  # fmt: skip
    wecom, inbox = planned[("wecom", "user:5")], planned[("inbox", "user:5")]
    assert (wecom.subject, wecom.body) == (inbox.subject, inbox.body) and wecom.priority == "urgent"
    assert wecom.extra == {"link": "/console/issues/9"}  # the console's page of the problem
    assert "锡督整办〔2025〕3号" in planned[("wecom_bot", "org:12")].body  # the group reads the org's letter

    # a status change: u5 switched WeCom off for it, u6 gathers DingTalk into the daily digest
    prefs = {5: [Pref(event_type="issue.status_changed", level="", channel="wecom", mode="off")],
             6: [Pref(event_type="*", level="", channel="dingtalk", mode="digest")]}  # fmt: skip
    data = {"from": "in_progress", "to": "completed"}
    e = EventEnvelope(id="5", type="issue.status_changed", timestamp=datetime(2025, 1, 2, tzinfo=UTC),
                      aggregate_type="issue", aggregate_id=9, data=data)  # fmt: skip
    planned = plan(e, ORG.path, PlanContext(org=org, users=[u5, u6], issue=ISSUE, preferences=prefs))
    assert sorted((p.channel, p.recipient, p.mode) for p in planned) == [
        ("dingtalk", "user:6", "digest"), ("inbox", "user:5", "immediate"), ("inbox", "user:6", "immediate")
    ]  # fmt: skip
