"""The fixed wording of official reports: Chinese numerals, dates, titles, file names."""

from datetime import date

from rectify_shared.titles import document_title, inspection_name

_DIGITS = "零一二三四五六七八九"
_PLACES = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))


def chinese_numeral(n: int) -> str:
    """一 … 十, 十一, 二十一, 一百零五, 一百一十, 一千零一十 (1–9999; other values stay Arabic)."""
    if not 1 <= n <= 9999:
        return str(n)
    parts: list[str] = []
    zero_pending = False
    for value, unit in _PLACES:
        digit = n // value % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        parts.append(_DIGITS[digit] + unit)
    text = "".join(parts)
    # 十五, not 一十五
    return text[1:] if 10 <= n <= 19 else text


def measure_label(seq: int) -> str:
    """（一）（二）…: how measures are numbered under an issue."""
    return f"（{chinese_numeral(seq)}）"


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def inspection_title(round_name: str) -> str:
    """The round's name with its 督察, never doubled (see `rectify_shared.titles`)."""
    return inspection_name(round_name)


def ledger_title(org_name: str, round_name: str) -> str:
    return document_title("ledger", round_name, org=org_name)


def ledger_file_name(org_name: str, as_of: date, extension: str) -> str:
    """锡林郭勒盟督察整改台账（截至2024-12-15）.xlsx; path separators never reach a file name."""
    safe_org = "".join("_" if ch in '/\\:*?"<>|' or ch < " " else ch for ch in org_name).strip() or "报告"
    return f"{safe_org}督察整改台账（截至{as_of.isoformat()}）.{extension}"
