"""The ledger as Markdown, laid out like the attachment of a progress report:

    # 锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况
    ## 一、贯彻落实习近平生态文明思想还不到位方面
    1.一些地方和部门……
    整改进展情况：已完成整改，长期坚持
    （一）盟委将……

Every paragraph is separated by a blank line. Ledger text is escaped so that a stray `*`, `#` or
`1. ` in an issue never turns into Markdown structure.
"""

from ..snapshot import LedgerSnapshot
from .md_pdf import md_line, md_text


def render_ledger_md(snapshot: LedgerSnapshot, measure_style: str | None = None) -> bytes:
    """`measure_style`: how measures are numbered (default: the round's setting). The words are
    the `issue_progress` template's (the shipped default: the layout above)."""
    from .issue_progress_docx import render_issue_progress_md

    return render_issue_progress_md(snapshot, measure_style)


def paragraphs(text: str, prefix: str = "") -> list[str]:
    """One Markdown paragraph per line of `text`, escaped (`md_pdf.md_line`); the prefix (a
    number) goes on the first."""
    lines = [line.strip() for line in text.splitlines() if line.strip()] or [""]
    escaped = [md_line(line) for line in lines]
    if prefix:
        # the prefix now starts the line, so the first line's block escape is not needed
        escaped[0] = prefix + md_text(lines[0])
    return escaped
