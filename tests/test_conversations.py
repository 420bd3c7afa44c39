"""Whole conversations that used to go wrong (issue 13), driven through Core.handle as a client
and staff would have them: safety during a ticket, typed answers to booking steps, questions
mid-booking, withdrawing a request, flood control at human speed, and the order of replies."""

import asyncio
from datetime import timedelta

from core.conversation.engine import Core
from core.events import ReplyKind
from core.outbox import LogOutbox
from core.settings import CoreOptions
from tests.conftest import NOW, button_event, press, say, staff, text_event, ticking, to_client, to_desk

ON_CALL = "On call tonight: Dana, (501) 555-0199"


def prompt_field(replies):
    return next((r.prompt.field for r in replies if r.prompt), None)


def actions(reply):
    return [b.action for b in reply.buttons]


async def to_consent(core, chat="c1"):
    await press(core, "book", chat)
    await say(core, "Ann Lee", chat)
    await say(core, "(501) 555-0147", chat)
    await press(core, "book:time:weekday-morning", chat)
    await press(core, "book:concern:pores", chat)
    assert prompt_field(await press(core, "book:concerns-done", chat)) == "consent"


# -- 1. safety while a ticket is open ------------------------------------------------------------


async def test_a_complication_during_a_ticket_gets_the_urgent_reply_flags_it_and_is_still_relayed(knowledge, store, library):
    outbox = LogOutbox()
    core = Core(knowledge, store, outbox, CoreOptions(on_call=ON_CALL), clock=ticking())
    await say(core, "/human")
    [urgent] = await say(core, "my face is swollen and there is pus")
    assert urgent.kind is ReplyKind.URGENT and urgent.buttons == ()  # already with the team: no "talk to our team"
    assert "911" in urgent.text and "TODO" not in urgent.text
    [ticket] = store.tickets()
    assert ticket.urgent and ticket.status == "open"
    relayed, alert = to_desk(outbox)[-2:]
    assert relayed == "**Ann:** my face is swollen and there is pus"
    assert "URGENT" in alert and "#1" in alert and ON_CALL in alert
    [again] = await say(core, "it's getting worse, my face is swollen")
    assert again.kind is ReplyKind.URGENT
    assert to_desk(outbox)[-1] == "**Ann:** it's getting worse, my face is swollen"  # relayed; on-call was alerted once
    assert await say(core, "thanks, calling now") == []


# -- 2 and 3. typed answers at steps with buttons; the flow's own answers come first -------------


async def test_yes_typed_at_the_consent_step_is_a_yes(core, library):
    await to_consent(core)
    [reask] = await say(core, "maybe")
    assert reask.text == library.messages.booking_flow.need_text and reask.prompt.field == "consent"
    [summary] = await say(core, "yes")
    assert summary.prompt.field == "summary" and "- **May contact:** Yes, contact me" in summary.text


async def test_yes_contact_me_is_consent_not_a_request_for_a_person(core, store, outbox):
    await to_consent(core)
    [summary] = await say(core, "yes contact me")
    assert summary.prompt.field == "summary"
    assert store.tickets() == [] and list(outbox.sent) == []
    [done] = await say(core, "yes")
    assert "Thank you!" in done.text and len(store.bookings()) == 1


async def test_typed_choices_by_position_label_or_in_own_words(core, store, library):
    await press(core, "book")
    await say(core, "Ann Lee")
    await say(core, "ann@example.com")
    assert prompt_field(await say(core, "the first one")) == "concerns"
    assert store.conversation("test:c1").booking.times == "Weekday mornings"
    assert prompt_field(await say(core, "pores and fine lines")) == "consent"
    assert store.conversation("test:c1").booking.concerns == ["texture-fine-lines", "pores"]
    [reask] = await say(core, "no")
    assert reask.text == library.messages.booking_flow.consent_needed and reask.prompt.field == "consent"
    [summary] = await say(core, "sure")
    assert "Lines & texture, Pores" in summary.text
    assert prompt_field(await say(core, "change the phone number")) == "contact"


async def test_times_in_own_words_are_kept_as_typed_and_a_label_is_that_choice(core, store):
    for chat, typed, kept in (
        ("a", "tuesday morning", "tuesday morning"),
        ("b", "saturdays", "Saturdays"),
        ("c", "2", "Weekday afternoons"),
    ):
        await press(core, "book", chat)
        await say(core, "Ann Lee", chat)
        await say(core, "501 555 0147", chat)
        assert prompt_field(await say(core, typed, chat)) == "concerns"
        assert store.conversation(f"test:{chat}").booking.times == kept


async def test_asking_for_a_person_mid_booking_pauses_it_until_staff_close(core, store, outbox, library):
    await press(core, "book")
    replies = await say(core, "I want to talk to a person")
    assert [r.kind for r in replies] == [ReplyKind.HUMAN]  # no "continue booking" whose buttons would go to staff
    await core.handle(staff("/close"))
    closed = to_client(outbox)[-1]
    assert closed.startswith(library.messages.handoff.closed) and library.messages.booking_flow.continue_offer in closed
    [(_, reply)] = [(a, r) for a, r in outbox.sent if a.platform == "test"]
    assert actions(reply) == ["book:resume", "book:cancel"]
    assert prompt_field(await press(core, "book:resume")) == "name"


# -- 4 and 5. questions mid-booking are answered, never stored ------------------------------------


async def test_a_question_at_the_name_step_is_answered_not_saved_as_the_name(core, store, library):
    await press(core, "book")
    answer, offer = await say(core, "wait, is there any downtime?")
    assert answer.topic == "downtime"
    await press(core, "book:resume")
    fact, offer = await say(core, "hmm how much is it")
    assert fact.kind is ReplyKind.CLINIC and offer.text == library.messages.booking_flow.continue_offer
    assert store.conversation("test:c1").booking.name == ""


async def test_names_look_like_names(core, store, library):
    await press(core, "book")
    for bad in ("!!!", "🙂🙂", "ann@example.com", "A" * 81):
        [reask] = await say(core, bad)
        assert reask.prompt.field == "name" and reask.text in (
            library.messages.booking_flow.bad_name,
            "That's a bit long: please keep it under 80 characters.",
        )
    assert store.conversation("test:c1").booking.name == ""
    assert prompt_field(await say(core, "Mary-Jane O'Neil")) == "contact"
    assert store.conversation("test:c1").booking.name == "Mary-Jane O'Neil"


async def test_an_unsure_question_at_a_buttons_step_gets_did_you_mean_then_the_flow(core, library):
    await to_consent(core)
    clarify, offer = await say(core, "weeks?")
    assert clarify.kind is ReplyKind.CLARIFY and actions(offer) == ["book:resume", "book:cancel"]
    assert prompt_field(await press(core, "book:resume")) == "consent"


# -- 6. how the contact and the client's choices read ------------------------------------------


async def test_bad_phone_re_ask_is_one_message_and_contacts_read_the_us_way(core, store, outbox, library):
    await press(core, "book")
    await say(core, "Ann Lee")
    [reask] = await say(core, "501 555")
    assert reask.text == library.messages.booking_flow.bad_contact and "Thanks" not in reask.text and reask.prompt.field == "contact"
    await say(core, "+1 501 555 0147")
    await press(core, "book:time:any")
    await press(core, "book:concern:pores")
    await press(core, "book:concerns-done")
    [summary] = await press(core, "book:consent:yes")
    assert "- **Contact:** (501) 555-0147" in summary.text
    await press(core, "book:confirm")
    [(_, card)] = outbox.sent
    assert "- Contact: (501) 555-0147 (phone)" in card.text
    assert store.bookings()[0].contact == "+15015550147"  # stored in full, shown as people write it


async def test_staff_cards_show_what_the_client_chose_in_words(core, outbox):
    await press(core, "book")
    await say(core, "Ann Lee")
    await say(core, "501 555 0147")
    await press(core, "book:time:weekday-evening")
    await press(core, "book:concern:pores")
    await press(core, "human")
    card = to_desk(outbox)[0]
    assert "- \\[tapped: Weekday evenings\\]" in card and "- \\[tapped: Pores\\]" in card
    assert "book:" not in card
    await press(core, "book:concern:firmness")
    assert to_desk(outbox)[-1] == "**Ann:** \\[tapped: Firmness\\]"


# -- 7. withdrawing a request that was sent ---------------------------------------------------


async def test_cancel_on_an_old_summary_lets_the_client_withdraw_and_staff_see_it(core, store, outbox, library):
    await to_consent(core)
    await say(core, "yes")
    await press(core, "book:confirm")
    ref = store.bookings()[0].ref
    [offer] = await press(core, "book:cancel")  # the Cancel button of the summary above
    assert ref in offer.text and "book:withdraw" in actions(offer)
    [withdrawn] = await press(core, "book:withdraw")
    assert withdrawn.text == library.fill(library.messages.booking_flow.withdrawn, ref=ref)
    [request] = store.bookings()
    assert request.ref == ref and request.status == "withdrawn"
    notice = outbox.sent[-1][1].text
    assert outbox.sent[-1][0].platform == "desk" and ref in notice and "withdrawn" in notice
    [claimed] = await core.handle(staff(action=f"lead:claim:{ref}", thread=None))
    assert "withdrawn" in claimed.text and store.bookings()[0].status == "withdrawn"
    assert prompt_field(await press(core, "book")) == "name"  # free to book again
    stale, offer = await press(core, "book:withdraw")  # an old button: nothing left to withdraw
    assert stale.text.startswith(library.messages.stale_button) and actions(offer) == ["book:resume", "book:cancel"]


async def test_typing_cancel_right_after_sending_offers_to_withdraw(knowledge, store, outbox, library):
    now = [NOW]
    core = Core(knowledge, store, outbox, clock=lambda: now[0])
    await to_consent(core)
    await say(core, "yes")
    await press(core, "book:confirm")
    for typed in ("cancel", "/cancel"):
        [offer] = await say(core, typed)
        assert actions(offer) == ["book:update", "book:withdraw", "menu"] and store.tickets() == []
    now[0] += timedelta(days=2)
    [stale] = await press(core, "book:cancel")  # a summary from days ago: nothing to start or cancel
    assert stale.text.startswith(library.messages.stale_button) and store.conversation("test:c1").booking is None
    [nothing] = await say(core, "/cancel")
    assert nothing.text == library.messages.nothing_to_cancel


# -- 8. flood control at human speed -----------------------------------------------------------


def clock_at(offsets):
    """A clock read once per message, at the given seconds after NOW."""
    readings = iter(offsets)
    return lambda: NOW + timedelta(seconds=next(readings))


async def test_a_brisk_booking_and_menu_browsing_are_never_told_to_slow_down(knowledge, store, outbox, library):
    steps = [
        ("tap", "book"),
        ("type", "Ann Lee"),
        ("type", "501 555 0147"),
        ("tap", "book:time:weekday-morning"),
        *[("tap", f"book:concern:{c}") for c in ("pores", "firmness", "sun-damage", "texture-fine-lines", "scars-stretch-marks")],
        ("tap", "book:concerns-done"),
        ("tap", "book:consent:yes"),
        ("tap", "book:confirm"),
    ]
    browse = [("tap", a) for a in ["menu", "menu:benefits", "faq:pores", "menu", "menu:aftercare", "faq:aftercare-cleansing"] * 6]
    # typing takes a few seconds, a tap about one; the concern toggles come twice a second
    times, t = [], 0.0
    for kind, action in steps + browse:
        t += 3.0 if kind == "type" else 0.5 if "concern:" in action else 0.8
        times.append(t)
    core = Core(knowledge, store, outbox, clock=clock_at(times))
    for kind, value in steps + browse:
        replies = await (say(core, value) if kind == "type" else press(core, value))
        assert replies and library.messages.slow_down not in [r.text for r in replies], (kind, value)
    assert len(store.bookings()) == 1


async def test_a_script_sending_hundreds_gets_one_warning_then_silence(knowledge, store, outbox, library):
    core = Core(knowledge, store, outbox, clock=clock_at([0.01 * n for n in range(600)]))
    taps = [await press(core, "menu:benefits") for _ in range(300)]
    typed = [await say(core, "pores", chat="c2") for _ in range(300)]
    for replies, allowed in ((taps, 24), (typed, 8)):
        warned = [r for r in replies if r and r[0].text == library.messages.slow_down]
        answered = [r for r in replies if r and r[0].text != library.messages.slow_down]
        assert len(answered) == allowed and len(warned) == 1 and replies[allowed] == warned[0]
        assert all(r == [] for r in replies[allowed + 1 :])


# -- 9. replies reach a client in the order of the turns --------------------------------------


class GatedOutbox(LogOutbox):
    """A desk that answers only when the test says so, like a slow network."""

    def __init__(self, log):
        super().__init__()
        self.open = asyncio.Event()
        self.log = log

    async def send(self, address, reply):
        await self.open.wait()
        self.log.append(("desk", reply.text.splitlines()[0]))
        await super().send(address, reply)


async def settle():
    """Let every task run until it waits on something only the test can release."""
    for _ in range(100):
        await asyncio.sleep(0)


def in_memory(store):
    """Commit without a thread hop, so the tasks of a test interleave the same way every run."""

    async def commit():
        return None

    store.commit = commit


async def test_a_double_tapped_confirm_is_answered_in_the_order_of_the_taps(knowledge, store):
    log = []
    outbox = GatedOutbox(log)
    outbox.open.set()
    core = Core(knowledge, store, outbox, clock=ticking())
    await to_consent(core)
    await press(core, "book:consent:yes")
    in_memory(store)
    outbox.open.clear()

    async def adapter(event):
        """What Telegram and Discord do today: send what handle returns."""
        for reply in await core.handle(event):
            log.append(("client", reply.text))

    taps = [asyncio.create_task(adapter(button_event("book:confirm"))) for _ in range(2)]
    await settle()  # the first confirm waits for the desk to take the lead card
    outbox.open.set()
    await asyncio.gather(*taps)
    client = [text for who, text in log if who == "client"]
    assert client[0].startswith("Thank you!") and client[1].startswith("You already sent us a request")
    assert len(store.bookings()) == 1


async def test_the_client_hears_before_the_desk_and_turns_never_overtake(knowledge, store):
    log = []
    outbox = GatedOutbox(log)
    core = Core(knowledge, store, outbox, clock=ticking())
    in_memory(store)

    async def deliver(replies):
        log.extend(("client", r.kind.value) for r in replies)

    urgent = asyncio.create_task(core.handle(text_event("my face is swollen and there is pus"), deliver))
    await settle()
    assert log == [("client", "urgent"), ("client", "human")]  # before the desk has even opened the ticket
    later = asyncio.create_task(core.handle(text_event("I'm calling the clinic now"), deliver))
    await settle()
    assert len(log) == 2  # the next turn waits for this one's desk messages
    outbox.open.set()
    await asyncio.gather(urgent, later)
    assert log[2][0] == "desk" and "URGENT" in log[2][1] and log[-1] == ("desk", "**Ann:** I'm calling the clinic now")
    assert len(core.order) == 0


async def test_a_staff_message_waits_for_the_clients_turn(knowledge, store):
    log = []
    outbox = LogOutbox()
    core = Core(knowledge, store, outbox, clock=ticking())
    await press(core, "human")
    in_memory(store)
    release = asyncio.Event()

    async def slow_deliver(replies):
        log.append("client turn delivering")
        await release.wait()
        log.append("client turn delivered")

    turn = asyncio.create_task(core.handle(button_event("faq:pores"), slow_deliver))
    await settle()
    staff_reply = asyncio.create_task(core.handle(staff("Hi Ann!")))
    await settle()
    assert to_client(outbox) == []  # waits behind the client's turn
    release.set()
    await asyncio.gather(turn, staff_reply)
    assert log == ["client turn delivering", "client turn delivered"] and to_client(outbox) == ["**Dana (Clinic team):** Hi Ann!"]
