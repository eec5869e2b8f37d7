"""HTML to PDF with WeasyPrint, in a separate process, with a CJK font check and a page cap."""

from .fonts import MissingCJKFont, cjk_font_available, require_cjk_font
from .render import MAX_PDF_PAGES, PageCapExceeded, PdfRenderFailed, html_to_pdf, max_pdf_pages

__all__ = [
    "MAX_PDF_PAGES",
    "MissingCJKFont",
    "PageCapExceeded",
    "PdfRenderFailed",
    "cjk_font_available",
    "html_to_pdf",
    "max_pdf_pages",
    "require_cjk_font",
]
