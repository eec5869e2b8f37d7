"""The error codes the `calendar` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("calendar")
CALENDAR_OWNED_BY_ROOT = CATALOGUE.code(
    "calendar_owned_by_root",
    403,
    "工作日历由根单位整改办维护，下级单位无权修改",
    "The work calendar belongs to the root org's office; an office below it may not change it",
)
