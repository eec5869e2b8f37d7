"""责任追究情况 as counts: "责令整改3家，立案处罚2家，罚款1.5万元，约谈2人" -> the structured fields.

Pure: text in, counts and warnings out. A count is taken only where the text says it plainly
(a number, in digits or Chinese numerals, with its unit next to the measure's name, in either
order: 罚款5000元 / 对2家企业立案处罚 / 3人被问责). What it cannot read — a measure named without a
number, an approximate figure (3万余元), a number with a unit that no measure claims — is never
guessed: the count stays out and a warning says why; the text is always kept as `notes`.
"""

import re
import unicodedata
from dataclasses import dataclass, field

#: field -> names of the measure as written, and the units its count takes
MEASURES: dict[str, tuple[tuple[str, ...], str]] = {
    "ordered_rectification": (("责令整改", "责令限期整改", "责令改正"), "家户个"),
    "penalty_cases": (("立案处罚", "立案查处"), "家户个件起"),
    "fine_yuan": (("罚款",), "元"),
    "criminal_investigations": (("立案侦查",), "件起"),
    "administrative_detentions": (("行政拘留",), "人名"),
    "criminal_detentions": (("刑事拘留",), "人名"),
    "interviews": (("约谈",), "人名"),
    "accountable_persons": (("问责",), "人名"),
}
LABEL = {f: names[0] for f, (names, _) in MEASURES.items()}

_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"(?P<num>\d[\d,]*(?:\.\d+)?|[零〇一二两三四五六七八九十百千万]+)(?P<wan>万)?(?P<approx>余|多)?"
#: between a measure and its number: a few words such as 企业, 共计, 人民币, 相关责任人 (no numbers, no stops)
_GAP = r"[^\d零〇一二两三四五六七八九十百千万，。；;,、\n]{0,8}?"
_COUNT = re.compile(_NUM + r"(?P<unit>[家户个件起人名元])")
_NOTHING = {"", "无", "暂无", "没有", "不涉及", "/", "-", "—"}


@dataclass
class Reading:
    counts: dict[str, int] = field(default_factory=dict)
    #: (zh, en) for every part of the text not turned into a count
    warnings: list[tuple[str, str]] = field(default_factory=list)


def chinese_number(text: str) -> int | None:
    """一 … 九千九百九十九万…: 三 -> 3, 十二 -> 12, 两百零五 -> 205, 一万二千 -> 12000."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in "零〇":
            if digit is not None:
                return None
        elif ch in _DIGITS:
            if digit is not None:
                return None  # 三五: not a number we read
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        else:
            return None
    result = total + section + (digit or 0)
    return result if text else None


def _value(m: re.Match[str]) -> int | None:
    raw = m.group("num").replace(",", "")
    if raw[0].isdigit():
        number = float(raw)
    else:
        parsed = chinese_number(raw)
        if parsed is None:
            return None
        number = float(parsed)
    if m.group("wan"):
        number *= 10_000
    return int(number) if number == int(number) else None


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    """Every measure's "name … number unit" first, then "number unit … name" (对2家企业立案处罚,
    3人被问责), so that a number is claimed by the measure it follows before any it precedes."""
    forward, backward = [], []
    for f, (names, units) in MEASURES.items():
        name = "|".join(sorted(names, key=len, reverse=True))
        unit = f"[{units}]"
        forward.append((f, re.compile(f"(?:{name}){_GAP}{_NUM}(?P<unit>{unit})")))
        if f != "fine_yuan":
            backward.append((f, re.compile(f"{_NUM}(?P<unit>{unit}){_GAP}(?:{name})")))
    return forward + backward


_PATTERNS = _patterns()


def read(text: str | None) -> Reading:
    out = Reading()
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if folded.rstrip("。.") in _NOTHING:
        return out
    taken: list[tuple[int, int]] = []
    named: set[str] = set()
    for f, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            named.add(f)
            value = _value(m)
            if value is None or m.group("approx"):
                out.warnings.append(
                    (
                        f"“{m.group(0)}”不是确切数目，未计入{LABEL[f]}",
                        f"{m.group(0)!r} is not an exact count; not counted",
                    )
                )
            else:
                out.counts[f] = out.counts.get(f, 0) + value
            taken.append((m.start(), m.end()))
    for f, (names, _) in MEASURES.items():
        if f not in named and any(n in folded for n in names):
            out.warnings.append(
                (f"提到“{LABEL[f]}”但未读出数目，仅保留原文", f"{LABEL[f]} is mentioned without a count; kept as text")
            )
    for m in _COUNT.finditer(folded):
        if not any(a <= m.start() and m.end() <= b for a, b in taken):
            out.warnings.append(
                (
                    f"“{m.group(0)}”未能对应到责任追究项目，仅保留原文",
                    f"{m.group(0)!r} matches no measure; kept as text",
                )
            )
    return out
