"""Reading the words of a clerk's table: numbering, dates, statuses, units, leaders, progress lines.

Pure functions of strings; matching folds full-width forms (NFKC), so "１．" reads as "1.", while
the wording kept (descriptions, measures, progress lines) is returned as written.
"""

import calendar
import re
import unicodedata
from datetime import date, datetime
from typing import Any

from rectify_shared.enums import IssueStatus, MeasureStatus

_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN = "〇零一二两三四五六七八九十百"
#: ⑴…⒇ and ①…⑳
_PAREN_DIGITS = {chr(0x2474 + i): i + 1 for i in range(20)} | {chr(0x2460 + i): i + 1 for i in range(20)}


def fold(value: Any) -> str:
    """NFKC (full-width digits, letters and brackets become ASCII) and trimmed; None is ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def key(value: Any) -> str:
    """A header's or a name's comparison key: folded, no whitespace, no trailing colon or asterisk."""
    return re.sub(r"\s+", "", fold(value)).strip(":*")


def chinese_number(text: str) -> int | None:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 一百零五 → 105, 二〇二五 → 2025 (digit by digit)."""
    if not text or any(c not in _CN for c in text):
        return None
    if "十" not in text and "百" not in text:
        return int("".join(str(_DIGITS[c]) for c in text))
    total, current = 0, 0
    for c in text:
        if c == "百":
            total += (current or 1) * 100
            current = 0
        elif c == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[c]
    return total + current


def number(text: str) -> int | None:
    """A number written as 12, 十二 or ⑿."""
    if text.strip() in _PAREN_DIGITS:  # before folding: NFKC turns ⑴ into "(1)"
        return _PAREN_DIGITS[text.strip()]
    t = key(text)
    if t.isdigit():
        return int(t)
    return chinese_number(t)


#: leading numbering, full-width or not: 1. 1、 1) (1) (一) 一、 ⑴ ①
_NUMBERING = re.compile(
    r"^\s*(?:"
    r"[(（](?P<p>[0-9０-９]+|[〇零一二两三四五六七八九十百]+)[)）]"
    r"|(?P<d>[0-9０-９]+)(?:[.、)．）](?![0-9０-９])|\s)"
    r"|(?P<c>[〇零一二两三四五六七八九十百]+)[、.．]"
    r"|(?P<e>[\u2460-\u2473\u2474-\u2487])"
    r")\s*"
)


def plain(value: Any) -> str:
    """A cell's text as written (not folded: a problem's wording is kept exactly), trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def split_number(text: str) -> tuple[int | None, str]:
    """("（三）加强…") → (3, "加强…"); text without numbering → (None, text). The rest is kept as written."""
    t = plain(text)
    m = _NUMBERING.match(t)
    if not m:
        return None, t
    raw = m.group("p") or m.group("d") or m.group("c") or m.group("e")
    n = number(raw)
    return (n, t[m.end() :].strip()) if n is not None else (None, t)


def number_label(text: str, seq: int) -> str:
    """The number as a document writes it, without its marks, for `issue.display_no`: "（十）",
    "十、" → "十"; "序号十", "第十项", "3-1" as written; "" when it is just `seq` in digits ("1.",
    "１、", "⑴", "(1)": nothing to show beside the number itself)."""
    t = plain(text)
    m = _NUMBERING.match(t)
    if m and not t[m.end() :].strip():
        raw = m.group("p") or m.group("d") or m.group("c") or m.group("e")
        t = str(_PAREN_DIGITS[raw]) if raw in _PAREN_DIGITS else raw
    t = re.sub(r"\s+", "", fold(t))
    if t.isdigit() and int(t) == seq:
        return ""
    return t if len(t) <= 20 else ""


def leading_label(text: str, seq: int) -> str | None:
    """`number_label` of the numbering a description starts with ("（三）加强…" → "三"); None without one."""
    t = plain(text)
    m = _NUMBERING.match(t)
    if not m or split_number(t)[0] is None:
        return None
    return number_label(t[: m.end()], seq)


_HEADING = re.compile(
    r"^(?:[〇零一二两三四五六七八九十百]+[、.．]|[(（][〇零一二两三四五六七八九十百]+[)）])\s*(?P<t>.+)$"
)


def heading(text: str) -> str | None:
    """A 方面 heading row's category ("一、贯彻落实…方面" → "贯彻落实…方面"), else None."""
    t = plain(text)
    m = _HEADING.match(t)
    if m and len(t) <= 120:
        return m.group("t").strip()
    if t.endswith("方面") and len(t) <= 60:
        return t
    return None


#: where a cell lists several numbered measures: a numbering mark at the start or after ；/;/a line break
_ITEM = re.compile(
    r"(?:^|(?<=[;；。\n]))\s*(?=[(（](?:[0-9０-９]+|[一二三四五六七八九十]+)[)）]|[0-9０-９]+[.、．](?![0-9０-９])|[\u2460-\u2473\u2474-\u2487])"
)


def split_measures(text: str) -> list[tuple[int | None, str]]:
    """ "1.…；2.…" (or （一）…（二）…, ⑴…⑵…, one per line) → [(1, "…"), (2, "…")]; one item when unnumbered."""
    t = plain(text)
    parts = [p.strip().rstrip(";；").strip() for p in _ITEM.split(t) if p.strip().rstrip(";；").strip()]
    if len(parts) <= 1:
        return [split_number(t)] if t else []
    return [split_number(p) for p in parts]


_UNIT_SPLIT = re.compile(r"[、,;/\n]+|\s{2,}")


def units(text: str) -> list[str]:
    """Several units in one cell, separated by 、，；/ or line breaks; (牵头) marks dropped."""
    out: list[str] = []
    for part in _UNIT_SPLIT.split(fold(text)):
        part = re.sub(r"\((?:牵头|配合|负责)\)$", "", part.strip()).strip()
        if part and part not in ("无", "-", "/"):
            out.append(part)
    return list(dict.fromkeys(out))


_LEADER = re.compile(r"^(?P<a>[^()（）\s]+)\s*[(（](?P<b>[^)）]+)[)）]$")


def leader(text: str) -> dict[str, str] | None:
    """ "王某（盟委副书记）", "盟委副书记 王某" or "王某" → {"name", "title"?}."""
    t = plain(text)
    if not t:
        return None
    m = _LEADER.match(t)
    if m:
        a, b = m.group("a"), m.group("b")
        name, title = (a, b) if len(a) <= len(b) else (b, a)
        return {"name": name, "title": title}
    parts = t.split()
    if len(parts) >= 2:
        name = min(parts, key=len)
        title = " ".join(p for p in parts if p is not name)
        return {"name": name, "title": title}
    return {"name": t}


_DATE = re.compile(
    r"(?P<y>\d{4}|[〇零一二三四五六七八九]{4})\s*[年.\-/]\s*"
    r"(?:(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[月.\-/]?\s*"
    r"(?:(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*[日号]?)?)?"
)


def _ymd(m: re.Match[str]) -> tuple[int, int | None, int | None] | None:
    y = number(m.group("y"))
    mo = number(m.group("m")) if m.group("m") else None
    d = number(m.group("d")) if m.group("d") else None
    if y is None or not 1990 <= y <= 2100 or (mo is not None and not 1 <= mo <= 12):
        return None
    return y, mo, d


def month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def parse_date(value: Any) -> tuple[date, str] | None:
    """A written date → (the day, its precision "day" | "month" | "year"); a month alone is its last day."""
    if isinstance(value, datetime):
        return value.date(), "day"
    if isinstance(value, date):
        return value, "day"
    t = fold(value)
    m = _DATE.search(t)
    if not m:
        return None
    ymd = _ymd(m)
    if ymd is None:
        return None
    y, mo, d = ymd
    try:
        if mo is None:
            return date(y, 12, 31), "year"
        if d is None:
            return month_end(y, mo), "month"
        return date(y, mo, d), "day"
    except ValueError:
        return None


#: a progress line that starts with its date: "2024年6月，…", "2024年6月15日:…", "2024.06.15 …"
_DATED_LINE = re.compile(r"^\s*(?P<date>" + _DATE.pattern + r")\s*(?:以来|起|底|中旬|上旬|下旬)?\s*[,，:：、 ]?\s*")


def progress_lines(text: str) -> list[tuple[date | None, str]]:
    """The 整改进展 cell's lines, each with the day it starts with (None when it has none)."""
    out: list[tuple[date | None, str]] = []
    for line in plain(text).splitlines():
        line = line.strip()
        if not line:
            continue
        m = _DATED_LINE.match(tx_fold_keep_length(line))
        day = parse_date(m.group("date")) if m else None
        if m and day is not None:
            out.append((day[0], line))
        else:
            out.append((None, line))
    return out


def tx_fold_keep_length(line: str) -> str:
    """Full-width digits and punctuation folded one character for one (so a match's span is the original's)."""
    return "".join(unicodedata.normalize("NFKC", c) if len(unicodedata.normalize("NFKC", c)) == 1 else c for c in line)


def issue_status(text: str) -> tuple[IssueStatus, bool | None] | None:
    """(status, on_schedule) from 整改状态 / 完成情况 wording; None when unreadable."""
    t = key(text)
    if not t:
        return None
    if "销号" in t:
        return IssueStatus.closed, None
    if "完成" in t and "长期" in t:
        return IssueStatus.completed_long_term, None
    if "未完成" in t or "推进" in t or "整改中" in t or "序时" in t or "滞后" in t or "正在" in t:
        return IssueStatus.in_progress, (False if "滞后" in t else True if "序时" in t else None)
    if "未启动" in t or "未开始" in t:
        return IssueStatus.not_started, None
    if "完成" in t or "已整改" in t:
        return IssueStatus.completed, None
    return None


def measure_status(text: str) -> MeasureStatus | None:
    t = key(text)
    if not t:
        return None
    if "不再实施" in t:
        return MeasureStatus.waived
    if "未完成" in t or "推进" in t or "正在" in t or "整改中" in t:
        return MeasureStatus.in_progress
    if "未启动" in t or "未开始" in t:
        return MeasureStatus.not_started
    if "完成" in t:
        return MeasureStatus.completed
    return None
