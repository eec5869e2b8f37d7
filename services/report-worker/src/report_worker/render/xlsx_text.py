"""Every text cell of every workbook goes through here.

XlsxWriter copies a string that starts with `<r>` and ends with `</r>` verbatim into the sheet
as rich-text XML (that is how its own `write_rich_string` stores runs). User text of that form
therefore became XML: a unit's progress text could plant `<f>` formulas in the ledger, `</si><si>`
shifted every later shared string, `<r><t>x</r>` made the workbook unopenable. Here user text is
cleaned (controls no XML may carry, see `rectify_shared.plain_text`), truncated to Excel's
32,767 UTF-16 units, and, when it has that form, handed to XlsxWriter as one escaped run built
here (`<r><t>&lt;r&gt;…</t></r>`): the cell shows exactly the text, and the only `<r>` XML that
ever reaches a sheet is made by this module from escaped text.
"""

from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

from rectify_shared.plain_text import clean_text

EXCEL_MAX = 32767


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _has_rich_form(text: str) -> bool:
    return text.startswith("<r>") and text.endswith("</r>")


def xlsxwriter_text(value: str) -> str:
    """What to pass to XlsxWriter's `write_string` for the user text `value`."""
    text = clean_text(value)
    if _utf16_len(text) > EXCEL_MAX:
        text = _utf16_truncate(text, EXCEL_MAX)
    if not _has_rich_form(text):
        return text
    run = f"<r><t>{_escape(text)}</t></r>"
    excess = _utf16_len(run) - EXCEL_MAX
    if excess <= 0:
        return run
    # too long once escaped: cut the text, which then no longer ends with "</r>"
    return _utf16_truncate(text, _utf16_len(text) - excess - len("</r>"))


def inline_string_xml(value: str) -> str:
    """The content of `<is>` XlsxWriter writes in constant_memory mode for `write_string(value)`
    after `xlsxwriter_text`: a run built here, or `<t>` with the escaped text."""
    text = XMLwriter._escape_control_characters(xlsxwriter_text(value))
    if _has_rich_form(text):  # only ever the run xlsxwriter_text built from escaped text
        return text
    preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    return f"<t{preserve}>{_escape(text)}</t>"


def write_text(sheet: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None) -> None:
    """A text cell (blank when empty) holding exactly `value` as text."""
    text = "" if value is None else xlsxwriter_text(str(value))
    if text:
        sheet.write_string(row, col, text, fmt)
    else:
        sheet.write_blank(row, col, None, fmt)


def write_texts(sheet: Worksheet, row: int, col: int, values: list[Any], fmt: Format | None = None) -> None:
    """`write_row` for text: each value through `write_text`."""
    for offset, value in enumerate(values):
        write_text(sheet, row, col + offset, value, fmt)


def merge_text(
    sheet: Worksheet,
    first_row: int,
    first_col: int,
    last_row: int,
    last_col: int,
    value: str,
    fmt: Format | None = None,
) -> None:
    """A merged range showing `value` as text (XlsxWriter's documented way for rich strings:
    merge with a blank, then write the first cell)."""
    sheet.merge_range(first_row, first_col, last_row, last_col, "", fmt)
    write_text(sheet, first_row, first_col, value, fmt)
