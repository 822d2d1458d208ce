"""The week a run analyses when it is not told: the 7 full days before its scheduled start.

A deployment's run is scheduled for Monday 06:00; its window is the Monday-to-Sunday
before, as calendar days in the schedule's timezone. The scheduled time, not the
clock, decides it, so a late run or a re-run still analyses the week it was meant for.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


class WindowError(ValueError):
    """The window's timezone is unknown or its dates are reversed."""


def zone(name: str) -> ZoneInfo:
    """The IANA timezone `name` (e.g. `Europe/Berlin`), or WindowError."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise WindowError(
            f"unknown timezone {name!r}: use an IANA name like Europe/Berlin"
        ) from exc


def week_before(scheduled: datetime, timezone: str = "UTC") -> tuple[date, date]:
    """The 7 full days before `scheduled`, first and last day inclusive, in `timezone`."""
    day = scheduled.astimezone(zone(timezone)).date()
    return day - WEEK, day - DAY


def analysis_window(
    start: date | None, end: date | None, scheduled: datetime, timezone: str = "UTC"
) -> tuple[date, date]:
    """The given window; one given end makes a 7-day window from it; neither: `week_before`."""
    if start is None and end is None:
        return week_before(scheduled, timezone)
    first = start if start is not None else end - WEEK + DAY
    last = end if end is not None else start + WEEK - DAY
    if last < first:
        raise WindowError(f"end {last} is before start {first}")
    return first, last
