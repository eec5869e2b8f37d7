"""SMS providers' delivery receipts: recorded behind a shared token, shown with the deliveries."""

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from rectify_shared.ids import new_id
from rectify_shared.models import Delivery, DeliveryReceipt, Org

TOKEN = "cb-token-5f1c9a"


@pytest.fixture
async def app(settings):
    """The API with receipts enabled (RECTIFY_SMS_CALLBACK_TOKEN set)."""
    from issues_api.main import create_app

    application = create_app(settings.model_copy(update={"sms_callback_token": TOKEN}))
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def provider(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rectify.test") as c:
        yield c


async def sms_delivery(app, key: str, provider_message_id: str | None) -> int:
    async with app.state.rectify.write_sessions() as s:
        org = (await s.execute(select(Org).where(Org.name == "阿巴嘎旗"))).scalar_one()
        d = Delivery(
            id=new_id(), event_id=f"escalation:{key}:issued", event_type="escalation.issued", event_month="2024-12",
            channel="sms", recipient=f"org:{org.id}", address="13904790001", org_path=org.path, body="【督办】…",
            state="sent", attempts=1, idempotency_key=key, provider_message_id=provider_message_id,
            sent_at=datetime(2024, 12, 16, 2, tzinfo=UTC),
        )  # fmt: skip
        s.add(d)
        await s.commit()
        return d.id


async def listed(client) -> dict[str, dict]:
    items = (await client.get("/api/v1/deliveries?channel=sms&limit=200")).json()["items"]
    return {i["id"]: i for i in items}


def aliyun_report(biz_id: str, success: bool, out_id: str | None = None, **extra) -> dict:
    return {
        "phone_number": "13904790001", "send_time": "2024-12-16 10:00:01", "report_time": "2024-12-16 10:00:05",
        "success": success, "err_code": "DELIVERED" if success else "MK:0001",
        "err_msg": "用户接收成功" if success else "用户终端不可达", "sms_size": "1", "biz_id": biz_id,
        "out_id": out_id, **extra,
    }  # fmt: skip


async def test_aliyun_reports_mark_deliveries_delivered_or_undelivered(app, client, provider):
    got = await sms_delivery(app, "k-got", "900619734306548^0")
    lost = await sms_delivery(app, "k-lost", "900619734306549^0")
    unrecorded = await sms_delivery(app, "k-crash", None)  # the sender died before storing the BizId
    silent = await sms_delivery(app, "k-silent", "900619734306550^0")
    body = [
        aliyun_report("900619734306548^0", True),
        aliyun_report("900619734306549^0", False),
        aliyun_report("900619734306551^0", True, out_id="k-crash"),
    ]
    r = await provider.post(f"/api/v1/delivery-receipts/aliyun?token={TOKEN}", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == {"code": 0, "msg": "接收成功", "accepted": 3}  # what Aliyun expects back

    rows = await listed(client)
    assert rows[str(got)]["receipt_status"] == "delivered"
    assert rows[str(got)]["delivered_at"].startswith("2024-12-16T02:00:05")  # 10:00:05 China time
    assert rows[str(lost)]["receipt_status"] == "undelivered"
    assert rows[str(lost)]["receipt_error"] == "MK:0001 用户终端不可达" and rows[str(lost)]["delivered_at"] is None
    assert rows[str(unrecorded)]["receipt_status"] == "delivered"  # matched by our OutId
    assert rows[str(silent)]["receipt_status"] is None and rows[str(silent)]["state"] == "sent"


async def test_tencent_and_generic_reports(app, client, provider):
    tencent = await sms_delivery(app, "k-t", "2640:328576112716990462341702011")
    generic = await sms_delivery(app, "k-g", "gw-77")
    body = [
        {
            "user_receive_time": "2024-12-16 10:00:05", "nationcode": "86", "mobile": "13904790001",
            "report_status": "FAIL", "errmsg": "MK:0005", "description": "空号",
            "sid": "2640:328576112716990462341702011",
        }
    ]  # fmt: skip
    headers = {"X-Rectify-Callback-Token": TOKEN}
    r = await provider.post("/api/v1/delivery-receipts/tencent", json=body, headers=headers)
    assert r.status_code == 200 and r.json() == {"result": 0, "errmsg": "OK", "accepted": 1}
    r = await provider.post(
        f"/api/v1/delivery-receipts/generic?token={TOKEN}",
        json=[{"message_id": "gw-77", "status": "delivered", "at": "2024-12-16T02:00:09Z"}],
    )
    assert r.status_code == 200 and r.json() == {"accepted": 1}
    rows = await listed(client)
    t = rows[str(tencent)]
    assert (t["receipt_status"], t["receipt_error"]) == ("undelivered", "MK:0005 空号")
    assert rows[str(generic)]["receipt_status"] == "delivered"
    assert rows[str(generic)]["delivered_at"].startswith("2024-12-16T02:00:09")


async def count(app) -> int:
    async with app.state.rectify.read_sessions() as s:
        return (await s.execute(select(func.count()).select_from(DeliveryReceipt))).scalar_one()


async def test_without_the_token_nothing_is_recorded(app, provider):
    body = [aliyun_report("1^0", True)]
    for url, headers in (
        ("/api/v1/delivery-receipts/aliyun", {}),
        ("/api/v1/delivery-receipts/aliyun?token=guess", {}),
        ("/api/v1/delivery-receipts/aliyun", {"X-Rectify-Callback-Token": TOKEN[:-1]}),
        ("/api/v1/delivery-receipts/aliyun", {"Authorization": "Bearer something"}),
    ):
        r = await provider.post(url, json=body, headers=headers)
        assert r.status_code == 401, (url, headers, r.text)
    assert await count(app) == 0


async def test_a_malformed_batch_is_422_and_stores_nothing(app, provider):
    url = f"/api/v1/delivery-receipts/aliyun?token={TOKEN}"
    r = await provider.post(url, json=[aliyun_report("1^0", True), {"phone_number": "139", "success": "maybe"}])
    assert r.status_code == 422
    fields = {d["field"] for d in r.json()["error"]["details"]}
    assert {"body.1.success", "body.1.biz_id"} <= fields
    r = await provider.post(f"/api/v1/delivery-receipts/tencent?token={TOKEN}", json=[{"sid": "x", "mobile": "1"}])
    assert r.status_code == 422
    assert (await provider.post(f"/api/v1/delivery-receipts/yunpian?token={TOKEN}", json=[])).status_code == 422
    assert await count(app) == 0


async def test_receipts_are_off_until_a_token_is_configured(settings):
    from issues_api.main import create_app

    plain = create_app(settings)  # RECTIFY_SMS_CALLBACK_TOKEN not set
    async with plain.router.lifespan_context(plain):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=plain), base_url="http://t") as c:
            r = await c.post("/api/v1/delivery-receipts/aliyun?token=", json=[aliyun_report("1^0", True)])
    assert r.status_code == 404 and r.json()["error"]["message_en"] == "Delivery receipts are not enabled"
