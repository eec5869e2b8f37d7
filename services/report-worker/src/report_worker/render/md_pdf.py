"""The small Markdown the reports write, both ways: escaping text into it, and turning it into a
公文-styled HTML page (and so a PDF) without a Markdown library.

Understood: ATX headings (`#`…`######`), paragraphs (lines joined until a blank line), `---`
rules, `- ` / `* ` list items, pipe tables, `**bold**` and backslash escapes. Anything else is
shown as the text it is, never as markup: the HTML is built from escaped text only.
"""

import re

from ..pdf import html_to_pdf
from .html_common import document, escape

_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]<>~|])")
# what would start a heading, quote, list, rule or setext underline at the start of a line
_BLOCK_START = re.compile(r"^(#|>|[-+=]|\d+[.)](?=\s|$))")
_INLINE = re.compile(r"\\([!-/:-@\[-`{-~])|\*\*(.+?)\*\*")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_ITEM = re.compile(r"^\s*[-*+]\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def md_text(text: str) -> str:
    """Plain text made safe inside a Markdown line: `*`, `|`, `[`… are escaped."""
    return _INLINE_SPECIALS.sub(r"\\\1", text)


def md_line(text: str) -> str:
    """Plain text made safe as a whole line: also what would start a heading, list or quote."""
    text = md_text(text)
    match = _BLOCK_START.match(text)
    if match is None:
        return text
    marker = match.group(1)
    if marker[0].isdigit():  # "1. " → "1\. "
        return marker[:-1] + "\\" + text[len(marker) - 1 :]
    return "\\" + text


def inline_html(text: str) -> str:
    out: list[str] = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[position : match.start()]))
        if match.group(1) is not None:
            out.append(escape(match.group(1)))
        else:
            out.append(f"<strong>{inline_html(match.group(2))}</strong>")
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def markdown_to_html(markdown: str) -> str:
    """A complete 公文 HTML page; its title is the first level-1 heading."""
    lines = markdown.replace("\r\n", "\n").split("\n")
    body: list[str] = []
    title = ""
    paragraph: list[str] = []
    items: list[str] = []

    def flush() -> None:
        if paragraph:
            body.append(f"<p>{inline_html(''.join(line.strip() for line in paragraph))}</p>")
            paragraph.clear()
        if items:
            body.append("<ul>" + "".join(f"<li>{inline_html(item)}</li>" for item in items) + "</ul>")
            items.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        heading = _HEADING.match(line)
        if not line.strip():
            flush()
        elif heading:
            flush()
            level = len(heading.group(1))
            title = title or (heading.group(2) if level == 1 else "")
            body.append(f"<h{level}>{inline_html(heading.group(2))}</h{level}>")
        elif _RULE.match(line):
            flush()
            body.append("<hr>")
        elif line.lstrip().startswith("|") and index + 1 < len(lines) and _TABLE_SEPARATOR.match(lines[index + 1]):
            flush()
            end = index + 2
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            body.append(_table(lines[index], lines[index + 2 : end]))
            index = end
            continue
        elif (item := _ITEM.match(line)) is not None:
            if paragraph:
                flush()
            items.append(item.group(1))
        else:
            if items:
                flush()
            paragraph.append(line)
        index += 1
    flush()
    return document(_plain(title) or "报告", "\n".join(body))


def pdf_from_markdown(md_bytes: bytes, max_pages: int | None = None) -> bytes:
    """The PDF of a report's Markdown, laid out as a 公文 (see `html_common`)."""
    return html_to_pdf(markdown_to_html(md_bytes.decode("utf-8")), max_pages)


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip() for cell in _CELL_SPLIT.split(text)]


def _table(header: str, rows: list[str]) -> str:
    head = "".join(f"<th>{inline_html(cell)}</th>" for cell in _cells(header))
    body = "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in _cells(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _plain(text: str) -> str:
    """A heading's text without its escapes and emphasis (for the HTML <title>)."""
    return re.sub(r"\\(.)", r"\1", text.replace("**", ""))
