"""An evidence file's name as stored and as sent back (security finding 17).

Names were kept as sent: `../../x`, an RTL override making `fdp.exe` look like `exe.pdf`, or
`report.html` on what is a PDF. The name keeps only its last path part, loses control and bidi
characters and leading dots, and always ends in the extension of the type sniffed from the bytes
(`.html` on a PDF becomes `….html.pdf`), so that a download can never be opened as anything else.
"""

import re

from rectify_shared.plain_text import clean_name

#: the extension each sniffed type is saved with
EXTENSIONS: dict[str, str] = {"pdf": "pdf", "jpeg": "jpg", "png": "png", "docx": "docx", "xlsx": "xlsx", "ofd": "ofd"}
_ALSO = {"jpeg": ("jpeg", "jpe")}
#: characters Windows or shells treat specially in a name
_UNSAFE = re.compile(r'[<>:"|?*\x7f]')
MAX_LENGTH = 200


def safe_filename(name: str, kind: str) -> str:
    """`name` made safe to store and to offer for download as a file of type `kind`."""
    ext = EXTENSIONS.get(kind, kind)
    base = clean_name(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", "".join(ch for ch in base if ch.isprintable() or ch == " ")).strip().lstrip(".").strip()
    stem, dot, suffix = base.rpartition(".")
    if dot and suffix.lower() in (ext, *_ALSO.get(kind, ())):
        base = stem.rstrip(". ")
    base = base[: MAX_LENGTH - len(ext) - 1].rstrip(". ") or "attachment"
    return f"{base}.{ext}"
