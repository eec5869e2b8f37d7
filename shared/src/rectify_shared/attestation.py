"""Re-attestation of long-term tasks (已完成整改，长期坚持), as pure functions of dates.

A task under a cycle owes one attestation per calendar period (month, quarter or year) — the
periods the notifier's ladder checks (`rectify_shared.periods.last_complete_period`): a period with
no report on the task is a missed attestation the day after it ends. So the next attestation is due
at the end of the current period, or, once the current period is attested, at the end of the next one.
"""

from datetime import date, timedelta

from .periods import CYCLES, period_of
from .periods import Cycle as AttestationCycle

__all__ = ["CYCLES", "AttestationCycle", "next_attestation_due", "period_label"]


def period_label(cycle: str, day: date) -> str:
    """ "2024-11" | "2024-Q3" | "2024", as the ladder names periods."""
    return period_of(cycle, day).label


def next_attestation_due(cycle: str, last_attested: date | None, today: date) -> date:
    """The last day by which the task must next be attested."""
    current = period_of(cycle, today)
    if last_attested is not None and current.start <= last_attested <= current.end:
        return period_of(cycle, current.end + timedelta(days=1)).end
    return current.end
