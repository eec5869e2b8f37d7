"""The routes the console's administration tabs use: the audit chains verified on the server, the
document templates listed, previewed and reset, the message templates with their placeholders."""

TEXT = {"Content-Type": "text/plain; charset=utf-8"}


async def test_the_office_verifies_its_audit_chains_and_a_unit_may_not(client, signin, demo_round):
    await client.put(
        f"/api/v1/rounds/{demo_round}/narrative", json={"sections": [{"heading": "一、核验", "paragraphs": ["段落。"]}]}
    )
    r = await client.get("/api/v1/audit/verify")
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["ok"] is True and got["broken_at"] is None and got["problems"] == []
    assert got["chains"] >= 1 and got["records_checked"] >= 1
    assert int(got["first_record_id"]) <= int(got["last_record_id"])
    assert got["duration_ms"] >= 0
    unit = await signin("abgq")
    assert (await unit.get("/api/v1/audit/verify")).status_code == 403


async def test_document_templates_listed_previewed_and_reset(client, demo_round):
    base = "/api/v1/document-templates"
    listed = (await client.get(f"{base}?round_id={demo_round}")).json()
    kinds = {t["kind"]: t for t in listed}
    assert kinds["petition_notice"]["label"] == "信访件办理情况" and kinds["petition_notice"]["scope"] == "default"
    # a progress report takes a Word template too; the ledger's rows are placed by text blocks only
    assert kinds["progress_report"]["formats"] == ["text", "docx"]
    assert kinds["ledger"]["formats"] == ["text"]

    edited = "# 试一试的标题\n特此通报。\n"
    tried = await client.post(f"{base}/petition_notice/preview?round_id={demo_round}", content=edited, headers=TEXT)
    assert tried.status_code == 200, tried.text
    assert tried.json()["source"] == "body" and tried.json()["lines"][0] == "# 试一试的标题"
    # nothing was stored: the template in force is still the default
    current = (await client.post(f"{base}/petition_notice/preview?round_id={demo_round}")).json()
    assert current["source"] == "in_force" and current["scope"] == "default"
    assert current["lines"][0] != "# 试一试的标题"
    broken = await client.post(
        f"{base}/petition_notice/preview?round_id={demo_round}", content="{% if %}", headers=TEXT
    )
    assert broken.status_code == 422 and broken.json()["error"]["details"][0]["row"] == 1

    assert (await client.put(f"{base}/petition_notice?round_id={demo_round}", content=edited, headers=TEXT)).json()[
        "version"
    ] == 1
    reset = await client.post(f"{base}/petition_notice/reset?round_id={demo_round}")
    assert reset.status_code == 200, reset.text
    assert reset.json()["version"] == 2 and reset.json()["preview"] == current["lines"]
    after = (await client.get(f"{base}?round_id={demo_round}")).json()
    assert next(t for t in after if t["kind"] == "petition_notice")["version"] == 2


async def test_message_templates_with_placeholders_and_preview(client, signin):
    listed = (await client.get("/api/v1/templates")).json()
    sms = next(t for t in listed if t["event_type"] == "escalation.issued" and t["channel"] == "sms")
    assert sms["source"] == "default" and sms["body"] == sms["default_body"]
    assert {"recipient_name", "level_text", "response_due"} <= {p["name"] for p in sms["placeholders"]}
    body = {"body": "【{{ level_text }}】请于{{ response_due | cn_date(false) }}前回复"}
    r = await client.post("/api/v1/templates/escalation.issued/sms/preview", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"subject": None, "body": "【预警】请于12月20日前回复"}
    bad = await client.post("/api/v1/templates/escalation.issued/sms/preview", json={"body": "{{ x "})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "body.body"
    assert (await client.put("/api/v1/templates/escalation.issued/sms", json=body)).status_code == 200
    mine = next(
        t
        for t in (await client.get("/api/v1/templates")).json()
        if t["event_type"] == "escalation.issued" and t["channel"] == "sms"
    )
    assert mine["source"] == "own" and mine["body"] == body["body"]
    unit = await signin("abgq")
    assert (await unit.get("/api/v1/templates")).status_code == 403


def test_every_document_kind_is_named_in_chinese_for_the_office():
    """The templates page lists every kind the engine renders by its Chinese name, never its code."""
    from issues_api.document_templates.schemas import KIND_LABELS
    from rectify_shared.document_templates import TEMPLATE_KINDS

    unnamed = [k for k in TEMPLATE_KINDS if not KIND_LABELS.get(k) or KIND_LABELS[k].isascii()]
    assert not unnamed, unnamed
