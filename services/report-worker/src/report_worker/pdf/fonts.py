"""Is there a font that can draw Chinese? WeasyPrint does not say: without one it silently
draws boxes ("tofu"), so a PDF job checks first and fails with a message that says what to do."""

import shutil
import subprocess

INSTALL_HINT = "apt-get install fonts-noto-cjk"


class MissingCJKFont(RuntimeError):
    def __init__(self) -> None:
        super().__init__(f"no CJK font installed: {INSTALL_HINT} / 未安装中文字体，无法生成PDF")


def cjk_font_available() -> bool:
    """True when fontconfig knows a font covering Chinese (`fc-list :lang=zh family`)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:  # no fontconfig: Pango (and so WeasyPrint) cannot find any font either
        return False
    try:
        found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return found.returncode == 0 and bool(found.stdout.strip())


def require_cjk_font() -> None:
    if not cjk_font_available():
        raise MissingCJKFont()
