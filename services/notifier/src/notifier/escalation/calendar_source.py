"""The work calendar for scans: the shared loader (`rectify_shared.calendar_store`). A scan
loads the whole book (the root's calendar and every org's overrides) and counts each unit's
working days on its own org's calendar (`CalendarBook.zones`)."""

from rectify_shared.calendar_store import CalendarBook, load_book, load_calendar

__all__ = ["CalendarBook", "load_book", "load_calendar"]
