"""Re-attestation of long-term tasks (已完成整改，长期坚持), as pure functions of dates.

A task under a cycle owes one attestation per calendar period (month, quarter or year) — the
periods the notifier's ladder checks (`notifier.escalation.periods`): a period with no report on
the task is a missed attestation the day after it ends. So the next attestation is due at the end
of the current period, or, once the current period is attested, at the end of the next one.
"""

from datetime import date, timedelta
from typing import Literal

AttestationCycle = Literal["monthly", "quarterly", "yearly"]
CYCLES: tuple[str, ...] = ("monthly", "quarterly", "yearly")
_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}


def period_of(cycle: str, day: date) -> tuple[date, date]:
    """(first day, last day) of the `cycle` period holding `day`."""
    months = _MONTHS.get(cycle)
    if months is None:
        raise ValueError(f"unknown attestation cycle {cycle!r}")
    first_month = months * ((day.month - 1) // months) + 1
    start = date(day.year, first_month, 1)
    after = first_month + months
    end = (date(day.year + 1, 1, 1) if after > 12 else date(day.year, after, 1)) - timedelta(days=1)
    return start, end


def period_label(cycle: str, day: date) -> str:
    """ "2024-11" | "2024-Q3" | "2024", as the ladder names periods."""
    if cycle == "monthly":
        return f"{day.year}-{day.month:02d}"
    if cycle == "quarterly":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    period_of(cycle, day)  # raises on an unknown cycle
    return str(day.year)


def next_attestation_due(cycle: str, last_attested: date | None, today: date) -> date:
    """The last day by which the task must next be attested."""
    start, end = period_of(cycle, today)
    if last_attested is not None and start <= last_attested <= end:
        return period_of(cycle, end + timedelta(days=1))[1]
    return end
