"""What free text may hold, checked once at input and cleaned again before any document.

A NUL or a vertical tab in one unit's progress text made the province's Word document
unopenable for everybody (XML 1.0 forbids most C0 controls); U+FFFE/U+FFFF are not
characters; bidi overrides in a name make `exe.pdf` read as `fdp.exe`. Input is refused with a
clear message (`FreeText`, `NameText` for pydantic schemas); renderers call `clean_text` anyway,
because rows written before this check (or imported) may still hold them.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, Field

#: C0 controls other than tab, line feed and carriage return, and the two non-characters
FORBIDDEN_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: bidirectional overrides and isolates (and the implicit marks): never in a name
BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """`text` without the characters no document format may carry (renderers' last line)."""
    return FORBIDDEN_CONTROLS.sub("", text)


def clean_name(text: str) -> str:
    """A name (a file name, a title) without forbidden controls or bidi overrides."""
    return BIDI_CONTROLS.sub("", clean_text(text))


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def check_free_text(value: str) -> str:
    """Refuses C0 controls other than \\t \\n \\r, and U+FFFE/U+FFFF."""
    found = FORBIDDEN_CONTROLS.search(value)
    if found is not None:
        raise ValueError(
            f"文本含有不允许的控制字符 {_describe(found.group())}（位置 {found.start()}）"
            f" / text contains a forbidden control character {_describe(found.group())} at {found.start()}"
        )
    return value


def check_name_text(value: str) -> str:
    """A free-text check plus no bidi overrides (names are shown in lists and file names)."""
    check_free_text(value)
    found = BIDI_CONTROLS.search(value)
    if found is not None:
        raise ValueError(
            f"名称含有双向文本控制字符 {_describe(found.group())}"
            f" / a name contains a bidirectional control character {_describe(found.group())}"
        )
    return value


#: the same rules as JSON Schema patterns (the document states them; the checks above give the message)
FREE_TEXT_PATTERN = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff]*$"
NAME_TEXT_PATTERN = (
    "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\ufffe\\uffff"
    "\\u200e\\u200f\\u061c\\u202a-\\u202e\\u2066-\\u2069]*$"
)
FreeText = Annotated[str, AfterValidator(check_free_text), Field(json_schema_extra={"pattern": FREE_TEXT_PATTERN})]
NameText = Annotated[str, AfterValidator(check_name_text), Field(json_schema_extra={"pattern": NAME_TEXT_PATTERN})]
