"""The public notice pages for a citizen's browser: the same URLs as the JSON API, HTML when the
browser asks for it, an objection form that works without an account or a third-party CAPTCHA
(a proof of work the page's script does), and the office then sees the objection."""

import re

from issues_api.public import pow

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def running_notice(client, demo_round: int) -> int:
    issues = (await client.get(f"/api/v1/issues?round_id={demo_round}&limit=200")).json()["items"]
    issue_id = next(i["id"] for i in issues if i["seq"] == 11)
    listed = (await client.get("/api/v1/closures?limit=200")).json()["items"]
    return next(c["id"] for c in listed if c["issue_id"] == issue_id)


def form_of(html: str) -> tuple[str, dict[str, str]]:
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    challenge = re.search(r'name="pow_challenge" value="([^"]+)"', html).group(1)
    bits = int(re.search(r"bits=(\d+);", html).group(1))
    return action, {"pow_challenge": challenge, "pow_nonce": pow.solve(challenge, bits)}


async def test_a_browser_gets_pages_and_a_json_client_gets_json_at_the_same_urls(client, anon, demo_round):
    notice_id = await running_notice(client, demo_round)
    page = await anon.get("/public/notices", headers=BROWSER)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["vary"] == "Accept"
    assert "正在公示的整改任务" in page.text and f'href="/public/notices/{notice_id}"' in page.text
    one = await anon.get(f"/public/notices/{notice_id}", headers=BROWSER)
    assert one.status_code == 200 and "整改任务销号的公示" in one.text and "阿巴嘎旗" in one.text
    assert "提出异议" in one.text and 'name="pow_challenge"' in one.text
    # a notice page is small: it must open on a low-end phone over 3G
    assert len(one.content) < 20_000
    for accept in ("*/*", "application/json", "application/json, text/html;q=0.5", None):
        r = await anon.get(f"/public/notices/{notice_id}", headers={"Accept": accept} if accept else {})
        assert r.headers["content-type"].startswith("application/json"), accept
        assert r.json()["id"] == notice_id
    # a notice that is over: a page saying so, 404
    gone = await anon.get("/public/notices/999999999", headers=BROWSER)
    assert gone.status_code == 404 and "公示不存在或已结束" in gone.text


async def test_a_citizen_objects_through_the_form_and_the_office_sees_it(client, anon, demo_round):
    notice_id = await running_notice(client, demo_round)
    page = (await anon.get(f"/public/notices/{notice_id}", headers=BROWSER)).text
    action, work = form_of(page)
    # refused, with the message beside the field and what was typed kept; nothing written
    body = {"name": "王<b>五</b>", "contact": "13900001111", "content": "坑塘周边仍有尾砂堆存。"}
    no_work = await anon.post(action, data={**body, "pow_challenge": work["pow_challenge"], "pow_nonce": ""})
    assert no_work.status_code == 422 and "验证未完成" in no_work.text
    assert 'value="13900001111"' in no_work.text and "王&lt;b&gt;五&lt;/b&gt;" in no_work.text
    forged = await anon.post(action, data={**body, "pow_challenge": "1.9999999999.aa.bb", "pow_nonce": "1"})
    assert forged.status_code == 422 and "验证信息无效" in forged.text
    short = await anon.post(action, data={**body, "name": "王", "contact": "1", **work})
    assert short.status_code == 422
    assert "请填写实名（2至50个字）" in short.text and "请填写联系电话或地址" in short.text
    assert "请填写异议内容" not in short.text
    closure = (await client.get(f"/api/v1/closures/{notice_id}")).json()
    assert not [o for o in closure["objections"] if o["content"] == body["content"]]
    # filed
    r = await anon.post(action, data={**body, **work}, headers=BROWSER)
    assert r.status_code == 201, r.text
    assert "异议已收到" in r.text and re.search(r"受理编号：YY\d+", r.text)
    closure = (await client.get(f"/api/v1/closures/{notice_id}")).json()
    [objection] = [o for o in closure["objections"] if o["content"] == body["content"]]
    assert objection["name"] == "王<b>五</b>" and objection["source"] == "public"
    # the same page's work cannot be posted twice
    again = await anon.post(action, data={**body, **work}, headers=BROWSER)
    assert again.status_code == 422 and "该页面已提交过" in again.text


def test_the_work_is_bound_to_its_notice_and_expires() -> None:
    c = pow.issue("secret", 7, now=1000.0)
    nonce = pow.solve(c, 8)
    assert pow.check("secret", c, nonce, 7, 8, now=1000.0) is None
    assert "公示不符" in pow.check("secret", c, nonce, 8, 8, now=1000.0)
    assert "过期" in pow.check("secret", c, nonce, 7, 8, now=1000.0 + pow.VALID_SECONDS + 1)
    assert "无效" in pow.check("other", c, nonce, 7, 8, now=1000.0)
