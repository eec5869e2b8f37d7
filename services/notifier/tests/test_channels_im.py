"""企业微信 and 钉钉 against local servers that answer like the providers: the access token is
fetched once per expiry however many processes send (they share it through Redis), an expired
token is replaced once and the message still goes; errcodes become a retry or a final failure;
group robots are signed as DingTalk checks and refused off the configured origin."""

import asyncio

import pytest

from notifier.delivery.channels.base import OutgoingMessage, PermanentError, TransientError
from notifier.delivery.channels.dingtalk import DingTalkChannel, DingTalkRobotChannel
from notifier.delivery.channels.wecom import WeComChannel, WeComRobotChannel
from rectify_shared import queue
from rectify_shared.settings import Settings

from .channel_servers import http_stub
from .im_providers import (
    APP_KEY,
    CORP_ID,
    DING_AGENT,
    DING_ROBOT_SECRET,
    DING_ROBOT_TOKEN,
    DING_SECRET,
    WECOM_AGENT,
    WECOM_ROBOT_KEY,
    WECOM_SECRET,
    ImServer,
)

PUBLIC = "https://rectify.example.gov.cn"


def im_settings(tmp_path, prefix: str, url: str, **kw) -> Settings:
    values = dict(
        data_dir=tmp_path, queue_prefix=prefix, public_url=PUBLIC,
        wecom_corp_id=CORP_ID, wecom_agent_id=WECOM_AGENT, wecom_secret=WECOM_SECRET, wecom_base_url=url,
        dingtalk_app_key=APP_KEY, dingtalk_app_secret=DING_SECRET, dingtalk_agent_id=DING_AGENT, dingtalk_base_url=url,
    )  # fmt: skip
    return Settings(**{**values, **kw})


def message(n: int, address: str, **extra) -> OutgoingMessage:
    body = f"第{n}条：请于12月20日前书面回复。"
    return OutgoingMessage(
        n, f"evt:{n}:user:{address}", address, "【督办】第3项问题", body, {"link": "/console/issues/3", **extra}
    )


def channel_for(kind: str, settings: Settings, redis):
    return WeComChannel(settings, redis) if kind == "wecom" else DingTalkChannel(settings, redis)


@pytest.mark.parametrize("kind", ["wecom", "dingtalk"])
async def test_two_processes_fetch_the_token_once_per_expiry(kind, redis_url, queue_prefix, tmp_path):
    server = ImServer(kind, users={f"u{i}" for i in range(8)}, expires_in=2)  # used 1.8 s: refreshed early
    with http_stub(server) as stub:
        settings = im_settings(tmp_path, queue_prefix, stub.url)
        pools = [await queue.connect(redis_url), await queue.connect(redis_url)]  # two processes' Redis clients
        a, b = (channel_for(kind, settings, pool) for pool in pools)
        try:
            burst = [ch.send(message(i, f"u{i % 8}")) for i in range(8) for ch in (a, b)]
            await asyncio.gather(*burst)
            assert server.token_fetches == 1 and len(server.sent) == 16

            await asyncio.sleep(2.0)  # the token's life is over: one of the two fetches the next one
            await asyncio.gather(*(ch.send(message(i, "u1")) for i in range(3) for ch in (a, b)))
            assert server.token_fetches == 2 and len(server.sent) == 22

            server.failures = ["expire"]  # the provider drops the token early: replaced once, message sent
            await a.send(message(30, "u2"))
            await b.send(message(31, "u3"))  # b still held the dropped token: it takes a's new one from Redis
            assert server.token_fetches == 3 and len(server.sent) == 24
            assert server.refused == ["token", "token"]
        finally:
            for ch in (a, b):
                await ch.aclose()
            for pool in pools:
                await pool.aclose()
    card = server.sent[0]
    if kind == "wecom":
        assert card["msgtype"] == "textcard" and card["textcard"]["url"] == f"{PUBLIC}/console/issues/3"
        assert card["touser"] in server.users and card["enable_duplicate_check"] == 1
    else:
        assert card["msg"]["msgtype"] == "action_card"
        assert card["msg"]["action_card"]["single_url"] == f"{PUBLIC}/console/issues/3"


@pytest.mark.parametrize("kind", ["wecom", "dingtalk"])
async def test_errcodes_become_a_retry_or_a_final_failure(kind, tmp_path, queue_prefix):
    server = ImServer(kind, users={"known"})
    with http_stub(server) as stub:
        channel = channel_for(kind, im_settings(tmp_path, queue_prefix, stub.url), None)  # no Redis: its own cache
        try:
            for failure in ("http500", "busy"):
                server.failures = [failure]
                with pytest.raises(TransientError):
                    await channel.send(message(1, "known"))
            with pytest.raises(PermanentError, match="81013" if kind == "wecom" else "33012"):
                await channel.send(message(2, "nobody"))
            server.failures = ["expire", "expire"]  # refused again after the refresh: retried later, not lost
            with pytest.raises(TransientError, match="42001"):
                await channel.send(message(3, "known"))
            result = await channel.send(message(4, "known"))
            assert result.provider_message_id and len(server.sent) == 1
        finally:
            await channel.aclose()
        wrong = im_settings(tmp_path, queue_prefix, stub.url, wecom_secret="wrong", dingtalk_app_secret="wrong")
        bad = channel_for(kind, wrong, None)
        try:
            with pytest.raises(PermanentError, match="40001" if kind == "wecom" else "40089"):
                await bad.send(message(5, "known"))
        finally:
            await bad.aclose()


async def test_robots_sign_as_dingtalk_checks_and_stay_on_the_configured_origin(tmp_path, queue_prefix):
    wecom, ding = ImServer("wecom", users=set()), ImServer("dingtalk", users=set())
    with http_stub(wecom) as w, http_stub(ding) as d:
        settings = im_settings(tmp_path, queue_prefix, w.url, dingtalk_base_url=d.url)
        wbot, dbot = WeComRobotChannel(settings), DingTalkRobotChannel(settings)
        ding_url = f"{d.url}/robot/send?access_token={DING_ROBOT_TOKEN}"
        try:
            await wbot.send(message(1, "org:3", url=f"{w.url}/cgi-bin/webhook/send?key={WECOM_ROBOT_KEY}"))
            for n in range(5):  # five timestamps, five signatures (base64 with + / = among them, URL-encoded)
                await dbot.send(message(10 + n, "org:3", url=ding_url, secret=DING_ROBOT_SECRET))
            with pytest.raises(PermanentError, match="310000"):
                await dbot.send(message(20, "org:3", url=ding_url, secret=DING_ROBOT_SECRET + "x"))
            with pytest.raises(PermanentError, match="93000"):
                await wbot.send(message(21, "org:3", url=f"{w.url}/cgi-bin/webhook/send?key=other"))
            with pytest.raises(PermanentError, match="RECTIFY_WECOM_BASE_URL"):  # never another host (SSRF)
                await wbot.send(message(22, "org:3", url="http://169.254.169.254/cgi-bin/webhook/send?key=k"))
            with pytest.raises(PermanentError, match="RECTIFY_DINGTALK_BASE_URL"):
                await dbot.send(message(23, "org:3", url=f"{w.url}/robot/send?access_token=x", secret="s"))
        finally:
            await wbot.aclose()
            await dbot.aclose()
    assert len(wecom.robot) == 1 and wecom.robot[0]["msgtype"] == "markdown"
    assert "【督办】第3项问题" in wecom.robot[0]["markdown"]["content"]
    assert len(ding.robot) == 5 and ding.refused == ["robot signature"]
    assert ding.robot[0]["markdown"]["title"] == "【督办】第3项问题"
