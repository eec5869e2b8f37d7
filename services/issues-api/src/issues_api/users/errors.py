"""The error codes the `users` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("users")
CLI_ONLY = CATALOGUE.code(
    "cli_only",
    403,
    "系统管理员账号只能通过命令行创建（rectify users create --role system_admin）",
    "A system_admin account is created only by the CLI (rectify users create --role system_admin)",
)
EMPLOYEE_NO_TAKEN = CATALOGUE.code(
    "employee_no_taken",
    409,
    "工号“{employee_no}”已被其他账号使用",
    "The employee number {employee_no!r} belongs to another account",
)
SELF_LOCKOUT = CATALOGUE.code(
    "self_lockout",
    409,
    "不能停用自己的账号或修改自己的角色、单位",
    "You cannot disable your own account or change your own role or org",
)
USERNAME_TAKEN = CATALOGUE.code("username_taken", 409, "用户名已存在", "The username is taken")
