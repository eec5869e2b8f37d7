"""The report-worker renders with the template the office uploaded through the API: the round's
newest version, else the nearest org's up the report's org path, else the shipped default."""

import re
from datetime import date
from types import SimpleNamespace

from report_worker.petition_data import load_notice
from report_worker.render.petition_notice import render_notice_md

TEXT = {"Content-Type": "text/plain; charset=utf-8"}
LEAGUE = (
    "# {{ org_name }}信访举报件办理情况\n截至{{ month_day }}，累计{{ cumulative.total }}件。\n"
    "{% for b in published_late %}\n另，第{{ b.batch_no | cn }}批中{{ b.cases }}件于今日公开。\n{% endfor %}\n"
    "特此通报。\n"
)
ROUND = "# 第{{ cumulative.batches | cn }}批次累计情况\n{{ cumulative.in_progress | count('正在办理', '件') }}\n"


async def test_the_worker_uses_the_template_in_force(app, client, demo_round):
    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    job = SimpleNamespace(
        kind="petition_notice",
        round_id=demo_round,
        as_of=date(2024, 12, 15),
        org_path=orgs["阿巴嘎旗"]["path"],
        scope_exact=True,
        params={},
    )

    async def rendered() -> str:
        async with app.state.rectify.read_sessions() as session:
            return render_notice_md(await load_notice(session, job)).decode()

    shipped = await rendered()
    assert "信访举报件进行调查处理" in shipped and "特此通报" not in shipped

    # a case of an earlier batch published on the notice's day (published_at): the template may say so
    cases = (
        await client.get(
            f"/api/v1/petition-cases?round_id={demo_round}&locality_org_id={orgs['阿巴嘎旗']['id']}&limit=200"
        )
    ).json()["items"]
    early = min(cases, key=lambda c: c["batch_no"])
    patch = {"published_at": "2024-12-15"}
    assert (await client.patch(f"/api/v1/petition-cases/{early['id']}", json=patch)).status_code == 200, early

    league = f"/api/v1/document-templates/petition_notice?org_id={orgs['锡林郭勒盟']['id']}"
    assert (await client.put(league, content=LEAGUE.encode(), headers=TEXT)).status_code == 200
    by_league = await rendered()  # the county's report: the league's template, up its path
    assert by_league.startswith("# 阿巴嘎旗信访举报件办理情况") and "特此通报。" in by_league
    assert "中1件于今日公开。" in by_league

    on_round = f"/api/v1/document-templates/petition_notice?round_id={demo_round}"
    assert (await client.put(on_round, content=ROUND.encode(), headers=TEXT)).status_code == 200
    by_round = await rendered()  # the round's own template wins
    assert re.match(r"# 第[一二三四五六七八九十]+批次累计情况\n", by_round) and "特此通报" not in by_round


ATTACHMENT = (
    "# {{ org_name }}反馈问题整改进展（{{ aspect_count | aspects(issue_count) }}）\n"
    "{% for a in aspects %}\n## {{ loop.index | number('（一）') }}{{ a.name }}\n"
    "{% for i in a.issues %}\n序号{{ i.seq | cn }}：{{ i.status_text }}\n{% endfor %}\n{% endfor %}\n"
)
LEDGER_TABLE = (
    "# {{ org_name }}整改台账\n::merge 1\n| 编号 | 问题 | 措施 |\n{% for r in rows %}\n{% if r.heading %}\n"
    "| {{ r.heading }} | | |\n{% else %}\n| 序号{{ r.number }} | {{ r.description }} | {{ r.measure }} |\n"
    "{% endif %}\n{% endfor %}\n"
)


async def test_the_ledger_documents_use_the_uploaded_templates(app, client, demo_round):
    """An upload of `issue_progress` and `ledger` templates changes the next 台账 render: its md
    (the 具体问题整改进展情况 text) and its Word table."""
    import io

    import docx

    from rectify_shared.enums import ReportFormat
    from report_worker.kinds import get

    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    job = SimpleNamespace(
        kind="ledger",
        round_id=demo_round,
        as_of=date(2024, 12, 15),
        org_path=orgs["锡林郭勒盟"]["path"],
        scope_exact=False,
        params={},
    )
    kind = get("ledger")

    async def rendered(fmt: ReportFormat) -> bytes:
        async with app.state.rectify.read_sessions() as session:
            return kind.render(await kind.load(session, job), fmt)

    assert (await rendered(ReportFormat.md)).decode().startswith("# 锡林郭勒盟贯彻落实")
    for name, source in (("issue_progress", ATTACHMENT), ("ledger", LEDGER_TABLE)):
        url = f"/api/v1/document-templates/{name}?round_id={demo_round}"
        assert (await client.put(url, content=source.encode(), headers=TEXT)).status_code == 200
    md = (await rendered(ReportFormat.md)).decode()
    assert re.match(r"# 锡林郭勒盟反馈问题整改进展（\d+个方面\d+项）\n", md) and "## （一）" in md and "序号一：" in md
    table = docx.Document(io.BytesIO(await rendered(ReportFormat.docx))).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["编号", "问题", "措施"]
    assert any(row.cells[0].text.startswith("序号") for row in table.rows[1:])


INDICATORS = (
    "# {{ org_name }}指标进展\n{% for item in items %}\n{{ item.n | number('1.') }}{{ item.name }}："
    "{{ item.target or '无目标' }}\n{% endfor %}\n"
)


async def test_the_indicators_report_uses_the_uploaded_template(app, client, demo_round):
    from rectify_shared.enums import ReportFormat
    from report_worker.kinds import get

    orgs = {o["name"]: o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}
    job = SimpleNamespace(
        kind="indicators",
        round_id=demo_round,
        as_of=date(2024, 12, 15),
        org_path=orgs["锡林郭勒盟"]["path"],
        scope_exact=False,
        params={},
    )
    kind = get("indicators")

    async def rendered() -> str:
        async with app.state.rectify.read_sessions() as session:
            return kind.render(await kind.load(session, job), ReportFormat.md).decode()

    assert "数据截至" in await rendered()
    url = f"/api/v1/document-templates/indicators?org_id={orgs['锡林郭勒盟']['id']}"
    assert (await client.put(url, content=INDICATORS.encode(), headers=TEXT)).status_code == 200
    md = await rendered()
    assert md.startswith("# 锡林郭勒盟指标进展") and "数据截至" not in md
    assert re.search(r"\n1\\?\.[^\n]+：", md), md[:300]
