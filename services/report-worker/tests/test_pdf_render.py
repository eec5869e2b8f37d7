"""html_to_pdf: a real CJK font embedded, text that extracts back, the page cap, clear failures;
and the small Markdown → 公文 HTML converter used for the PDFs of Markdown reports."""

import io
import os

import pytest
from pypdf import PdfReader

from report_worker.pdf import (
    MAX_PDF_PAGES,
    MissingCJKFont,
    PageCapExceeded,
    PdfRenderFailed,
    cjk_font_available,
    html_to_pdf,
    max_pdf_pages,
)
from report_worker.pdf import fonts as pdf_fonts
from report_worker.pdf.render import render_pdf
from report_worker.render.html_common import document
from report_worker.render.md_pdf import markdown_to_html, md_line, md_text, pdf_from_markdown

requires_cjk_font = pytest.mark.skipif(
    not cjk_font_available() and os.environ.get("CI") != "true",
    reason="no CJK font installed (run `make fonts` or apt-get install fonts-noto-cjk); with CI=true this fails",
)


def pdf_fonts_of(content: bytes) -> set[str]:
    """The /BaseFont names of every font on every page, with whether its file is embedded."""
    found: set[str] = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font).get("/FontDescriptor")
            embedded = descriptor is not None and any(
                key in descriptor.get_object() for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found.add(f"{font['/BaseFont']}{'' if embedded else ' (not embedded)'}")
    return found


def pdf_text(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def many_pages_html(paragraphs: int) -> str:
    return document("长文档", "".join(f"<p>第{n}段：整改工作稳步推进。</p>" for n in range(paragraphs)))


@requires_cjk_font
def test_chinese_text_is_drawn_with_an_embedded_cjk_font_and_extracts_back() -> None:
    content = html_to_pdf(document("测试", "<h1>关于整改工作的督办通知</h1><p>锡林郭勒盟生态环境局</p>"))
    assert content.startswith(b"%PDF-")
    fonts = pdf_fonts_of(content)
    assert any("CJK" in name and "not embedded" not in name for name in fonts), fonts
    [text] = pdf_text(content)
    assert "关于整改工作的督办通知" in text and "锡林郭勒盟生态环境局" in text
    assert "— 1 —" in text


@requires_cjk_font
def test_page_numbers_count_up_and_the_cap_counts_pages_after_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    result = render_pdf(many_pages_html(60))
    assert result.pages >= 3
    texts = pdf_text(result.content)
    assert [f"— {n} —" in text for n, text in enumerate(texts, start=1)] == [True] * result.pages

    monkeypatch.setenv("RECTIFY_PDF_MAX_PAGES", str(result.pages - 1))
    with pytest.raises(PageCapExceeded) as caught:
        html_to_pdf(many_pages_html(60))
    assert (caught.value.pages, caught.value.cap) == (result.pages, result.pages - 1)
    assert str(caught.value) == (
        f"PDF would have {result.pages} pages (limit {result.pages - 1}); "
        "request xlsx or md instead / 页数超限，请改用xlsx或md"
    )
    # exactly at the cap is fine
    monkeypatch.setenv("RECTIFY_PDF_MAX_PAGES", str(result.pages))
    assert html_to_pdf(many_pages_html(60)).startswith(b"%PDF-")


def test_the_page_cap_is_read_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECTIFY_PDF_MAX_PAGES", raising=False)
    assert max_pdf_pages() == MAX_PDF_PAGES == 300
    monkeypatch.setenv("RECTIFY_PDF_MAX_PAGES", "12")
    assert max_pdf_pages() == 12
    for bad in ("zero", "0", "-3"):
        monkeypatch.setenv("RECTIFY_PDF_MAX_PAGES", bad)
        with pytest.raises(ValueError, match="RECTIFY_PDF_MAX_PAGES"):
            max_pdf_pages()


def test_without_a_cjk_font_a_pdf_fails_clearly_instead_of_drawing_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_fonts.shutil, "which", lambda name: None)  # no fontconfig at all
    assert cjk_font_available() is False
    with pytest.raises(MissingCJKFont, match=r"no CJK font installed: apt-get install fonts-noto-cjk"):
        html_to_pdf(document("测试", "<p>中文</p>"))


def test_fontconfig_is_asked_for_chinese_fonts(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    class Done:
        def __init__(self, stdout: str) -> None:
            self.returncode, self.stdout = 0, stdout

    monkeypatch.setattr(pdf_fonts.shutil, "which", lambda name: "/usr/bin/fc-list")
    monkeypatch.setattr(pdf_fonts.subprocess, "run", lambda args, **kw: calls.append(args) or Done(""))
    assert cjk_font_available() is False
    monkeypatch.setattr(pdf_fonts.subprocess, "run", lambda args, **kw: Done("Noto Serif CJK SC\n"))
    assert cjk_font_available() is True
    assert calls == [["/usr/bin/fc-list", ":lang=zh", "family"]]


@requires_cjk_font
def test_a_renderer_that_hangs_is_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECTIFY_PDF_TIMEOUT_SECONDS", "0.01")
    with pytest.raises(PdfRenderFailed, match="took longer than"):
        html_to_pdf(document("测试", "<p>中文</p>"))


def test_markdown_becomes_escaped_gongwen_html() -> None:
    markdown = "\n".join(
        [
            "# 锡林郭勒盟整改进展情况",
            "",
            "## 一、总体情况",
            "",
            "第一行",
            "接着一行，**重点**。",
            "",
            md_line("1. 不是列表 <script>alert(1)</script> *不是强调*"),
            "",
            "- 条目甲",
            "- 条目乙",
            "",
            "---",
            "",
            "| 序号 | 单位 |",
            "|---|---|",
            f"| 1 | {md_text('盟自然资源局|分局')} |",
        ]
    )
    html = markdown_to_html(markdown)
    assert "<title>锡林郭勒盟整改进展情况</title>" in html
    assert "<h1>锡林郭勒盟整改进展情况</h1>" in html and "<h2>一、总体情况</h2>" in html
    assert "<p>第一行接着一行，<strong>重点</strong>。</p>" in html
    assert "<p>1. 不是列表 &lt;script&gt;alert(1)&lt;/script&gt; *不是强调*</p>" in html
    assert "<ul><li>条目甲</li><li>条目乙</li></ul>" in html and "<hr>" in html
    assert "<thead><tr><th>序号</th><th>单位</th></tr></thead>" in html
    assert "<tr><td>1</td><td>盟自然资源局|分局</td></tr>" in html
    assert "<script>" not in html
    assert "@bottom-center" in html and "size: A4" in html and "margin: 37mm 26mm 35mm 28mm" in html


@requires_cjk_font
def test_pdf_from_markdown(ledger_md: bytes) -> None:
    content = pdf_from_markdown(ledger_md)
    text = "".join(pdf_text(content)).replace("\n", "")
    assert "锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况" in text
    assert "贯彻落实习近平生态文明思想还不到位方面" in text and "— 1 —" in text
    assert any("CJK" in name for name in pdf_fonts_of(content))


@pytest.fixture
def ledger_md() -> bytes:
    from report_worker.render import render_ledger_md

    from .conftest import sample_ledger

    return render_ledger_md(sample_ledger())
