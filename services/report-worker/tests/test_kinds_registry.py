"""The report-worker renders exactly the kinds and formats the API publishes."""

from rectify_shared.enums import REPORT_FORMATS
from report_worker import kinds


def test_every_published_kind_and_format_has_a_renderer():
    kinds.get("ledger")  # loads the registry
    assert {name: k.formats for name, k in kinds.REGISTRY.items()} == {k.value: f for k, f in REPORT_FORMATS.items()}


def test_the_report_and_its_attachment_come_as_pdf_with_chinese_text(tmp_path):
    """The PDF path of the narrative kinds: Markdown → 公文 HTML → WeasyPrint in its own process."""
    import io
    import os

    import pytest
    from pypdf import PdfReader

    from report_worker.pdf.fonts import cjk_font_available
    from report_worker.render.md_pdf import pdf_from_markdown

    if not cjk_font_available():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true and no CJK font is installed (make fonts)")
        pytest.skip("no CJK font installed: run `make fonts` as root")
    md = (
        "# 锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况\n\n"
        "## 一、贯彻落实习近平生态文明思想还不到位方面\n\n整改进展情况：已完成整改，长期坚持\n"
    )
    reader = PdfReader(io.BytesIO(pdf_from_markdown(md.encode())))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "整改进展情况" in text and "已完成整改" in text
