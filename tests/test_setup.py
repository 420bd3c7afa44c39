"""`medspa setup`: the clinic's details asked, checked and written with clinic.yaml's comments kept (issue #17, item 7)."""

import pytest

from cli.setup import Invalid, hours, phone, setup
from core.content import load_library
from core.content.checks import check
from tests.conftest import TODAY


def answering(*answers):
    queue = list(answers)

    def ask(prompt):
        if not queue:
            raise EOFError
        return queue.pop(0)

    return ask


def test_answers_are_checked_and_written_keeping_comments(content):
    said = []
    before = (content / "clinic.yaml").read_text()
    answers = [
        "501-555-01",
        "501 555 0147",
        "9 Main St, Little Rock, AR 72201",
        "9-5",
        "9am-5:30pm",
        "10 to 2",
        "9-5",
        "25-3",
        "9-5",
        "closed",
        "Closed",
        "Microneedling starts at $300 a session.",
        "within one business day",
    ]
    assert setup(content, answering(*answers), said.append) == 0
    after = (content / "clinic.yaml").read_text()
    assert [line for line in before.splitlines() if line.startswith("#")] == [line for line in after.splitlines() if line.startswith("#")]
    assert "# How soon the team calls back" in after and 'phone: "(501) 555-0147"' in after
    clinic = load_library(content).clinic
    assert clinic.hours.days["tuesday"] == "09:00-17:30" and clinic.hours.days["wednesday"] == "10:00-14:00"
    assert clinic.address == "9 Main St, Little Rock, AR 72201" and clinic.hours.describe().startswith("- Monday: 9:00 AM to 5:00 PM")
    assert any("not a phone number" in s for s in said) and any("not a time of day" in s for s in said)
    assert not [p for p in check(content, TODAY) if "placeholder not filled in" in p.message]  # placeholders gone


def test_enter_keeps_a_value_and_the_rest_is_listed(content):
    said = []
    assert setup(content, answering("(501) 555-0100", *[""] * 11), said.append) == 0
    clinic = load_library(content).clinic
    assert clinic.phone == "(501) 555-0100" and clinic.address.startswith("TODO")
    assert "address" in said[-1] and "phone" not in said[-1]


def test_stopping_saves_nothing(content):
    before = (content / "clinic.yaml").read_text()
    assert setup(content, answering("(501) 555-0100"), lambda _: None) == 1
    assert (content / "clinic.yaml").read_text() == before


def test_validation_rules():
    assert phone("5015550147") == "(501) 555-0147"
    assert hours("9:30 am - 5:30 pm") == "09:30-17:30" and hours("08:00-20:00") == "08:00-20:00"
    for bad in ("sometimes", "9-9am", "13pm-5pm"):
        with pytest.raises(Invalid):
            hours(bad)
