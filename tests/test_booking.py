"""The booking flow in the core: every step, bad input, restarts, expiry and exactly-once."""

from datetime import timedelta

from core.conversation.engine import Core
from core.events import Event, ReplyKind
from core.settings import CoreOptions
from core.storage.store import Store
from tests.conftest import NOW, booking_request, press, say, ticking


def prompt_field(replies):
    return next((r.prompt.field for r in replies if r.prompt), None)


async def book_until_summary(core, chat="c1"):
    assert prompt_field(await press(core, "book", chat)) == "name"
    assert prompt_field(await say(core, "Ann Lee", chat)) == "contact"
    assert prompt_field(await say(core, "(501) 555-0123", chat)) == "times"
    assert prompt_field(await press(core, "book:time:weekday-morning", chat)) == "concerns"
    await press(core, "book:concern:pores", chat)
    replies = await press(core, "book:concern:scars-stretch-marks", chat)
    assert replies[0].prompt.selected == ("book:concern:pores", "book:concern:scars-stretch-marks")
    assert [(b.label, b.checked) for b in replies[0].buttons][:2] == [("Lines & texture", False), ("Scars & stretch marks", True)]
    assert prompt_field(await press(core, "book:concerns-done", chat)) == "consent"
    return await press(core, "book:consent:yes", chat)


async def test_the_whole_flow_stores_one_request_and_tells_client_and_staff(core, store, outbox, library):
    [summary] = await book_until_summary(core)
    assert summary.prompt.field == "summary"
    assert "- **Name:** Ann Lee" in summary.text and "- **Contact:** (501) 555-0123" in summary.text
    assert "Weekday mornings" in summary.text and "Pores, Scars & stretch marks" in summary.text
    assert [b.action for b in summary.buttons] == [
        "book:confirm",
        "book:edit:name",
        "book:edit:contact",
        "book:edit:times",
        "book:edit:concerns",
        "book:cancel",
    ]
    [done] = await press(core, "book:confirm")
    [request] = store.bookings()
    assert request.ref in done.text and "TODO" not in done.text  # the phone and call-back time are still placeholders
    assert (request.name, request.contact, request.contact_kind, request.times) == ("Ann Lee", "+15015550123", "phone", "Weekday mornings")
    assert request.concerns == ["Pores", "Scars & stretch marks"] and request.consent
    [(address, card)] = outbox.sent
    assert address.platform == "desk" and request.ref in card.text and "Ann Lee" in card.text
    assert [b.action for b in card.buttons] == [f"lead:claim:{request.ref}", f"lead:contacted:{request.ref}"]


async def test_double_tapped_confirm_and_redelivery_create_one_request(core, store):
    await book_until_summary(core)
    await press(core, "book:confirm")
    [again] = await press(core, "book:confirm")
    assert len(store.bookings()) == 1
    assert store.bookings()[0].ref in again.text and "already" in again.text
    assert [b.action for b in again.buttons] == ["book:update", "book:withdraw", "menu"]


async def test_a_second_request_within_a_day_is_recognised_and_can_update(core, store):
    await book_until_summary(core)
    await press(core, "book:confirm")
    ref = store.bookings()[0].ref
    [already] = await say(core, "I want to book a consultation")
    assert ref in already.text
    assert prompt_field(await press(core, "book:update")) == "name"
    await say(core, "Ann B. Lee")
    await say(core, "ann@example.com")
    await press(core, "book:time:any")
    await press(core, "book:concerns-done")
    await press(core, "book:consent:yes")
    await press(core, "book:confirm")
    [request] = store.bookings()
    assert (request.ref, request.name, request.contact, request.contact_kind) == (ref, "Ann B. Lee", "ann@example.com", "email")


async def test_bad_contact_is_re_asked_with_an_example_and_nothing_is_lost(core, store, library):
    await press(core, "book")
    await say(core, "Ann")
    for bad in ("12345", "soon", "ann@", "+1 555 0000000"):
        [reask] = await say(core, bad)
        assert reask.text == library.messages.booking_flow.bad_contact and reask.prompt.field == "contact"
    assert store.conversation("test:c1").booking.name == "Ann"


async def test_overlong_fields_are_refused_with_the_limit(core, store):
    await press(core, "book")
    [reask] = await say(core, "A" * 81)
    assert "80 characters" in reask.text and reask.prompt.field == "name"
    await say(core, "Ann")
    await say(core, "501 555 0123")
    [reask] = await say(core, "x" * 201)
    assert "200 characters" in reask.text and reask.prompt.field == "times"
    assert store.conversation("test:c1").booking.contact == "+15015550123"


async def test_edit_one_field_from_the_summary(core, store):
    await book_until_summary(core)
    assert prompt_field(await press(core, "book:edit:times")) == "times"
    [summary] = await say(core, "Tuesday after 3pm")
    assert summary.prompt.field == "summary" and "Tuesday after 3pm" in summary.text


async def test_cancel_works_at_every_step(core, store, library):
    for step_actions in ([], ["Ann"], ["Ann", "501 555 0123"]):
        await press(core, "book")
        for text in step_actions:
            await say(core, text)
        for word in ("cancel",):
            [reply] = await say(core, word)
            assert reply.text == library.messages.booking_flow.cancelled
    await press(core, "book")
    [reply] = await say(core, "/cancel")
    assert reply.text == library.messages.booking_flow.cancelled
    assert store.conversation("test:c1").booking is None and store.bookings() == []


async def test_consent_is_required(core, library):
    await press(core, "book")
    await say(core, "Ann")
    await say(core, "501 555 0123")
    await press(core, "book:time:any")
    await press(core, "book:concerns-done")
    [reask] = await press(core, "book:consent:no")
    assert reask.text == library.messages.booking_flow.consent_needed and reask.prompt.field == "consent"


async def test_restart_mid_flow_resumes_where_the_client_was(knowledge, tmp_path, outbox):
    store = Store(tmp_path / "d", fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    await press(core, "book")
    await say(core, "Ann")
    await store.aclose()
    store = Store(tmp_path / "d", fsync=False)
    restarted = Core(knowledge, store, outbox, clock=lambda: NOW + timedelta(hours=1))
    assert prompt_field(await say(restarted, "ann@example.com")) == "times"
    await store.aclose()


async def test_abandoned_flows_expire(knowledge, store, outbox, library):
    now = [NOW]
    core = Core(knowledge, store, outbox, CoreOptions(booking_timeout=timedelta(hours=24)), clock=lambda: now[0])
    await press(core, "book")
    await say(core, "Ann")
    now[0] = NOW + timedelta(hours=25)
    replies = await say(core, "pores")
    assert replies[0].text == library.messages.booking_flow.expired and replies[1].topic == "pores"
    assert store.conversation("test:c1").booking is None


async def test_a_question_mid_flow_is_answered_then_the_flow_is_offered(core, library):
    await press(core, "book")
    answer, offer = await say(core, "wait, is there any downtime?")
    assert answer.topic == "downtime" and [b.action for b in offer.buttons] == ["book:resume", "book:cancel"]
    assert prompt_field(await press(core, "book:resume")) == "name"
    answer, offer = await press(core, "faq:pores")
    assert answer.topic == "pores" and offer.text == library.messages.booking_flow.continue_offer


async def test_safety_triage_still_runs_mid_flow(core):
    await press(core, "book")
    urgent, *_ = await say(core, "my face is swollen and there's pus")
    assert urgent.kind is ReplyKind.URGENT


async def test_form_answers_several_fields_at_once(core, store):
    await press(core, "book")
    [reply] = await core.handle(
        Event(platform="test", chat_id="c1", user_id="c1", form={"name": "Ann", "contact": "ann@example.com", "times": "Mondays"})
    )
    assert reply.prompt.field == "concerns"
    [reply] = await core.handle(Event(platform="test", chat_id="c1", user_id="c1", form={"concerns": "pores|firmness|bogus"}))
    assert store.conversation("test:c1").booking.concerns == ["pores", "firmness"]
    [reask] = await core.handle(Event(platform="test", chat_id="c1", user_id="c1", form={"contact": "nope"}))
    assert reask.prompt.field == "contact"


async def test_stale_booking_buttons(core, library):
    [reply] = await press(core, "book:confirm")
    assert reply.text.startswith(library.messages.stale_button)


def test_leads_command_lists_requests_as_text_and_csv(tmp_path, medspa):
    store = Store(tmp_path / "data", fsync=False)
    request = booking_request(
        ref="MN-AAAA-BBBB",
        conversation="telegram:1",
        name="Ann, Lee",
        contact="+15015550123",
        times="Mondays",
        created_at=NOW,
        updated_at=NOW,
    )
    store.save_booking(request)
    store.save_booking(request)  # saved twice, listed once
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\ndir = "{tmp_path / "data"}"\n')

    def run(*a):
        return medspa("--config", config, "leads", *a)

    text = run()
    assert text.returncode == 0 and text.stdout.count("MN-AAAA-BBBB") == 1 and "Ann, Lee <(501) 555-0123>" in text.stdout
    csv_lines = run("--csv").stdout.splitlines()
    assert csv_lines[0] == "ref,created,name,contact,contact_kind,times,concerns,platform,status"
    assert csv_lines[1].startswith('MN-AAAA-BBBB,2026-11-24 15:00 UTC,"Ann, Lee",(501) 555-0123,phone,Mondays,Pores,telegram,new')
