"""`run.py leads`: confirmed consultation requests, for staff to call back or import."""

from __future__ import annotations

from cli.spreadsheet import as_csv as spreadsheet_csv
from cli.spreadsheet import local_time
from core.conversation.answers import show_contact
from core.storage.records import BookingRequest

COLUMNS = ["ref", "created", "name", "contact", "contact_kind", "times", "concerns", "platform", "status"]


def rows(requests: list[BookingRequest], zone: str) -> list[dict[str, str]]:
    """One row per request, times in the clinic's zone (``zone``, from clinic.yaml)."""
    return [
        {
            "ref": r.ref,
            "created": local_time(r.created_at, zone),
            "name": r.name,
            "contact": show_contact(r.contact, r.contact_kind),
            "contact_kind": r.contact_kind,
            "times": r.times,
            "concerns": ", ".join([*r.concerns, r.other] if r.other else r.concerns),
            "platform": r.platform,
            "status": r.status,
        }
        for r in requests
    ]


def as_csv(table: list[dict[str, str]]) -> str:
    return spreadsheet_csv(table, COLUMNS)


def as_text(table: list[dict[str, str]]) -> str:
    if not table:
        return "No consultation requests in this period."
    return "\n".join(
        f"{row['ref']}  {row['created']}  {row['name']} <{row['contact']}>  times: {row['times']}  wants: {row['concerns'] or '-'}"
        f"  ({row['platform']}, {row['status']})"
        for row in table
    )
