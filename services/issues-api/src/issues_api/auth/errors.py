"""The error codes the `auth` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("auth")
FORM_EXPECTED = CATALOGUE.code(
    "form_expected",
    415,
    "登录接口只接受表单（application/x-www-form-urlencoded，OAuth2 规范），不接受 JSON",
    "The token endpoint takes a form (application/x-www-form-urlencoded, as OAuth2 requires), not JSON",
)
INVALID_CREDENTIALS = CATALOGUE.code("invalid_credentials", 401, "用户名或密码错误", "Wrong username or password")
INVALID_GRANT = CATALOGUE.code("invalid_grant", 401, "刷新令牌无效或已过期", "Invalid or expired refresh token")
LOGIN_THROTTLED = CATALOGUE.code(
    "login_throttled",
    429,
    "登录失败次数过多，请{minutes}分钟后再试",
    "Too many failed sign-ins; try again in {minutes} minutes",
)
NOT_A_USER = CATALOGUE.code("not_a_user", 409, "API 密钥没有密码", "API keys have no password")
PASSWORD_CHANGE_REQUIRED = CATALOGUE.code(
    "password_change_required",
    403,
    "管理员设置的密码须先修改：请调用 POST /api/v1/me/password 设置新密码",
    "A password set by an administrator must be changed first: POST /api/v1/me/password",
)
PASSWORD_LOGIN_DISABLED = CATALOGUE.code(
    "password_login_disabled",
    403,
    "此账号已停用密码登录，请通过统一身份认证登录",
    "Password sign-in is disabled for this account; sign in through single sign-on",
)
WEAK_PASSWORD = CATALOGUE.code("weak_password", 422, "密码不符合要求", "The password does not meet the policy")
