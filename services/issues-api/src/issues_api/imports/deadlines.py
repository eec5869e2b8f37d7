"""整改时限 as offices write it, read into a date with its precision and the wording kept.

2025年12月底前 → 2025-12-31 (month) · 2026年6月30日 → (day) · 2025年底前 → 12-31 (year) ·
2025年上半年 → 06-30 (half) · 2025年第三季度 → 09-30 (quarter) · 长期坚持 / 持续推进 → long-term,
no date · 立行立改 → the 方案's date when known · 整改方案印发后30个工作日内 → counted on the work
calendar from the 方案's date (a `working_days_after` rule). "2022年12月底前，长期坚持" is both.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rectify_shared.workcalendar import WorkCalendar

from .text import _DATE, _ymd, fold, month_end, number, parse_date


@dataclass(frozen=True)
class Deadline:
    text: str  # the wording as written
    deadline: date | None
    #: "day" | "month" | "quarter" | "half" | "year" | "working_days" | "immediate" | "long_term"
    precision: str
    long_term: bool = False
    rule: dict[str, Any] | None = None
    provisional: bool = False
    #: False for a date cell (a date typed as such, or Rectify's export): no wording to compare
    worded: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "precision": self.precision,
            "long_term": self.long_term,
            "rule": self.rule,
        }


class DeadlineError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


_LONG = ("长期坚持", "长期推进", "持续推进", "常态化", "长期")
_WORKDAYS = re.compile(
    r"(?P<event>[^,，;；]*?印发|[^,，;；]*?下发|[^,，;；]*?反馈)?后?\s*(?P<n>\d+|[一二三四五六七八九十百]+)个?工作日"
)
_QUARTER = re.compile(r"第?(?P<q>[1-4一二三四])季度")


def parse_deadline(value: Any, calendar: WorkCalendar | None = None, issued_on: date | None = None) -> Deadline | None:
    """None for an empty cell; DeadlineError when the wording cannot be read."""
    if isinstance(value, date):
        parsed = parse_date(value)
        assert parsed is not None
        return Deadline(fold(value), parsed[0], "day", worded=False)
    written = str(value).strip() if value is not None else ""
    text = fold(value)
    if not text:
        return None
    long_term = any(w in text for w in _LONG)
    wd = _WORKDAYS.search(text)
    if wd:
        days = number(wd.group("n"))
        event = (wd.group("event") or "整改方案印发").strip() or "整改方案印发"
        if days is None or not 1 <= days <= 250:
            raise DeadlineError("工作日天数不合理", "the number of working days is out of range")
        if issued_on is None or calendar is None:
            raise DeadlineError(
                "按工作日计算的时限需要方案印发日期（上传时填写 issued_on）",
                "a deadline in working days needs the plan's date (give issued_on with the upload)",
            )
        counted = calendar.nth_workday_after(issued_on, days)
        rule = {"kind": "working_days_after", "event": event[:100], "event_date": issued_on.isoformat(), "days": days}
        return Deadline(written, counted.day, "working_days", long_term, rule, counted.provisional)
    m = _DATE.search(text)
    if m:
        ymd = _ymd(m)
        if ymd is None:
            raise DeadlineError("日期不合法", "not a valid date")
        y, mo, d = ymd
        rest = text[m.end() :]
        try:
            if mo is not None and d is not None:
                day, precision = date(y, mo, d), "day"
            elif mo is not None:
                day, precision = month_end(y, mo), "month"
            elif "上半年" in rest:
                day, precision = date(y, 6, 30), "half"
            elif (q := _QUARTER.search(rest)) is not None:
                n = number(q.group("q")) or 4
                day, precision = month_end(y, 3 * n), "quarter"
            else:
                day, precision = date(y, 12, 31), "year"
        except ValueError:
            raise DeadlineError("日期不合法", "not a valid date") from None
        return Deadline(written, day, precision, long_term)
    if "立行立改" in text or "立即" in text:
        return Deadline(written, issued_on, "immediate", long_term)
    if long_term:
        return Deadline(written, None, "long_term", True)
    raise DeadlineError(
        "无法识别的整改时限（示例：2025年12月底前、2026年6月30日、长期坚持、立行立改、印发后30个工作日内）",
        "unreadable deadline (e.g. 2025年12月底前, 2026年6月30日, 长期坚持, 立行立改, 印发后30个工作日内)",
    )
