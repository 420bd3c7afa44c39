"""The daily digest in the staff desk (issue #17, item 8): what needs a person, at a local time, never empty."""

import asyncio
from datetime import UTC, datetime, time, timedelta

import pytest

from core.content import ContentError
from core.desk.digest import digest, next_run, send_daily
from core.settings import DeskSettings
from core.storage.records import Ticket, Unanswered
from tests.conftest import booking_request as request

ZONE = "America/Chicago"
MORNING = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)  # 8:30 CST


def ticket(number, opened, status="open", **fields):
    return Ticket(
        id=number,
        client=f"telegram:{number}",
        platform="telegram",
        chat_id=str(number),
        display_name=f"Client {number}",
        reason="asked",
        opened_at=opened,
        status=status,
        **fields,
    )


def asked(text, at):
    return Unanswered(at=at, conversation="t:1", text=text, kind="fallback")


def test_next_run_is_the_next_local_time_across_daylight_saving():
    assert next_run(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), time(8, 30), ZONE) == MORNING
    assert next_run(MORNING, time(8, 30), ZONE) == MORNING + timedelta(days=1)
    before_dst_ends = datetime(2026, 10, 31, 14, 0, tzinfo=UTC)  # Saturday 9:00 CDT
    assert next_run(before_dst_ends, time(8, 30), ZONE) == datetime(2026, 11, 1, 14, 30, tzinfo=UTC)  # Sunday 8:30 CST


def test_the_digest_has_every_section_with_something_to_say(store, knowledge):
    day = MORNING - timedelta(days=1)
    store.save_booking(request(ref="MN-7", created_at=day + timedelta(hours=3), updated_at=day + timedelta(hours=3)))
    store.save_booking(request(ref="MN-6", created_at=day - timedelta(days=2), updated_at=day - timedelta(days=2)))  # older: not new
    store.save_ticket(ticket(2, day + timedelta(hours=5)))
    store.save_ticket(ticket(1, day - timedelta(days=1), urgent=True))
    store.save_ticket(ticket(3, day, status="claimed"))
    for text in ["do you take insurance", "is it covered by insurance", "do you take insurance", "botox?"]:
        store.log_unanswered(asked(text, day + timedelta(hours=2)))
    store.log_unanswered(asked("an old question", day - timedelta(days=3)))
    warning = ContentError("content/clinic.yaml", 8, "phone", "placeholder not filled in yet", "warning")
    reply = digest(store, day, ZONE, knowledge.classifier.semantic.encoder.encode, [warning])
    text = reply.text
    assert text.startswith("📋 **Daily digest**")
    assert "**New consultation requests (1)**\n- MN-7, Mon 11:30 AM CST: Ann, (501) 555-0147, Saturdays" in text and "MN-6" not in text
    assert "**Open tickets nobody has claimed (2), oldest first**\n- 🚨 #1 Client 1 (telegram)" in text and "#3" not in text
    assert text.index("#1 Client 1") < text.index("#2 Client 2")
    assert "**Most asked, not answered**\n- 3 × do you take insurance (+1 similar)\n- 1 × botox?" in text
    assert "an old question" not in text
    assert "**Content to look at (1)**\n- content/clinic.yaml:8: \\[phone\\] placeholder not filled in yet" in text  # escaped Markdown


def test_empty_sections_are_left_out_and_an_empty_day_sends_nothing(store):
    assert digest(store, MORNING - timedelta(days=1), ZONE, None, []) is None
    store.save_ticket(ticket(1, MORNING - timedelta(hours=3)))
    text = digest(store, MORNING - timedelta(days=1), ZONE, None, []).text
    assert "Open tickets" in text and "consultation" not in text and "Most asked" not in text and "Content" not in text


async def test_the_schedule_sends_at_the_local_time_each_day_and_skips_quiet_days(store):
    now = [datetime(2026, 11, 23, 20, 0, tzinfo=UTC)]
    slept, sent = [], []

    async def sleep(seconds):
        slept.append(seconds)
        if len(slept) > 3:
            raise asyncio.CancelledError
        now[0] += timedelta(seconds=seconds)
        if len(slept) == 2:
            store.save_ticket(ticket(1, now[0] - timedelta(hours=1)))  # something to say on the second day only

    async def send(reply):
        sent.append((now[0], reply.text))

    async def no_warnings():
        return []

    with pytest.raises(asyncio.CancelledError):
        await send_daily(
            store, send, time(8, 30), zone=lambda: ZONE, clock=lambda: now[0], encode=lambda: None, warnings=no_warnings, sleep=sleep
        )
    assert slept[0] == (MORNING - datetime(2026, 11, 23, 20, 0, tzinfo=UTC)).total_seconds()
    assert slept[1:3] == [86400.0, 86400.0]
    assert [when for when, _ in sent] == [MORNING + timedelta(days=1), MORNING + timedelta(days=2)]


def test_digest_time_is_a_setting_checked_for_shape():
    assert DeskSettings(digest_time="08:30").digest_at == time(8, 30)
    assert DeskSettings().digest_at is None
    with pytest.raises(ValueError):
        DeskSettings(digest_time="8.30am")


def test_content_warnings_for_the_digest_are_the_quick_ones(knowledge):
    from core.content.checks import content_warnings
    from tests.conftest import CONTENT

    warnings = content_warnings(CONTENT, knowledge, MORNING.date())
    assert any(w.file == "content/clinic.yaml" and "placeholder" in w.message for w in warnings)
    assert not any("would get" in w.message for w in warnings)  # the routing analysis stays in `check`
