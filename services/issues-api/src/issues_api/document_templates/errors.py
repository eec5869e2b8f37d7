"""The error codes the `document_templates` domain answers (status, message in Chinese and English)."""

from ..core.error_catalogue import Catalogue

CATALOGUE = Catalogue("document_templates")
TEMPLATE_INVALID = CATALOGUE.code(
    "template_invalid", 422, "模板无法渲染，{where_zh}{problem_message}", "The template does not render: {problem}"
)
