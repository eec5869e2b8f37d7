"""A 督办 the scan proposed reaches the unit's people through 企业微信 and 钉钉 exactly once each,
once the office issues it, and its group chats through their robots — sent by two notifier
workers (two independent worker contexts sharing Redis) that fetch each app's token once between
them, through a provider outage (HTTP 500, then "system busy") that is retried and then succeeds."""

import asyncio
from collections import Counter

import pytest
from arq import func
from arq.worker import Worker
from sqlalchemy import select

from notifier.delivery.channels.dingtalk import DingTalkChannel, DingTalkRobotChannel
from notifier.delivery.channels.wecom import WeComChannel, WeComRobotChannel
from notifier.delivery.jobs import SEND_DELIVERY, send_delivery
from notifier.events import handle_event
from rectify_shared import queue
from rectify_shared.jobs import HANDLE_EVENT, NOTIFIER_QUEUE
from rectify_shared.models import Escalation, Org, UserAccount

from .channel_servers import http_stub
from .im_providers import DING_ROBOT_SECRET, DING_ROBOT_TOKEN, WECOM_ROBOT_KEY, ImServer
from .test_channels_im import PUBLIC, im_settings
from .test_delivery_world import ISSUED_AT, build_world, deliveries, fake_channels, outbox_event


@pytest.fixture
def db_url(pg_db_url: str) -> str:  # the exactly-once key is PostgreSQL's ON CONFLICT, as in production
    return pg_db_url


async def _run_workers(settings, db, redis_url, events) -> None:
    pools = [await queue.connect(redis_url) for _ in range(3)]
    workers = []
    for pool in pools[:2]:  # each worker its own channels and Redis client, as two processes have
        channels = {
            **fake_channels(),
            "wecom": WeComChannel(settings, pool),
            "dingtalk": DingTalkChannel(settings, pool),
            "wecom_bot": WeComRobotChannel(settings),
            "ding_bot": DingTalkRobotChannel(settings),
        }
        workers.append(
            Worker(
                functions=[
                    func(handle_event, name=HANDLE_EVENT),
                    func(send_delivery, name=SEND_DELIVERY, keep_result=0),
                ],
                burst=True,
                handle_signals=False,
                ctx={"settings": settings, "write_sessions": db, "channels": channels},
                **{**queue.worker_options(redis_url, settings.queue_prefix, NOTIFIER_QUEUE), "poll_delay": 0.05},
            )
        )
    try:
        for n, event in enumerate(events):
            payload = event.model_dump(mode="json")
            await queue.enqueue(pools[2], settings.queue_prefix, NOTIFIER_QUEUE, HANDLE_EVENT, payload, f"evt:{n}")
        await asyncio.wait_for(asyncio.gather(*(w.main() for w in workers)), 60)
    finally:
        for w in workers:
            for channel in w.ctx["channels"].values():
                await channel.aclose()
            await w.close()
        for pool in pools:
            await pool.aclose()


async def test_an_issued_supervision_reaches_wecom_and_dingtalk_once_each(db, redis_url, queue_prefix, tmp_path):
    wecom = ImServer("wecom", users={"zhangsan0", "zhangsan1", "zhangsan2", "zhangsan3"}, failures=["http500", "busy"])
    ding = ImServer("dingtalk", users={"ding0", "ding1", "ding2", "ding3"}, failures=["busy", "http500"])
    with http_stub(wecom) as w, http_stub(ding) as d:
        settings = im_settings(
            tmp_path, queue_prefix, w.url, dingtalk_base_url=d.url, redis_url=redis_url, sms_quiet_hours="",
            delivery_backoff_base_seconds=0.1, delivery_backoff_cap_seconds=0.2,
        )  # fmt: skip
        async with db() as s:
            world = await build_world(s, level="supervision")
            e = world.escalation  # as the scan proposes it: the office decides whether to issue
            e.state, e.issued_at, e.issued_by, e.doc_no = "proposed", None, None, None
            county = await s.get(Org, e.addressed_org_id)
            county.wecom_robot_url = f"{w.url}/cgi-bin/webhook/send?key={WECOM_ROBOT_KEY}"
            county.dingtalk_robot_url = f"{d.url}/robot/send?access_token={DING_ROBOT_TOKEN}"
            county.dingtalk_robot_secret = DING_ROBOT_SECRET
            users = (await s.execute(select(UserAccount).where(UserAccount.org_id == county.id))).scalars().all()
            for i, user in enumerate(sorted(users, key=lambda u: u.username)):  # county3 is disabled
                user.wecom_userid, user.dingtalk_userid = f"zhangsan{i}", f"ding{i}"
            proposed = await outbox_event(s, "escalation.created", e)
            await s.commit()
        await _run_workers(settings, db, redis_url, [proposed])
        assert wecom.sent == ding.sent == [] and wecom.robot == ding.robot == []  # a proposal tells no one

        async with db() as s:  # the office issues it
            e = await s.get(Escalation, e.id)
            e.state, e.issued_at, e.issued_by, e.doc_no = "issued", ISSUED_AT, "office", "锡督整办〔2024〕12号"
            issued = await outbox_event(s, "escalation.issued", e)
            await s.commit()
        await _run_workers(settings, db, redis_url, [issued, issued])  # the event arrives twice

    assert Counter(m["touser"] for m in wecom.sent) == {"zhangsan0": 1, "zhangsan1": 1, "zhangsan2": 1}
    assert Counter(m["userid_list"] for m in ding.sent) == {"ding0": 1, "ding1": 1, "ding2": 1}
    assert wecom.token_fetches == 1 and ding.token_fetches == 1  # one fetch between the two workers
    card = wecom.sent[0]["textcard"]
    assert card["title"].startswith("【督办】") and card["url"] == f"{PUBLIC}/console/issues/{e.issue_id}"
    assert "锡督整办〔2024〕12号" not in card["title"] and "已予以督办" in card["description"]
    assert ding.sent[0]["msg"]["action_card"]["single_url"] == f"{PUBLIC}/console/issues/{e.issue_id}"
    # the org's group chats: once each, DingTalk's signature checked by its server
    assert len(wecom.robot) == 1 and len(ding.robot) == 1 and ding.refused == []
    assert "正镶白旗人民政府" in wecom.robot[0]["markdown"]["content"]
    rows = [r for r in await deliveries(db) if r.channel in ("wecom", "dingtalk", "wecom_bot", "ding_bot")]
    assert {r.state for r in rows} == {"sent"} and len(rows) == 8
    # the outage: two failed attempts on each app channel, retried with backoff, then sent
    attempts = {ch: sum(r.attempts for r in rows if r.channel == ch) for ch in ("wecom", "dingtalk")}
    assert attempts == {"wecom": 5, "dingtalk": 5}
    assert not any(r.address.startswith("http") for r in rows)  # robot URLs are read when sending, not copied
