"""Opening hours from clinic.yaml: is the team in now, and if not, when is it back?

Days still holding a TODO placeholder are unknown; then the bot promises nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.content.models import Hours, is_placeholder

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _window(hours: Hours, day: str) -> tuple[time, time] | None | str:
    value = hours.days.get(day, "closed").strip()
    if is_placeholder(value):
        return "unknown"
    if value == "closed":
        return None
    start, end = value.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def is_open(hours: Hours, now: datetime) -> bool | None:
    """True or False, or None when the hours are not filled in."""
    local = now.astimezone(ZoneInfo(hours.timezone))
    window = _window(hours, DAYS[local.weekday()])
    if window == "unknown":
        return None
    return window is not None and window[0] <= local.time() < window[1]


def next_opening(hours: Hours, now: datetime) -> datetime | None:
    """The next time the team is in, in the clinic's time zone; None if unknown."""
    local = now.astimezone(ZoneInfo(hours.timezone))
    for offset in range(8):
        day = local + timedelta(days=offset)
        window = _window(hours, DAYS[day.weekday()])
        if window == "unknown":
            return None
        if window is None:
            continue
        opening = day.replace(hour=window[0].hour, minute=window[0].minute, second=0, microsecond=0)
        if opening > local:
            return opening
    return None
