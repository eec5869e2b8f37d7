"""Settings of the 企业微信 / 政务微信 and 钉钉 / 浙政钉 channels, mixed into `Settings`.

An empty corp id (WeCom) or app key (DingTalk) leaves the channel writing its messages to a file,
as SMS and email do without a provider.
"""

from pydantic import Field
from pydantic_settings import BaseSettings


class ImSettings(BaseSettings):
    public_url: str = Field(
        "",
        validation_alias="RECTIFY_PUBLIC_URL",
        description="The console's public origin (https://rectify.example.gov.cn): links in WeCom/DingTalk cards",
    )
    wecom_corp_id: str = Field("", validation_alias="RECTIFY_WECOM_CORP_ID", description="企业微信 corpid")
    wecom_agent_id: str = Field("", validation_alias="RECTIFY_WECOM_AGENT_ID", description="The app's AgentId")
    wecom_secret: str = Field("", validation_alias="RECTIFY_WECOM_SECRET", description="The app's Secret")
    wecom_base_url: str = Field(
        "https://qyapi.weixin.qq.com",
        validation_alias="RECTIFY_WECOM_BASE_URL",
        description="API origin; a 政务微信 private deployment's own (group-robot URLs must be on it too)",
    )
    dingtalk_app_key: str = Field("", validation_alias="RECTIFY_DINGTALK_APP_KEY", description="钉钉 AppKey")
    dingtalk_app_secret: str = Field("", validation_alias="RECTIFY_DINGTALK_APP_SECRET")
    dingtalk_agent_id: str = Field("", validation_alias="RECTIFY_DINGTALK_AGENT_ID", description="The app's AgentId")
    dingtalk_base_url: str = Field(
        "https://oapi.dingtalk.com",
        validation_alias="RECTIFY_DINGTALK_BASE_URL",
        description="API origin; a 浙政钉/政务钉钉 private deployment's own (custom-robot URLs must be on it too)",
    )
    im_timeout: float = Field(10.0, validation_alias="RECTIFY_IM_TIMEOUT", description="WeCom/DingTalk HTTP timeout")
