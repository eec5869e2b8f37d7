"""The official-document page (公文, GB/T 9704-2012 where it applies) for the .docx reports.

- A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; 22 lines a page (exact line
  pitch 28.95 pt); body 三号 (16 pt), first lines indented two characters, justified.
- Fonts are the names offices have installed: titles 方正小标宋简体 (二号, 22 pt), body 仿宋_GB2312,
  一、 headings 黑体, （一） headings 楷体_GB2312, Latin text and digits Times New Roman. A .docx
  cannot carry a fallback chain: where a font is missing, Word substitutes by its own rules and
  LibreOffice by fontconfig (alias these names to Noto Serif/Sans CJK SC there). The East-Asian
  font is set through `w:eastAsia` on the styles and the document defaults (python-docx's
  `font.name` sets only the Latin one), and the theme fonts are removed so they cannot win.
- Page numbers "— 1 —" in 4号 宋体, odd pages right and even pages left, one character in
  from the edge of the text block, from a PAGE field.
- Numbering (一、（一）1.) is literal text, never Word list numbering.
- The bytes are a function of the content: zip entry times and the core properties are fixed.
"""

import io
import weakref
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEADING_1 = "黑体"
FONT_HEADING_2 = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"
FONT_LATIN = "Times New Roman"

PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
#: 225 mm of text block / 22 lines
LINE_PITCH = Twips(579)
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
PAGE_NUMBER_SIZE = Pt(14)  # 四号
#: the number's dashes sit 7 mm below the text block (GB/T 9704 7.5)
FOOTER_DISTANCE = Mm(23)

_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: what follows w:snapToGrid in w:pPr (the schema's order)
_AFTER_SNAP_TO_GRID = (
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
)


@dataclass(frozen=True)
class Styles:
    body: Any
    title: Any
    heading_1: Any
    heading_2: Any
    label: Any  # the 附件 line
    page_number: Any


def new_document(*, title: str, author: str, as_of: date, subject: str = "") -> tuple[Any, Styles]:
    """An empty official document and its paragraph styles."""
    doc = Document()
    _page(doc.sections[0])
    _doc_defaults(doc)
    styles = _styles(doc)
    _page_numbers(doc, styles.page_number)
    props = doc.core_properties
    props.title, props.subject, props.author, props.last_modified_by = title, subject, author, "Rectify"
    props.language, props.revision = "zh-CN", 1
    props.created = props.modified = props.last_printed = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
    return doc, styles


#: a document's w:styles element -> its default paragraph style's element (or None)
_DEFAULT_PARAGRAPH_STYLE: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def set_style(paragraph: Any, style: Any) -> None:
    """`paragraph.style = style`, the same XML, without python-docx's walk over every style of the
    document to find the default one on each assignment (it reads each style's w:type and
    w:default through its enum mapping: 5 ms a paragraph, 85 % of a 2,000-problem render). The
    default paragraph style is looked up once per document; as in python-docx, assigning it
    leaves the paragraph without a w:pStyle."""
    element = getattr(style, "_element", None)
    if element is None or style.type != WD_STYLE_TYPE.PARAGRAPH:  # a name, None, or an error python-docx raises
        paragraph.style = style
        return
    styles = element.getparent()
    try:
        default = _DEFAULT_PARAGRAPH_STYLE[styles]
    except KeyError:
        default = _DEFAULT_PARAGRAPH_STYLE[styles] = styles.default_for(WD_STYLE_TYPE.PARAGRAPH)
    paragraph._p.style = None if element is default else style.style_id


def add_paragraph(doc: Any, text: str, style: Any, *, new_page: bool = False) -> Any:
    """`doc.add_paragraph(text, style=style)`, the same XML, at a third of python-docx's cost."""
    paragraph = doc.add_paragraph()
    if text:
        if "\t" in text or "\r" in text or "\n" in text:
            paragraph.add_run(text)
        else:  # one w:t: what `run.text = text` makes of such text, without its loop over every character
            paragraph._p.add_r().add_t(text)
    set_style(paragraph, style)
    if new_page:
        paragraph.paragraph_format.page_break_before = True
    return paragraph


def add_run_in_heading(doc: Any, heading: str, rest: str, styles: Styles) -> Any:
    """A body paragraph that opens with its own （一） heading in the heading font."""
    paragraph = doc.add_paragraph()
    set_style(paragraph, styles.body)
    set_run_fonts(paragraph.add_run(heading), FONT_HEADING_2)
    paragraph.add_run(rest)
    return paragraph


def set_run_fonts(run: Any, east_asia: str, latin: str = FONT_LATIN) -> None:
    _set_fonts(run._element.get_or_add_rPr(), east_asia, latin)


def document_bytes(doc: Any) -> bytes:
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def _page(section: Any) -> None:
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.footer_distance = FOOTER_DISTANCE
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH.twips))


def _set_fonts(rpr: Any, east_asia: str, latin: str) -> None:
    fonts = rpr.get_or_add_rFonts()
    for attr in _THEME_FONT_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)


def _doc_defaults(doc: Any) -> None:
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, FONT_BODY, FONT_LATIN)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
    spacing = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    if spacing is not None:  # the template's 10 pt after every paragraph
        spacing.set(qn("w:after"), "0")


def _styles(doc: Any) -> Styles:
    body = doc.styles["Normal"]
    _style_text(body, FONT_BODY, BODY_SIZE)
    fmt = body.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.line_spacing, fmt.line_spacing_rule = LINE_PITCH, WD_LINE_SPACING.EXACTLY
    fmt.space_before = fmt.space_after = Pt(0)
    _indent_chars(body, first_line=2)

    title = _add_style(doc, "公文标题", body, FONT_TITLE, TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # a 二号 title does not fit the body's exact pitch: single spacing off the line grid (on it,
    # each title line would take two grid lines), one blank line below
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _off_grid(title)
    title.paragraph_format.space_after = LINE_PITCH
    _indent_chars(title, first_line=0)
    _outline(title, 0)

    heading_1 = _add_style(doc, "公文一级标题", body, FONT_HEADING_1, BODY_SIZE)
    heading_1.paragraph_format.keep_with_next = True
    _outline(heading_1, 1)
    heading_2 = _add_style(doc, "公文二级标题", body, FONT_HEADING_2, BODY_SIZE)
    heading_2.paragraph_format.keep_with_next = True
    _outline(heading_2, 2)

    label = _add_style(doc, "公文附件标识", body, FONT_HEADING_1, BODY_SIZE)
    label.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    _indent_chars(label, first_line=0)

    page_number = _add_style(doc, "公文页码", body, FONT_PAGE_NUMBER, PAGE_NUMBER_SIZE, latin=FONT_PAGE_NUMBER)
    page_number.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _indent_chars(page_number, first_line=0)
    return Styles(body, title, heading_1, heading_2, label, page_number)


def _add_style(doc: Any, name: str, base: Any, east_asia: str, size: Any, latin: str = FONT_LATIN) -> Any:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = base
    style.quick_style = True
    _style_text(style, east_asia, size, latin)
    return style


def _style_text(style: Any, east_asia: str, size: Any, latin: str = FONT_LATIN) -> None:
    style.font.size = size
    _set_fonts(style.element.get_or_add_rPr(), east_asia, latin)


def _indent_chars(style: Any, first_line: int) -> None:
    """First-line indent in characters (w:firstLineChars), with the 三号 equivalent in twips."""
    style.paragraph_format.first_line_indent = Pt(16 * first_line)
    style.element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(100 * first_line))


def _off_grid(style: Any) -> None:
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    style.element.get_or_add_pPr().insert_element_before(snap, *_AFTER_SNAP_TO_GRID)


def _outline(style: Any, level: int) -> None:
    """Headings show in Word's navigation pane, without Word's numbered heading styles."""
    style.element.get_or_add_pPr().get_or_add_outlineLvl().set(qn("w:val"), str(level))


def _page_numbers(doc: Any, style: Any) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    one_char = Pt(14)
    odd = section.footer.paragraphs[0]
    odd.style, odd.alignment = style, WD_ALIGN_PARAGRAPH.RIGHT
    odd.paragraph_format.right_indent = one_char
    _page_field(odd)
    even = section.even_page_footer.paragraphs[0]
    even.style, even.alignment = style, WD_ALIGN_PARAGRAPH.LEFT
    even.paragraph_format.left_indent = one_char
    _page_field(even)


def _page_field(paragraph: Any) -> None:
    """— PAGE —, the number as a field Word and LibreOffice fill in."""
    paragraph.add_run("— ")
    _field_char(paragraph.add_run(), "begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    paragraph.add_run()._element.append(instruction)
    _field_char(paragraph.add_run(), "separate")
    paragraph.add_run("1")
    _field_char(paragraph.add_run(), "end")
    paragraph.add_run(" —")


def _field_char(run: Any, kind: str) -> None:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    run._element.append(char)
