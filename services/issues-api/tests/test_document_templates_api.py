"""GET/PUT /api/v1/document-templates/{kind}: the office downloads the template in force, edits
it and uploads a new version; a broken one is refused by its line and nothing is stored."""

import io

import docx

from rectify_shared.document_templates import default_template

EDITED = "# {{ org_name }}信访举报件办理情况（第{{ batch.no | cn }}批）\n特此通报。\n::signature {{ office }}\n"


TEXT = {"Content-Type": "text/plain; charset=utf-8"}


async def org_ids(client) -> dict[str, int]:
    return {o["name"]: o["id"] for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"]}


async def test_download_edit_upload_and_versions(client, signin, demo_round):
    url = f"/api/v1/document-templates/petition_notice?round_id={demo_round}"
    shipped = await client.get(url)
    assert shipped.status_code == 200
    assert shipped.text == default_template("petition_notice")
    assert shipped.headers["x-template-scope"] == "default" and shipped.headers["x-template-version"] == "0"

    r = await client.put(url, content=EDITED.encode(), headers=TEXT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["version"], body["scope"], body["format"]) == (1, f"round:{demo_round}", "text")
    assert body["preview"][0] == "# 锡林郭勒盟信访举报件办理情况（第十七批）"  # the schema's example data
    now = await client.get(url)
    assert now.text == EDITED and now.headers["x-template-version"] == "1"
    assert (await client.put(url, content=EDITED.replace("通报", "公示").encode(), headers=TEXT)).json()["version"] == 2

    audit = (
        await client.get(f"/api/v1/audit?entity_type=document_template&entity_id=petition_notice/round:{demo_round}")
    ).json()
    assert [a["after"]["version"] for a in audit["items"]] == [2, 1]

    # a broken template: 422 naming the line; nothing stored
    for broken, line in (("# {{ title }}\n正文\n{% for x in %}\n", 3), ("# {{ title }}\n{{ batch.nope }}\n", 2)):
        r = await client.put(url, content=broken.encode(), headers=TEXT)
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert error["code"] == "template_invalid" and error["details"][0]["row"] == line
        assert f"第{line}行" in error["message"]
    assert (await client.get(url)).headers["x-template-version"] == "2"

    # only an office admin uploads; a unit reads the round's template
    unit = await signin("abgq")
    assert (await unit.put(url, content=EDITED.encode(), headers=TEXT)).status_code == 403
    assert (await unit.get(url)).headers["x-template-version"] == "2"


async def test_the_nearest_template_wins(client, demo_round):
    orgs = await org_ids(client)
    league, county = orgs["锡林郭勒盟"], orgs["阿巴嘎旗"]
    league_text = "# 盟的模板 {{ title }}\n"
    r = await client.put(
        f"/api/v1/document-templates/closure_notice?org_id={league}", content=league_text.encode(), headers=TEXT
    )
    assert r.status_code == 200, r.text
    # a county under the league uses the league's; the round's office (the league) too
    below = await client.get(f"/api/v1/document-templates/closure_notice?org_id={county}")
    assert below.text == league_text and below.headers["x-template-scope"] == f"org:{league}"
    on_round = await client.get(f"/api/v1/document-templates/closure_notice?round_id={demo_round}")
    assert on_round.text == league_text
    # the round's own template wins over the org's
    own = "# 轮次的模板 {{ title }}\n"
    assert (
        await client.put(
            f"/api/v1/document-templates/closure_notice?round_id={demo_round}", content=own.encode(), headers=TEXT
        )
    ).status_code == 200
    assert (await client.get(f"/api/v1/document-templates/closure_notice?round_id={demo_round}")).text == own

    # what a template may use: every variable with a Chinese description and an example
    r = await client.get("/api/v1/document-templates/progress_report/schema")
    assert r.status_code == 200
    schema = r.json()
    variables = {v["name"]: v for v in schema["variables"]}
    assert variables["aspect_count"]["description"].startswith("方面数") and variables["aspect_count"]["example"] == 4
    assert {f["name"] for f in schema["filters"]} >= {"cn", "cn_date", "count", "aspects", "number"}
    assert "sections" in schema["blocks"] and schema["formats"] == ["text", "docx"]
    # the kinds added since: the 台账 table (text only: its rows are placed by blocks), the 一览表
    ledger = (await client.get("/api/v1/document-templates/ledger/schema")).json()
    assert "merge" in ledger["blocks"] and ledger["formats"] == ["text"]
    assert any(v["name"] == "rows" for v in ledger["variables"])
    table = (await client.get("/api/v1/document-templates/petition_table/schema")).json()
    assert table["formats"] == ["text", "docx"] and any(v["name"] == "intro" for v in table["variables"])


async def test_word_templates_and_refusals(client, demo_round):
    doc = docx.Document()
    doc.add_paragraph("关于{{ inspection }}序号{{ issue.seq | cn }}整改任务销号的公示", style="Title")
    doc.add_paragraph("{{ lead_org }}牵头的整改任务已完成整改。特此公示。")
    raw = io.BytesIO()
    doc.save(raw)
    url = f"/api/v1/document-templates/closure_notice?round_id={demo_round}"
    r = await client.put(url, files={"file": ("销号公示.docx", raw.getvalue())})
    assert r.status_code == 200, r.text
    assert (
        r.json()["format"] == "docx"
        and r.json()["preview"][0] == "# 关于第二轮中央生态环境保护督察序号十整改任务销号的公示"
    )
    got = await client.get(url)
    assert got.headers["content-type"].startswith("application/vnd.openxmlformats") and got.content == raw.getvalue()

    # a text template as a Word starter, to edit in Word; the 台账 takes text templates only;
    # an unknown kind, two scopes, an empty body
    starter = await client.get(f"/api/v1/document-templates/petition_notice?round_id={demo_round}&format=docx")
    assert starter.status_code == 200 and starter.headers["x-template-scope"] == "default"
    assert docx.Document(io.BytesIO(starter.content)).paragraphs[0].text == "{{ title }}"
    ledger = f"/api/v1/document-templates/ledger?round_id={demo_round}"
    assert (await client.get(f"{ledger}&format=docx")).status_code == 422
    assert (await client.put(ledger, files={"file": ("x.docx", raw.getvalue())})).status_code == 415
    assert (await client.get("/api/v1/document-templates/no_such_kind")).status_code == 422
    assert (await client.put(f"{url}&org_id=1", content=b"# x", headers=TEXT)).status_code == 422
    assert (await client.put(url, content=b"  ", headers=TEXT)).status_code == 422
    assert (await client.get("/api/v1/document-templates/closure_notice?round_id=999999")).status_code == 404
