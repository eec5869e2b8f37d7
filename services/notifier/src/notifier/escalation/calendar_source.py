"""The work calendar for scans: the shared loader (`rectify_shared.calendar_store`)."""

from rectify_shared.calendar_store import load_calendar

__all__ = ["load_calendar"]
