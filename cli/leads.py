"""`run.py leads`: confirmed consultation requests, for staff to call back or import."""

from __future__ import annotations

import csv
import io

from core.records import BookingRequest

COLUMNS = ["ref", "created", "name", "contact", "contact_kind", "times", "concerns", "platform", "status"]


def rows(requests: list[BookingRequest]) -> list[dict[str, str]]:
    return [{
        "ref": r.ref,
        "created": r.created_at.isoformat(timespec="minutes"),
        "name": r.name,
        "contact": r.contact,
        "contact_kind": r.contact_kind,
        "times": r.times,
        "concerns": ", ".join([*r.concerns, r.other] if r.other else r.concerns),
        "platform": r.platform,
        "status": r.status,
    } for r in requests]


def as_csv(table: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(table)
    return buffer.getvalue()


def as_text(table: list[dict[str, str]]) -> str:
    if not table:
        return "No consultation requests in this period."
    return "\n".join(
        f"{row['ref']}  {row['created']}  {row['name']} <{row['contact']}>  times: {row['times']}  wants: {row['concerns'] or '-'}"
        f"  ({row['platform']}, {row['status']})"
        for row in table
    )
