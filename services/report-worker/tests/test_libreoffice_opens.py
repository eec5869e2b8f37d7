"""LibreOffice opens what we write: the ledger workbook and Word documents convert to PDF headless.

Skipped (everywhere, CI included) when LibreOffice is not installed: it is a 350 MB optional
check, not a dependency. Install with
`apt-get install --no-install-recommends libreoffice-calc libreoffice-writer`.
"""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from report_worker.render import render_ledger_xlsx
from report_worker.render.issue_progress_docx import render_issue_progress_docx
from report_worker.render.ledger_document import render_ledger_docx
from report_worker.snapshot import LedgerSnapshot

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc libreoffice-writer",
)
#: `make office` installs Calc only (for the workbooks); Word documents need Writer as well
WRITER = SOFFICE is not None and (Path(SOFFICE).resolve().parent / "libswlo.so").exists()
needs_writer = pytest.mark.skipif(
    not WRITER, reason="LibreOffice Writer is not installed: apt-get install libreoffice-writer"
)


def to_pdf(tmp_path: Path, name: str, content: bytes) -> str:
    """Convert with soffice (its own profile, so parallel runs do not share a lock); the PDF's text."""
    source = tmp_path / name
    source.write_bytes(content)
    assert SOFFICE is not None
    done = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "out" / (source.stem + ".pdf")
    assert done.returncode == 0 and pdf.exists(), done.stderr.decode("utf-8", "replace")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read_bytes())).pages)


def test_the_ledger_workbook_opens_in_libreoffice(tmp_path: Path, ledger: LedgerSnapshot) -> None:
    text = to_pdf(tmp_path, "ledger.xlsx", render_ledger_xlsx(ledger)).replace("\n", "")
    assert "整改台账" in text and "盟自然资源局印发了" in text and "11个旗县中有8个已建成" in text


@needs_writer
def test_the_ledger_document_opens_in_libreoffice(tmp_path: Path, ledger: LedgerSnapshot) -> None:
    text = to_pdf(tmp_path, "ledger.docx", render_ledger_docx(ledger)).replace("\n", "")
    assert "整改台账" in text and "城镇现有生活垃圾处理设施" in text


@needs_writer
def test_the_progress_attachment_opens_in_libreoffice(tmp_path: Path, ledger: LedgerSnapshot) -> None:
    text = to_pdf(tmp_path, "attachment.docx", render_issue_progress_docx(ledger)).replace("\n", "")
    assert "具体问题整改进展情况" in text and "整改进展情况：正在推进" in text
