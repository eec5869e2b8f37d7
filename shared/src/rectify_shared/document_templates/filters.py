"""The wording filters of the document templates: what offices write that plain Jinja cannot.

{{ 17 | cn }}                      十七          (序号{{ 10 | cn }} → 序号十)
{{ day | cn_date }}                2025年12月29日
{{ 3 | count('责令整改', '家') }}  责令整改3家, and nothing at all when the count is 0
{{ 4 | aspects(25) }}              4个方面25项
{{ 3 | number('（一）') }}         （三）; styles （一） 一、 1. 1、 （1） ⑴
{{ ['', 'a', 'b'] | join_nonempty('、') }}  a、b
"""

from datetime import date, datetime
from typing import Any

_DIGITS = "零一二三四五六七八九"
_PLACES = ((1000, "千"), (100, "百"), (10, "十"), (1, ""))
#: ⑴ … ⒇ (U+2474 … U+2487)
_PARENTHESIZED = [chr(0x2474 + i) for i in range(20)]
NUMBERING_STYLES = ("（一）", "一、", "1.", "1、", "（1）", "⑴")


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


def chinese_date(day: date | datetime | str | None) -> str:
    """2025年12月29日 (a date, a datetime or an ISO date string; nothing for none)."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def count(n: Any, label: str = "", unit: str = "") -> str:
    """责令整改3家 — or "" when the count is zero (or missing), so that it vanishes from the text."""
    if not n:
        return ""
    return f"{label}{n}{unit}"


def aspects(aspect_count: int, items: int, unit: str = "项") -> str:
    """4个方面25项 (the 方面 are the ledger's headings); 25项 when there is no heading."""
    return f"{aspect_count}个方面{items}{unit}" if aspect_count else f"{items}{unit}"


def number(n: int, style: str = "（一）") -> str:
    """A list number in one of the office's styles: （一） 一、 1. 1、 （1） ⑴."""
    if style == "（一）":
        return f"（{chinese_numeral(n)}）"
    if style == "一、":
        return f"{chinese_numeral(n)}、"
    if style == "1.":
        return f"{n}."
    if style == "1、":
        return f"{n}、"
    if style == "（1）":
        return f"（{n}）"
    if style == "⑴":
        return _PARENTHESIZED[n - 1] if 1 <= n <= 20 else f"({n})"
    raise ValueError(f"unknown numbering style {style!r}; use one of {' '.join(NUMBERING_STYLES)}")


def join_nonempty(items: Any, separator: str = "、") -> str:
    """The items that say something, joined (what `count` emptied is left out)."""
    return separator.join(str(i) for i in items if i not in (None, ""))


FILTERS = {
    "cn": chinese_numeral,
    "cn_date": chinese_date,
    "count": count,
    "aspects": aspects,
    "number": number,
    "join_nonempty": join_nonempty,
}
