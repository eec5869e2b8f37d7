"""The error codes the `orgs` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("orgs")
ORG_CYCLE = CATALOGUE.code(
    "org_cycle",
    409,
    "不能把「{org}」移到其自身或其下级单位「{parent}」之下",
    "An org cannot move under itself or one of its descendants",
)
