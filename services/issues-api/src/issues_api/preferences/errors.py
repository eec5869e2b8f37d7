"""The error codes the `preferences` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("preferences")
INVALID_PREFERENCES = CATALOGUE.code("invalid_preferences", 422, "通知设置不合法", "Invalid notification preferences")
NOT_A_PERSON = CATALOGUE.code(
    "not_a_person",
    409,
    "只有用户账号有个人通知设置，API 密钥没有",
    "Only a user account has personal notification settings; an API key has none",
)
