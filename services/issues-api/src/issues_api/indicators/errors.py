"""The error codes the `indicators` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("indicators")
IMPLAUSIBLE_VALUE = CATALOGUE.code("implausible_value", 422, "数值不合理：{reason}", "Implausible value: {reason}")
