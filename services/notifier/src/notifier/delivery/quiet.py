"""When a message may go out: quiet hours (China time) for what buzzes a phone — SMS, 企业微信
and 钉钉 messages and their group robots — and the retry backoff.

Pure functions of times, tested without a database or a clock.
"""

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from rectify_shared.notification_prefs import URGENT_LEVELS
from rectify_shared.queue import capped_backoff
from rectify_shared.timezone import CHINA_TZ

__all__ = ["QUIET_CHANNELS", "URGENT_LEVELS", "QuietHours", "backoff", "is_urgent", "next_allowed", "parse_quiet_hours"]

#: channels held back during quiet hours (RECTIFY_SMS_QUIET_HOURS), urgent messages excepted
QUIET_CHANNELS = frozenset({"sms", "wecom", "dingtalk", "wecom_bot", "ding_bot"})

BACKOFF_BASE = timedelta(seconds=10)
BACKOFF_CAP = timedelta(hours=1)

_RNG = random.SystemRandom()
_RANGE = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)\s*$")


@dataclass(frozen=True)
class QuietHours:
    """A daily window in Asia/Shanghai, [start, end); start > end wraps past midnight."""

    start: time
    end: time

    def contains(self, moment: datetime) -> bool:
        t = moment.astimezone(CHINA_TZ).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= t < self.end
        return t >= self.start or t < self.end


def parse_quiet_hours(text: str) -> QuietHours | None:
    """ "22:00-07:00" -> the window; "" (or an empty window like "08:00-08:00") -> None."""
    if not text.strip():
        return None
    m = _RANGE.match(text)
    if m is None:
        raise ValueError(f"quiet hours must look like 22:00-07:00, got {text!r}")
    start, end = time(int(m[1]), int(m[2])), time(int(m[3]), int(m[4]))
    return None if start == end else QuietHours(start, end)


def next_allowed(now: datetime, quiet: QuietHours | None, *, urgent: bool = False) -> datetime:
    """`now` when a message may go out now, else the end of the current quiet window (UTC)."""
    if quiet is None or urgent or not quiet.contains(now):
        return now
    local = now.astimezone(CHINA_TZ)
    end = datetime.combine(local.date(), quiet.end, tzinfo=CHINA_TZ)
    if end <= local:  # in the evening part of an overnight window: it ends tomorrow
        end += timedelta(days=1)
    return end.astimezone(UTC)


def is_urgent(level: str | None) -> bool:
    return level in URGENT_LEVELS


def backoff(
    attempts: int,
    rng: random.Random | None = None,
    *,
    base: timedelta = BACKOFF_BASE,
    cap: timedelta = BACKOFF_CAP,
) -> timedelta:
    """Full jitter: uniform in [0, min(cap, base * 2^(attempts-1))] after the `attempts`-th failure.

    `base` and `cap` come from settings (`RECTIFY_DELIVERY_BACKOFF_BASE_SECONDS` / `_CAP_SECONDS`)."""
    ceiling = capped_backoff(attempts, base.total_seconds(), cap.total_seconds())
    return timedelta(seconds=(rng or _RNG).uniform(0, ceiling))
