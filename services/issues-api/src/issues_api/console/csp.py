"""The console's Content-Security-Policy: scripts only from this origin, plus the inline scripts of
the built shell by their SHA-256 — these are @vitejs/plugin-legacy's detection and loader snippets,
the `cspHashes` it exports, which the build also writes to `csp.json` beside index.html."""

import base64
import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path

_INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


@lru_cache(maxsize=8)
def _policy(index: Path, mtime: float) -> str:
    html = index.read_text(encoding="utf-8")
    hashes = {base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() for body in _INLINE.findall(html)}
    listed = index.parent / "csp.json"
    if not listed.is_file():
        listed = index.parent.parent / "csp.json"
    if listed.is_file():
        hashes |= set(json.loads(listed.read_text()).get("script_hashes", []))
    scripts = " ".join(f"'sha256-{h}'" for h in sorted(hashes))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {scripts}".strip(),
            # Element Plus and Vant position popups with inline styles
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


def content_security_policy(index: Path) -> str:
    return _policy(index, index.stat().st_mtime)
