"""OFD (GB/T 33190, 版式文档) for letters and notices — experimental.

An OFD is a zip of XML: `OFD.xml` (the entry: document info, the root), `Doc_0/Document.xml`
(page size, the pages), `Doc_0/PublicRes.xml` (the fonts), one `Doc_0/Pages/Page_N/Content.xml`
per page (text objects placed in millimetres) and the embedded font itself under `Doc_0/Res/`.

easyofd (PyPI) was weighed first: its writer converts a PDF into page images, or into text
objects whose fonts are named but not embedded (and that its own reader then fails to read),
under a non-standard namespace; it also pulls PyMuPDF. So the page is laid out here, from the
same blocks the Markdown, Word and PDF are drawn from, on the 公文 page (A4; margins 37/35/28/26
mm; 16 pt body on 28 pt lines), with a subset of Noto Serif CJK SC embedded so that any reader
draws the text as written. What it does not do yet (hence experimental): 黑体/小标宋 faces (one
face throughout), tables as grids (a table's rows are written as lines), signatures or seals.
The closing keeps together as in the PDF: the last paragraph's last lines, the signature and
the date never stand alone on a page.
"""

import io
import subprocess
import uuid
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

NS = "http://www.ofdspec.org/2016"
PT = 25.4 / 72  # millimetres per point
PAGE_W, PAGE_H = 210.0, 297.0
TOP, BOTTOM, LEFT, RIGHT = 37.0, 35.0, 28.0, 26.0
BODY_W = PAGE_W - LEFT - RIGHT
RED = "204 0 0"
#: what may not begin a line (避头): it stays at the end of the line before
NO_LINE_START = frozenset("，。、；：？！）》」』〕】”’%,.;:?!)")
FONT_FAMILY = "Noto Serif CJK SC"


class OfdFontMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            "no CJK font to embed in the OFD: apt-get install fonts-noto-cjk / 未安装中文字体，无法生成OFD"
        )


@dataclass(frozen=True)
class Style:
    size: float  # pt
    line: float  # pt
    align: str = "left"  # left | center | right
    indent: float = 0  # characters
    color: str | None = None
    before: float = 0  # pt
    after: float = 0  # pt


STYLES: dict[str, Style] = {
    "masthead": Style(30, 40, "center", color=RED),
    "doc_no": Style(16, 28, "center", before=10),
    "title": Style(22, 36, "center", after=14),
    "mark": Style(16, 28, "center"),
    "addressee": Style(16, 28),
    "heading": Style(16, 28, indent=2),
    "para": Style(16, 28, indent=2),
    "label": Style(16, 28),
    "subtitle": Style(18, 30, "center", before=10, after=10),
    "signature": Style(16, 28, "right", before=28),
    "date": Style(16, 28, "right"),
    "copy": Style(16, 28),
}


@dataclass(frozen=True)
class Line:
    text: str
    style: Style
    first: bool  # the first line of its block (takes the block's space before)
    rule: bool = False
    last: bool = False  # the last line of its block (takes the block's space after)
    new_page: bool = False  # an attachment's 附件 label starts a page

    @property
    def height(self) -> float:
        if self.rule:
            return 12 * PT
        before = self.style.before * PT if self.first else 0
        return self.style.line * PT + before + (self.style.after * PT if self.last else 0)


@lru_cache(maxsize=1)
def _font_location() -> tuple[str, int]:
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{file}:%{index}", f"{FONT_FAMILY}:lang=zh"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        raise OfdFontMissing() from None
    path, _, index = found.stdout.strip().rpartition(":")
    if found.returncode != 0 or "CJK" not in path:
        raise OfdFontMissing()
    return path, int(index or 0)


class Font:
    """The face the OFD is drawn with: advance widths for layout, and a subset to embed."""

    def __init__(self) -> None:
        from fontTools.ttLib import TTFont

        path, index = _font_location()
        self._font = TTFont(path, fontNumber=index, lazy=True)
        self._cmap = self._font.getBestCmap()
        self._hmtx = self._font["hmtx"]
        self._upm = self._font["head"].unitsPerEm

    def advance(self, ch: str, size_pt: float) -> float:
        """The character's advance in millimetres; a character the face lacks is one em."""
        glyph = self._cmap.get(ord(ch))
        units = self._hmtx[glyph][0] if glyph is not None else self._upm
        return units / self._upm * size_pt * PT

    def subset(self, text: str) -> bytes:
        from fontTools import subset

        options = subset.Options()
        options.layout_features = []
        options.name_IDs = ["*"]
        options.notdef_outline = True
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(self._font)
        out = io.BytesIO()
        self._font.save(out)
        return out.getvalue()


def _wrap(font: Font, text: str, style: Style) -> list[str]:
    size = style.size
    lines: list[str] = []
    current, width = "", style.indent * size * PT
    for ch in text:
        w = font.advance(ch, size)
        if current and width + w > BODY_W + 0.01 and ch not in NO_LINE_START:
            lines.append(current)
            current, width = "", 0.0
        current += ch
        width += w
    lines.append(current)
    return lines


def lay_out(
    font: Font, blocks: Iterable[tuple[str, str]], closing: int, keep_until: int | None = None
) -> list[list[tuple[float, Line]]]:
    """Lines placed on pages: each page a list of (y of the line's top, line). The last
    `closing` blocks (last paragraph, signature, date, …) keep together, with at least the last
    two lines before them; `keep_until` ends the closing before a notice's attachment (which
    starts a new page at its `label`)."""
    lines: list[Line] = []
    starts: list[int] = []
    for kind, text in blocks:
        starts.append(len(lines))
        if kind == "rule":
            lines.append(Line("", STYLES["para"], True, rule=True))
            continue
        style = STYLES.get(kind, STYLES["para"])
        wrapped = _wrap(font, text, style)
        for n, part in enumerate(wrapped):
            lines.append(Line(part, style, n == 0, last=n == len(wrapped) - 1, new_page=n == 0 and kind == "label"))
    end = len(starts) if keep_until is None else keep_until
    keep_from = max(0, starts[end - closing] - 2) if closing and 0 <= end - closing < len(starts) else len(lines)
    keep_to = starts[end] if end < len(starts) else len(lines)
    pages: list[list[tuple[float, Line]]] = [[]]
    y = TOP
    limit = PAGE_H - BOTTOM
    keep_height = sum(line.height for line in lines[keep_from:keep_to])
    for index, line in enumerate(lines):
        page_has_text = bool(pages[-1])
        breaks = y + line.height > limit + 0.01 or line.new_page
        if index == keep_from and page_has_text and y + keep_height > limit + 0.01 and keep_height < limit - TOP:
            breaks = True
        if breaks and page_has_text:
            pages.append([])
            y = TOP
        pages[-1].append((y, line))
        y += line.height
    return pages


def _text_object(font: Font, ids: "_Ids", y: float, line: Line, font_id: int) -> str:
    style, size_mm = line.style, line.style.size * PT
    advances = [font.advance(ch, style.size) for ch in line.text]
    width = sum(advances)
    indent = style.indent * size_mm if line.first else 0.0
    if style.align == "center":
        x = LEFT + (BODY_W - width) / 2
    elif style.align == "right":
        x = LEFT + BODY_W - width - 4 * size_mm  # right-aligned four characters in
    else:
        x = LEFT + indent
    top = y + (style.before * PT if line.first else 0)
    line_h = style.line * PT
    baseline = (line_h - size_mm) / 2 + size_mm * 0.88
    delta = " ".join(f"{a:.3f}" for a in advances[:-1])
    color = f'<ofd:FillColor Value="{style.color}"/>' if style.color else ""
    return (
        f'<ofd:TextObject ID="{ids.next()}" Boundary="{x:.3f} {top:.3f} {width + 1:.3f} {line_h:.3f}" '
        f'Font="{font_id}" Size="{size_mm:.3f}">{color}'
        f'<ofd:TextCode X="0" Y="{baseline:.3f}"'
        + (f' DeltaX="{delta}"' if delta else "")
        + f">{escape(line.text)}</ofd:TextCode></ofd:TextObject>"
    )


class _Ids:
    def __init__(self, start: int) -> None:
        self.value = start

    def next(self) -> int:
        self.value += 1
        return self.value


def render_ofd(
    blocks: Sequence[tuple[str, str]],
    *,
    title: str,
    author: str,
    created: date,
    closing: int = 3,
    keep_until: int | None = None,
) -> bytes:
    """The OFD of a 公文's blocks ((kind, text): masthead, doc_no, rule, title, heading, para,
    signature, date, copy, label, …); `closing` is how many blocks before `keep_until` (default:
    the end) keep together."""
    font = Font()
    pages = lay_out(font, blocks, closing, keep_until)
    font_id = 1
    ids = _Ids(font_id)
    contents: list[str] = []
    used = set("— 0123456789")
    for number, page in enumerate(pages, 1):
        objects = [f'<ofd:Layer ID="{ids.next()}">']
        for y, line in page:
            if line.rule:
                objects.append(
                    f'<ofd:PathObject ID="{ids.next()}" Boundary="{LEFT:.3f} {y + 2:.3f} {BODY_W:.3f} 1" '
                    f'LineWidth="0.6" Stroke="true" Fill="false"><ofd:StrokeColor Value="{RED}"/>'
                    f"<ofd:AbbreviatedData>M 0 0.3 L {BODY_W:.3f} 0.3</ofd:AbbreviatedData></ofd:PathObject>"
                )
                continue
            used.update(line.text)
            objects.append(_text_object(font, ids, y, line, font_id))
        folio = Line(f"— {number} —", Style(14, 20, "center"), False)
        objects.append(_text_object(font, ids, PAGE_H - BOTTOM + 7, folio, font_id))
        objects.append("</ofd:Layer>")
        contents.append(
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{NS}"><ofd:Content>'
            + "".join(objects)
            + "</ofd:Content></ofd:Page>"
        )
    page_ids = [ids.next() for _ in pages]
    font_file = font.subset("".join(sorted(used)))
    ofd_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{NS}" Version="1.0" DocType="OFD">'
        f"<ofd:DocBody><ofd:DocInfo><ofd:DocID>{uuid.uuid4().hex}</ofd:DocID>"
        f"<ofd:Title>{escape(title)}</ofd:Title><ofd:Author>{escape(author)}</ofd:Author>"
        f"<ofd:CreationDate>{created.isoformat()}</ofd:CreationDate><ofd:Creator>Rectify</ofd:Creator>"
        "</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>"
    )
    document_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{NS}"><ofd:CommonData>'
        f"<ofd:MaxUnitID>{ids.value}</ofd:MaxUnitID>"
        f"<ofd:PageArea><ofd:PhysicalBox>0 0 {PAGE_W:g} {PAGE_H:g}</ofd:PhysicalBox></ofd:PageArea>"
        "<ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData><ofd:Pages>"
        + "".join(f'<ofd:Page ID="{pid}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n, pid in enumerate(page_ids))
        + "</ofd:Pages></ofd:Document>"
    )
    public_res = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{NS}" BaseLoc="Res"><ofd:Fonts>'
        f"<ofd:Font ID={quoteattr(str(font_id))} FontName={quoteattr(FONT_FAMILY)} "
        f"FamilyName={quoteattr(FONT_FAMILY)}><ofd:FontFile>font_{font_id}.otf</ofd:FontFile></ofd:Font>"
        "</ofd:Fonts></ofd:Res>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", ofd_xml)
        z.writestr("Doc_0/Document.xml", document_xml)
        z.writestr("Doc_0/PublicRes.xml", public_res)
        z.writestr(f"Doc_0/Res/font_{font_id}.otf", font_file)
        for n, content in enumerate(contents):
            z.writestr(f"Doc_0/Pages/Page_{n}/Content.xml", content)
    return out.getvalue()


# --- reading back (the tests, and anyone checking a file) ---------------------------------


@dataclass(frozen=True)
class OfdDocument:
    title: str
    #: each page's text lines, top to bottom
    pages: list[list[str]]
    #: embedded font files by font name
    fonts: dict[str, bytes]


def read_ofd(content: bytes) -> OfdDocument:
    """An OFD's text and embedded fonts, following its own references (OFD.xml → DocRoot →
    PublicRes, Pages)."""
    q = {"ofd": NS}
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        entry = ET.fromstring(z.read("OFD.xml"))
        root_path = entry.findtext("ofd:DocBody/ofd:DocRoot", namespaces=q) or ""
        base = root_path.rpartition("/")[0]
        doc = ET.fromstring(z.read(root_path))
        title = entry.findtext("ofd:DocBody/ofd:DocInfo/ofd:Title", default="", namespaces=q)
        fonts: dict[str, bytes] = {}
        for res_name in doc.findall("ofd:CommonData/ofd:PublicRes", q):
            res_path = f"{base}/{res_name.text}"
            res = ET.fromstring(z.read(res_path))
            res_base = f"{res_path.rpartition('/')[0]}/{res.get('BaseLoc', '')}".rstrip("/")
            for font in res.findall("ofd:Fonts/ofd:Font", q):
                file_name = font.findtext("ofd:FontFile", namespaces=q)
                if file_name:
                    fonts[font.get("FontName", "")] = z.read(f"{res_base}/{file_name}")
        pages: list[list[str]] = []
        for page in doc.findall("ofd:Pages/ofd:Page", q):
            tree = ET.fromstring(z.read(f"{base}/{page.get('BaseLoc')}"))
            placed: list[tuple[float, float, str]] = []
            for obj in tree.iter(f"{{{NS}}}TextObject"):
                x, y, *_ = (float(v) for v in (obj.get("Boundary") or "0 0 0 0").split())
                text = "".join(code.text or "" for code in obj.findall("ofd:TextCode", q))
                placed.append((y, x, text))
            pages.append([text for _, _, text in sorted(placed)])
    return OfdDocument(title=title, pages=pages, fonts=fonts)


def missing_glyphs(font_file: bytes, text: str) -> set[str]:
    """The characters of `text` the embedded font has no glyph for."""
    from fontTools.ttLib import TTFont

    cmap: dict[int, Any] = TTFont(io.BytesIO(font_file)).getBestCmap()
    return {ch for ch in text if not ch.isspace() and ord(ch) not in cmap}
