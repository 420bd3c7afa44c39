"""Exports staff open in spreadsheets: client text never runs as a formula, times are the clinic's."""

import csv
import io
from datetime import UTC, datetime

from cli import leads
from cli.spreadsheet import as_csv, local_time
from tests.conftest import booking_request as request


def test_client_text_starting_like_a_formula_is_neutralised():
    table = leads.rows([request(name='=HYPERLINK("http://x","click")', times="+1 anytime", other="@sum", concerns=[])], "America/Chicago")
    [row] = list(csv.DictReader(io.StringIO(leads.as_csv(table))))
    assert row["name"].startswith("'=") and row["times"] == "'+1 anytime" and row["concerns"] == "'@sum"
    assert row["ref"] == "MN-1"  # ordinary cells are untouched


def test_times_are_in_the_clinics_zone_with_the_zone_named():
    [row] = leads.rows([request()], "America/Chicago")
    assert row["created"] == "2026-11-24 09:00 CST"
    assert local_time(datetime(2026, 7, 4, 15, 0, tzinfo=UTC), "America/Chicago") == "2026-07-04 10:00 CDT"


def test_other_exports_share_the_protection():
    assert as_csv([{"q": "-1+1", "n": 3}], ["q", "n"]).splitlines()[1] == "'-1+1,3"
