"""Reading the inspection team's batch spreadsheet (一览表) — pure: bytes in, rows or errors out.

The file must be an .xlsx by content (a zip holding `xl/workbook.xml`), not by name; header
names are matched tolerantly (full-width forms, spaces and line breaks, a trailing colon or
asterisk do not matter, and common variants are known). Every bad row is reported with its
spreadsheet row number, the column as headed in the file, and the reason in Chinese and English.

Pollution types come out as the words written (the import matches them against the list in the
database); 办理状态 becomes the case's state, the word as written kept beside it; 责任追究情况
becomes counts where the text states them plainly (`accountability.read`), with a warning for
what it cannot read, and the text itself is always kept.
"""

import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from rectify_shared.enums import (
    PETITION_CHANNEL_TEXT,
    PETITION_STATE_TEXT,
    PETITION_VERDICT_TEXT,
    PetitionChannel,
    PetitionState,
    PetitionVerdict,
)

from . import accountability
from .schemas import INTAKE_NO

#: the most rows one batch file may hold, and the most its parts may inflate to (a zip bomb guard)
MAX_ROWS = 2000
MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
#: the shared strings openpyxl loads whole before the first row: at most this many, this big
#: (2,000 rows of a dozen columns need 24,000 at most)
MAX_SHARED_STRINGS = 100_000
MAX_SHARED_STRINGS_BYTES = 16 * 1024 * 1024
#: cells read per row (a row of a million cells is a bomb, not a batch)
MAX_COLUMNS = 100
#: the header row is looked for in the first rows (titles such as 第N批信访件一览表 come above it)
HEADER_SEARCH_ROWS = 10

#: field -> header names it is known by (normalised)
HEADERS: dict[str, tuple[str, ...]] = {
    "intake_no": ("受理编号", "举报编号", "编号"),
    "content": ("交办问题基本情况", "交办问题", "举报内容", "信访内容", "问题基本情况"),
    "locality": ("行政区域", "行政区划", "所属地区", "地区", "旗县市区"),
    "pollution_types": ("污染类型", "污染类别"),
    "findings": ("调查核实情况", "调查核实结果", "核查情况"),
    "verdict": ("是否属实", "核实结论"),
    "handling": ("处理和整改情况", "处理整改情况", "处理情况"),
    "accountability": ("责任追究情况", "责任追究", "问责情况", "追责问责情况", "责任追究及问责情况"),
    "state": ("办理状态", "办结状态", "办结情况", "是否办结", "办理进度"),
    "channel": ("举报方式", "来源", "渠道", "信访方式"),
    "reported_party": ("被举报对象", "举报对象"),
    "address": ("被举报地址", "地址"),
    "key_attention": ("重点关注", "是否重点关注"),
}
REQUIRED = ("intake_no", "content", "locality")
LABEL = {"intake_no": "受理编号", "content": "交办问题基本情况", "locality": "行政区域"}

_VERDICTS = {text: v for v, text in PETITION_VERDICT_TEXT.items()}
#: 办理状态 as written -> state; 未办结 is the province's word for 正在办理
_STATES = {text: s for s, text in PETITION_STATE_TEXT.items()} | {
    "未办结": PetitionState.in_progress,
    "办理中": PetitionState.in_progress,
    "阶段办结": PetitionState.closed_in_stage,
    "办结": PetitionState.closed,
}
_CHANNELS = {text: c for c, text in PETITION_CHANNEL_TEXT.items()} | {
    "电话": PetitionChannel.phone,
    "信件": PetitionChannel.letter,
    "网上": PetitionChannel.online,
    "网络举报": PetitionChannel.online,
    "来电举报": PetitionChannel.phone,
    "来信举报": PetitionChannel.letter,
}
_YES, _NO = {"是", "Y", "YES", "TRUE", "1", "√"}, {"否", "N", "NO", "FALSE", "0", ""}
_SPLIT = re.compile(r"[、,，;；/／\s]+")


class NotXlsx(Exception):
    """The upload is not an .xlsx workbook (whatever its name says)."""


class TooLarge(Exception):
    """The workbook would cost more to read than a batch file may (a zip bomb or a huge sheet)."""


@dataclass
class ParsedRow:
    row: int  # the spreadsheet's row number (1-based, as Excel shows it)
    values: dict[str, Any]
    #: False when a cell was bad (the row is still checked further, so every error is reported)
    ok: bool = True


@dataclass
class Parsed:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: what was read but not all of it (accountability text with counts the parser cannot read)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field -> the header as written
    sheet: str | None = None


def normalise(text: Any) -> str:
    """NFKC folds full-width letters, digits and brackets; whitespace and markers go."""
    folded = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"\s+", "", folded).strip(":*").replace("（", "(").replace("）", ")")


def error(
    row: int | None, column: str | None, zh: str, en: str, *, sheet: str | None = None, value: Any = None
) -> dict[str, Any]:
    """One cell's problem: where (sheet, row as Excel numbers it, column as headed), what it held, why."""
    return {
        "sheet": sheet,
        "row": row,
        "column": column,
        "value": None if value is None else str(value),
        "reason": f"{zh} / {en}",
        "reason_zh": zh,
        "reason_en": en,
    }


def sniff(data: bytes) -> None:
    """An .xlsx is a zip with xl/workbook.xml; anything else (xls, csv, a renamed file) is refused."""
    if not data.startswith(b"PK\x03\x04"):
        raise NotXlsx("not a zip container")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "xl/workbook.xml" not in names:
                raise NotXlsx("a zip, but not an xlsx workbook")
            if sum(i.file_size for i in z.infolist()) > MAX_UNZIPPED_BYTES:
                raise TooLarge("the workbook inflates beyond the limit")
            if "xl/sharedStrings.xml" in names:
                _check_shared_strings(z)
    except zipfile.BadZipFile as exc:
        raise NotXlsx("a damaged zip") from exc


def _check_shared_strings(z: zipfile.ZipFile) -> None:
    """Counts `<si>` elements by streaming the part (a declared count may lie)."""
    if z.getinfo("xl/sharedStrings.xml").file_size > MAX_SHARED_STRINGS_BYTES:
        raise TooLarge("the shared strings are beyond the limit")
    count, carry = 0, b""
    with z.open("xl/sharedStrings.xml") as part:
        while chunk := part.read(1 << 20):
            block = carry + chunk
            cut = block.rfind(b"<")  # a tag cut by the chunk's end is counted with the next chunk
            cut = len(block) if cut < 0 else cut
            count += len(_SHARED_STRING.findall(block, 0, cut))
            carry = block[cut:]
            if count > MAX_SHARED_STRINGS:
                raise TooLarge(f"more than {MAX_SHARED_STRINGS} shared strings")
    if count + len(_SHARED_STRING.findall(carry)) > MAX_SHARED_STRINGS:
        raise TooLarge(f"more than {MAX_SHARED_STRINGS} shared strings")


#: a shared string's start tag, with or without a namespace prefix
_SHARED_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _find_header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int], dict[str, str]] | None:
    known = {normalise(name): f for f, names in HEADERS.items() for name in names}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        positions: dict[str, int] = {}
        written: dict[str, str] = {}
        for col, cell in enumerate(row):
            f = known.get(normalise(cell))
            if f is not None and f not in positions:
                positions[f], written[f] = col, _cell_text(cell)
        if "intake_no" in positions and "content" in positions:
            return index, positions, written
    return None


def parse(data: bytes) -> Parsed:
    """Rows of the first sheet as field values (strings and enums); errors for every bad cell."""
    sniff(data)
    from openpyxl import load_workbook  # imported here: only the import endpoint needs it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken workbook
        raise NotXlsx(f"unreadable workbook: {type(exc).__name__}") from exc
    sheet = workbook.worksheets[0]
    out = Parsed(sheet=sheet.title)
    rows = [
        tuple(r)
        for r in itertools.islice(
            sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), MAX_ROWS + HEADER_SEARCH_ROWS + 1
        )
    ]
    workbook.close()
    found = _find_header(rows)
    if found is None:
        out.errors.append(
            error(
                None,
                None,
                "未找到表头（须含“受理编号”“交办问题基本情况”）",
                "No header row (it needs 受理编号 and 交办问题基本情况)",
            )
        )
        return out
    header_index, positions, out.columns = found
    for f in REQUIRED:
        if f not in positions:
            out.errors.append(
                error(
                    header_index + 1, LABEL[f], f"缺少“{LABEL[f]}”列", f"Column {LABEL[f]} is missing", sheet=out.sheet
                )
            )
    if out.errors:
        return out
    body = rows[header_index + 1 :]
    if len(body) > MAX_ROWS:
        out.errors.append(error(None, None, f"一批最多{MAX_ROWS}行", f"A batch file holds at most {MAX_ROWS} rows"))
        return out
    for offset, raw in enumerate(body):
        number = header_index + 2 + offset
        cells = {f: _cell_text(raw[i]) if i < len(raw) else "" for f, i in positions.items()}
        if not any(cells.values()):
            continue  # blank lines between blocks are common
        errors_before = len(out.errors)
        values = _row_values(number, cells, out)
        out.rows.append(ParsedRow(number, values, ok=len(out.errors) == errors_before))
    if not out.rows and not out.errors:
        out.errors.append(error(None, None, "表中没有信访件", "The sheet holds no cases"))
    return out


def _row_values(number: int, cells: dict[str, str], out: Parsed) -> dict[str, Any]:
    def bad(f: str, zh: str, en: str) -> None:
        column = out.columns.get(f, LABEL.get(f, f))
        out.errors.append(error(number, column, zh, en, sheet=out.sheet, value=cells.get(f) or None))

    values: dict[str, Any] = {}
    for f in REQUIRED:
        if not cells.get(f):
            bad(f, "不能为空", "must not be empty")
    intake = normalise(cells.get("intake_no", ""))
    if intake and not re.match(INTAKE_NO, intake):
        bad("intake_no", f"受理编号“{intake}”格式不正确", f"malformed intake number {intake!r}")
    values["intake_no"], values["content"], values["locality"] = intake, cells.get("content", ""), cells.get("locality")
    values["pollution_texts"] = [normalise(p) for p in _SPLIT.split(cells.get("pollution_types", "")) if p]
    state_text = normalise(cells.get("state", ""))
    if state_text:
        state = _STATES.get(state_text)
        if state is None:
            bad("state", f"“{state_text}”不是已办结、阶段性办结、未办结或正在办理", f"unknown state {state_text!r}")
        values["state"], values["state_written"] = state, state_text
    verdict_text = normalise(cells.get("verdict", ""))
    if verdict_text:
        verdict: PetitionVerdict | None = _VERDICTS.get(verdict_text)
        if verdict is None:
            bad("verdict", f"“{verdict_text}”不是属实、基本属实、部分属实或不属实", f"unknown verdict {verdict_text!r}")
        values["verdict"] = verdict
    channel_text = normalise(cells.get("channel", ""))
    if channel_text:
        channel = _CHANNELS.get(channel_text)
        if channel is None:
            bad("channel", f"未知的举报方式“{channel_text}”", f"unknown channel {channel_text!r}")
        values["channel"] = channel
    flag = normalise(cells.get("key_attention", "")).upper()
    if flag not in _YES | _NO:
        bad("key_attention", "重点关注应填“是”或“否”", "key attention is 是 or 否")
    values["key_attention"] = flag in _YES
    for f in ("findings", "handling", "reported_party", "address"):
        values[f] = cells.get(f) or None
    if cells.get("accountability"):
        reading = accountability.read(cells["accountability"])
        values["accountability"] = {**reading.counts, "notes": cells["accountability"]}
        column = out.columns.get("accountability")
        for zh, en in reading.warnings:
            out.warnings.append(error(number, column, zh, en, sheet=out.sheet, value=cells["accountability"]))
    return values
