"""Content as clients meet it (issue 13, items 10-12): no placeholder ever reaches a client,
answers fill in clinic details, and live reload refuses exactly what `check` rejects."""

import logging

import pytest

from cli.serve import warn_unfilled
from core.content import load_library
from core.content.checks import check
from core.content.reload import ContentReloader
from core.conversation.engine import Core
from core.events import ReplyKind
from core.outbox import LogOutbox
from core.understanding.knowledge import Knowledge
from tests.conftest import TODAY, edit, line_of, press, say, ticking

PHONE = 'phone: "TODO: clinic phone number, e.g. (501) 555-0100"'
CALLBACK = 'callback_time: "TODO: e.g. within one business day"'
ADDRESS = 'address: "TODO: street address"'
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def core_on(content, store, outbox=None):
    return Core(Knowledge(load_library(content)), store, outbox or LogOutbox(), clock=ticking())


def desk_texts(outbox):
    return [r.text for a, r in outbox.sent if a.platform == "desk"]


# -- 10. no TODO reaches a client ---------------------------------------------------------------


async def test_urgent_reply_names_the_phone_only_once_it_is_filled_in_and_always_911(content, store):
    [urgent, _] = await say(core_on(content, store), "my face is swollen and there is pus")
    assert "TODO" not in urgent.text and "{" not in urgent.text and "911" in urgent.text and "Please call" not in urgent.text
    edit(content / "clinic.yaml", PHONE, 'phone: "(501) 555-0100"')
    [urgent, _] = await say(core_on(content, store), "my face is swollen and there is pus", chat="c2")
    assert "**Please call Doctors Med Spa now at (501) 555-0100.**" in urgent.text and "911" in urgent.text


async def test_booking_confirmation_leaves_out_an_unfilled_call_back_time(content, store):
    edit(content / "clinic.yaml", PHONE, 'phone: "(501) 555-0100"')
    core = core_on(content, store)
    await press(core, "book")
    for typed in ("Ann Lee", "ann@example.com", "any time", "pores", "yes"):
        await say(core, typed)
    [done] = await say(core, "confirm")
    assert "TODO" not in done.text and "call back" not in done.text and "If you need us sooner, call (501) 555-0100." in done.text


async def test_after_hours_notice_without_a_phone_number(content, store):
    for day in WEEKDAYS:
        edit(content / "clinic.yaml", f'{day}: "TODO: e.g. 09:00-17:00"', f'{day}: "09:00-17:00"')
    for day in ("saturday", "sunday"):
        edit(content / "clinic.yaml", f'{day}: "TODO: e.g. closed"', f'{day}: "closed"')
    from datetime import UTC, datetime

    core = Core(Knowledge(load_library(content)), store, LogOutbox(), clock=lambda: datetime(2026, 11, 28, 23, 0, tzinfo=UTC))
    opened, away = await press(core, "human")
    assert "**Monday 9:00 AM**" in away.text and "TODO" not in away.text and "call" not in away.text


async def test_a_topic_still_a_placeholder_is_never_offered(content, store, library):
    topic = content / "topics" / "texture-fine-lines.md"
    body = topic.read_text().split("---\n")[-1]
    topic.write_text(topic.read_text().replace(body, "TODO: write the answer about lines and texture\n"))
    core = core_on(content, store)
    [section] = await press(core, "menu:benefits")
    assert "faq:texture-fine-lines" not in [b.action for b in section.buttons] and "faq:pores" in [b.action for b in section.buttons]
    [answer] = await say(core, "do big pores get smaller")
    assert answer.topic == "pores" and "faq:texture-fine-lines" not in [b.action for b in answer.buttons]
    [stale] = await press(core, "faq:texture-fine-lines")
    assert stale.text.startswith(library.messages.stale_button)
    [unfinished] = await say(core, "does microneedling help with wrinkles and fine lines")
    assert unfinished.kind is ReplyKind.FALLBACK and "TODO" not in unfinished.text
    assert unfinished.text == library.messages.clinic.unknown
    assert [u.closest_topic for u in store.unanswered()] == ["texture-fine-lines"]  # staff see what is missing


def test_serve_warns_at_start_about_every_unfilled_placeholder(content, caplog):
    edit(content / "topics" / "pores.md", "Microneedling helps", "TODO: say how microneedling helps")
    with caplog.at_level(logging.WARNING, logger="cli.serve"):
        warn_unfilled(content, load_library(content))
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    for named in ("clinic.yaml", "phone", "address", "prices", "callback_time", "hours.days.monday", "topics/pores.md"):
        assert named in record.getMessage()


# -- 12. clinic details in answers ----------------------------------------------------------------


async def test_answers_fill_in_clinic_details_and_leave_out_unfilled_ones(content, store):
    edit(content / "clinic.yaml", ADDRESS, 'address: "1 Main Street"')
    edit(
        content / "topics" / "consultation.md",
        "It's also the moment",
        "Consultations take place at {address}.\nCall {phone} to book by phone.\n\nIt's also the moment",
    )
    [answer] = await say(core_on(content, store), "how does the consultation work")
    assert answer.topic == "consultation"
    assert "Consultations take place at 1 Main Street." in answer.text
    assert "{" not in answer.text and "TODO" not in answer.text and "Call" not in answer.text


def test_an_unknown_placeholder_in_an_answer_is_an_error(content):
    topic = content / "topics" / "consultation.md"
    edit(topic, "It's also the moment", "Find us at {adress}. It's also the moment")
    [error] = [p for p in check(content, TODAY) if p.severity == "error"]
    assert (error.file, error.line, error.field) == ("content/topics/consultation.md", line_of(topic, "{adress}"), "body")
    assert "unknown placeholder {adress}" in error.message and "{address}" in error.message


# -- 11. reload uses the same validation as check -------------------------------------------------


@pytest.mark.parametrize(
    "old, new, problem",
    [
        ("Microneedling helps", "# Pores\n\nMicroneedling helps", "heading is not supported"),
        ("Microneedling helps", "[Read more](https://example.com). Microneedling helps", "link is not supported"),
        ("Microneedling helps", "Microneedling helps " + "a lot, " * 300, "longer than Discord's 2000 characters"),
    ],
)
async def test_reload_refuses_what_check_rejects(content, store, old, new, problem):
    outbox = LogOutbox()
    core = core_on(content, store, outbox)
    good = core.knowledge
    edit(content / "topics" / "pores.md", old, new)
    expected = [p for p in check(content, TODAY) if p.severity == "error"]
    errors = await ContentReloader(content).reload(core)
    assert errors == expected and any(problem in e.message for e in errors)
    assert core.knowledge is good
    [notice] = desk_texts(outbox)
    assert "refused" in notice and "content/topics/pores.md" in notice


async def test_staff_are_told_when_a_refused_change_is_fixed(content, store):
    outbox = LogOutbox()
    core = core_on(content, store, outbox)
    reloader = ContentReloader(content)
    edit(content / "topics" / "pores.md", "Microneedling helps", "# Pores\n\nMicroneedling helps")
    assert await reloader.reload_if_changed(core)
    edit(content / "topics" / "pores.md", "# Pores\n\nMicroneedling helps", "Good news: microneedling helps")
    assert await reloader.reload_if_changed(core) == []
    refused, accepted = desk_texts(outbox)
    assert "refused" in refused and "accepted" in accepted
    [answer] = await say(core, "do big pores get smaller")
    assert "Good news: microneedling helps" in answer.text
    assert await reloader.reload_if_changed(core) is None and len(desk_texts(outbox)) == 2
