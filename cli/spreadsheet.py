"""Exports that staff open in Excel or Google Sheets.

A cell a client typed that starts with `=`, `+`, `-` or `@` is run as a formula
by spreadsheet programs (CSV injection: `=HYPERLINK(...)` in a name field). Such
cells get a leading apostrophe, which the programs show as plain text. Times are
shown in the clinic's own time zone, with the zone named, since staff call back
in local time.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def as_csv(table: list[dict], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in table)
    return buffer.getvalue()


def local_time(moment: datetime | None, zone: str) -> str:
    """ "2026-11-24 09:00 CST": the clinic's wall clock, with its zone."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z") if moment else ""
