"""Attestation periods of 长期坚持 tasks: calendar months, quarters or years."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    label: str  # "2024-11" | "2024-Q3" | "2024"
    start: date
    end: date  # inclusive


def last_complete_period(cycle: str, as_of: date) -> Period:
    """The latest period of `cycle` that ended before `as_of`."""
    if cycle == "monthly":
        end = as_of.replace(day=1) - timedelta(days=1)
        return Period(f"{end.year}-{end.month:02d}", end.replace(day=1), end)
    if cycle == "quarterly":
        quarter_start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
        end = quarter_start - timedelta(days=1)
        start = date(end.year, end.month - 2, 1)
        return Period(f"{end.year}-Q{(end.month - 1) // 3 + 1}", start, end)
    if cycle == "yearly":
        year = as_of.year - 1
        return Period(str(year), date(year, 1, 1), date(year, 12, 31))
    raise ValueError(f"unknown attestation cycle {cycle!r}")
