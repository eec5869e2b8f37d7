"""The status-report bodies SMS providers POST, as they publish them, and our answers.

* Aliyun (短信回执 HTTP 批量推送, `SmsReport`): a JSON array of
  `{phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id, out_id}`;
  `biz_id` is SendSms's `BizId`, `out_id` the `OutId` we sent (our idempotency key).
  Answer `{"code": 0, "msg": "接收成功"}`.
* Tencent Cloud (短信下发状态回调): a JSON array of
  `{user_receive_time, nationcode, mobile, report_status (SUCCESS | FAIL), errmsg, description, sid}`;
  `sid` is SendSms's `SerialNo`. Answer `{"result": 0, "errmsg": "OK"}`.
* generic gateway (ours): a JSON array of `{message_id, id, to, status (delivered | undelivered), error, at}`;
  `message_id` is the id the gateway answered the send with, `id` the idempotency key we sent.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Provider = Literal["aliyun", "tencent", "generic"]
CHINA_TIME = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"


class AliyunReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    phone_number: str = Field(max_length=30)
    send_time: str | None = Field(default=None, pattern=CHINA_TIME)
    report_time: str | None = Field(default=None, pattern=CHINA_TIME)
    success: bool
    err_code: str | None = Field(default=None, max_length=100)
    err_msg: str | None = Field(default=None, max_length=500)
    sms_size: str | None = None
    biz_id: str = Field(min_length=1, max_length=200)
    out_id: str | None = Field(default=None, max_length=80)


class TencentReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_receive_time: str | None = Field(default=None, pattern=CHINA_TIME)
    nationcode: str | None = None
    mobile: str = Field(max_length=30)
    report_status: Literal["SUCCESS", "FAIL"]
    errmsg: str | None = Field(default=None, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    sid: str = Field(min_length=1, max_length=200)


class GenericReport(BaseModel):
    model_config = ConfigDict(extra="ignore")

    message_id: str | None = Field(default=None, max_length=200)
    id: str | None = Field(default=None, max_length=80, description="The idempotency key we sent")
    to: str | None = Field(default=None, max_length=30)
    status: Literal["delivered", "undelivered"]
    error: str | None = Field(default=None, max_length=500)
    at: datetime | None = None

    @model_validator(mode="after")
    def _names_a_message(self) -> "GenericReport":
        if not self.message_id and not self.id:
            raise ValueError("message_id or id is required")
        return self


class ReceiptAck(BaseModel):
    """What each provider expects back (Aliyun: code/msg, Tencent: result/errmsg), plus counts."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": 0, "msg": "接收成功", "accepted": 2}, {"result": 0, "errmsg": "OK"}]}
    )

    code: int | None = None
    msg: str | None = None
    result: int | None = None
    errmsg: str | None = None
    accepted: int = Field(description="Reports stored")


RECEIPT_EXAMPLES = {
    "aliyun": {
        "summary": "Aliyun SmsReport",
        "value": [
            {
                "phone_number": "13904790001",
                "send_time": "2024-12-16 10:00:01",
                "report_time": "2024-12-16 10:00:05",
                "success": True,
                "err_code": "DELIVERED",
                "err_msg": "用户接收成功",
                "sms_size": "1",
                "biz_id": "900619734306548^0",
                "out_id": "escalation:7:issued:org:13:sms",
            }
        ],
    },
    "tencent": {
        "summary": "Tencent Cloud status callback",
        "value": [
            {
                "user_receive_time": "2024-12-16 10:00:05",
                "nationcode": "86",
                "mobile": "13904790001",
                "report_status": "FAIL",
                "errmsg": "MK:0001",
                "description": "用户终端不可达",
                "sid": "2640:328576112716990462341702011",
            }
        ],
    },
}
