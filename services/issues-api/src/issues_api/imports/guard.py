"""What a file must be before anything parses it: an .xlsx or .docx by content, not encrypted,
without macros, and not a zip bomb. Cheap checks on the zip's directory only."""

import io
import zipfile
from dataclasses import dataclass

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


class Refused(Exception):
    def __init__(self, status: int, code: str, zh: str, en: str) -> None:
        super().__init__(en)
        self.status, self.code, self.zh, self.en = status, code, zh, en


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 10 * 1024 * 1024
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_ratio: int = 100
    seconds: float = 60.0
    memory_mb: int = 1024


def sniff(data: bytes, limits: Limits) -> str:
    """ "xlsx" or "docx"; Refused (413/415/422) otherwise."""
    if not data:
        raise Refused(422, "empty_file", "未上传文件", "No file was uploaded")
    if len(data) > limits.max_bytes:
        raise Refused(
            413, "file_too_large", f"文件超过{limits.max_bytes // 1024 // 1024} MB", "The file is over the size limit"
        )
    if data.startswith(OLE_MAGIC):
        raise Refused(
            415,
            "encrypted_or_legacy",
            "文件已加密或为旧版 .xls/.doc 格式：请取消密码保护并另存为 .xlsx/.docx 后上传",
            "The file is encrypted or an old .xls/.doc: remove the password and save it as .xlsx/.docx",
        )
    if not data.startswith(b"PK\x03\x04"):
        raise Refused(415, "unsupported_file", "只接受 .xlsx 或 .docx 文件", "Only .xlsx or .docx files are accepted")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            content_types = z.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, KeyError, RuntimeError) as exc:
        raise Refused(415, "unsupported_file", "文件已损坏", "The file is damaged") from exc
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise Refused(
            415,
            "macro_enabled",
            "文件含宏（.xlsm/.docm），不予导入：请另存为不含宏的 .xlsx/.docx",
            "The file contains macros (.xlsm/.docm): save it as a plain .xlsx/.docx",
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    ratio_bomb = any(
        i.file_size > 1024 * 1024 and i.file_size > limits.max_ratio * max(i.compress_size, 1) for i in infos
    )
    if total > limits.max_unzipped_bytes or ratio_bomb or total > limits.max_ratio * packed * 4:
        raise Refused(
            413,
            "zip_bomb",
            "文件解压后过大（疑似压缩炸弹），请拆分后上传",
            "The file inflates far beyond its size (a zip bomb?); split it",
        )
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    raise Refused(415, "unsupported_file", "只接受 .xlsx 或 .docx 文件", "Only .xlsx or .docx files are accepted")
