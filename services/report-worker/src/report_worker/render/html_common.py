"""The 公文 page (GB/T 9704) as HTML and CSS, for PDFs rendered by WeasyPrint.

A4; margins 37 mm top, 35 mm bottom, 28 mm left (binding side), 26 mm right; title in
方正小标宋简体 二号 (22 pt), body in 仿宋_GB2312 三号 (16 pt); page number centred in the footer
as "— 1 —". The official fonts are rarely installed on a server: every family list ends in
Noto Serif CJK SC (Debian's fonts-noto-cjk), so the text is always drawn with a real CJK font.
"""

from html import escape

__all__ = ["BODY_FONTS", "FIT_CSS", "HEADING_FONTS", "TITLE_FONTS", "document", "escape", "paragraphs"]

TITLE_FONTS = '"方正小标宋简体", "FZXiaoBiaoSong-B05S", "Noto Serif CJK SC", "Noto Serif CJK", serif'
HEADING_FONTS = '"黑体", "SimHei", "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif'
BODY_FONTS = '"仿宋_GB2312", "FangSong", "仿宋", "Noto Serif CJK SC", "Noto Serif CJK", serif'

PAGE_CSS = f"""
@page {{
  size: A4;
  margin: 37mm 26mm 35mm 28mm;
  @bottom-center {{
    content: "— " counter(page) " —";
    font-family: {BODY_FONTS};
    font-size: 14pt;
    vertical-align: top;
    padding-top: 7mm;
  }}
}}
html {{ font-family: {BODY_FONTS}; font-size: 16pt; line-height: 28pt; color: #000; }}
body {{ margin: 0; }}
p {{ margin: 0; text-indent: 2em; text-align: justify; orphans: 2; widows: 2; }}
p.plain, p.addressee, p.signature, p.date, p.doc-no {{ text-indent: 0; }}
h1 {{
  font-family: {TITLE_FONTS}; font-size: 22pt; line-height: 36pt; font-weight: normal;
  text-align: center; margin: 0 0 28pt 0;
}}
h2 {{ font-family: {HEADING_FONTS}; font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em; }}
h3 {{ font-family: {BODY_FONTS}; font-size: 16pt; font-weight: bold; margin: 0; text-indent: 2em; }}
h4, h5, h6 {{ font-size: 16pt; font-weight: normal; margin: 0; text-indent: 2em; }}
.masthead {{
  font-family: {TITLE_FONTS}; color: #c00; font-size: 30pt; line-height: 40pt; text-align: center;
  letter-spacing: 2pt; margin: 0;
}}
p.doc-no {{ text-align: center; margin-top: 14pt; }}
hr.red-rule {{ border: 0; border-top: 2pt solid #c00; margin: 4pt 0 28pt 0; }}
p.mark {{ text-indent: 0; text-align: center; }}
p.addressee {{ margin-top: 0; }}
p.signature, p.date {{ text-align: right; padding-right: 4em; }}
p.signature {{ margin-top: 56pt; }}
div.closing {{ break-inside: avoid; }}
.lead-in, h2 {{ break-after: avoid; }}
table {{ border-collapse: collapse; width: 100%; margin: 8pt 0 14pt 0; font-size: 12pt; line-height: 18pt; }}
th, td {{ border: 0.75pt solid #000; padding: 3pt 4pt; vertical-align: top; }}
th {{ font-family: {HEADING_FONTS}; font-weight: normal; text-align: center; }}
thead {{ display: table-header-group; }}
tr {{ page-break-inside: avoid; }}
td.center {{ text-align: center; }}
ul {{ margin: 0; padding-left: 2em; }}
"""


#: a letter that spills a few lines onto page 2 is set tighter, step by step (as an office sets
#: 行距 from 固定值28磅 down to 24 or 22 to keep a 函 on one sheet); see `pdf.html_to_pdf`
FIT_CSS = (
    "html { line-height: 26pt; } h1 { margin-bottom: 20pt; } hr.red-rule { margin-bottom: 20pt; }"
    " p.signature { margin-top: 28pt; }",
    "@page { margin: 32mm 26mm 30mm 28mm; }"
    " html { line-height: 24pt; } .masthead { font-size: 26pt; line-height: 34pt; }"
    " h1 { line-height: 32pt; margin-bottom: 14pt; } hr.red-rule { margin-bottom: 14pt; }"
    " p.signature { margin-top: 20pt; }",
    "@page { margin: 28mm 24mm 26mm 26mm; }"
    " html { font-size: 15pt; line-height: 22pt; } .masthead { font-size: 24pt; line-height: 30pt; }"
    " h1 { font-size: 20pt; line-height: 28pt; margin-bottom: 12pt; } h2 { font-size: 15pt; }"
    " hr.red-rule { margin-bottom: 12pt; } p.signature { margin-top: 16pt; }",
)


def document(title: str, body_html: str, extra_css: str = "") -> str:
    """A complete HTML page: `body_html` must already be escaped."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{PAGE_CSS}{extra_css}</style></head>"
        f"<body>{body_html}</body></html>"
    )


def paragraphs(text: str, css_class: str = "") -> str:
    """One <p> per non-blank line of plain `text`, escaped."""
    attribute = f' class="{css_class}"' if css_class else ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "".join(f"<p{attribute}>{escape(line)}</p>" for line in lines)
