"""Handoff in the core: tickets, relay both ways, desk commands, restarts, authorisation."""

import shutil
from datetime import UTC, datetime

from core.content import load_library
from core.conversation.engine import Core
from core.events import Event, ReplyKind
from core.outbox import LogOutbox
from core.settings import CoreOptions
from core.storage.store import Store
from core.understanding.knowledge import Knowledge
from tests.conftest import CONTENT, NOW, edit, press, say, staff, ticking, to_client, to_desk


async def test_asking_for_a_person_opens_one_ticket_with_a_card(core, outbox, store):
    await say(core, "downtime??")
    [opened] = await say(core, "can I talk to a real person")
    assert opened.kind is ReplyKind.HUMAN and "ticket **#1**" in opened.text
    [card] = to_desk(outbox)
    assert card.startswith("**Ticket #1**: Ann on test, asked for a person")
    assert "- downtime??" in card and "- can I talk to a real person" in card
    [(_, card_reply)] = outbox.sent
    assert [b.action for b in card_reply.buttons] == ["ticket:claim:1", "ticket:close:1"]
    [ticket] = store.tickets()
    assert (ticket.reason, ticket.status, ticket.desk_thread) == ("asked", "open", "1")


async def test_reason_follows_the_offer_that_was_accepted(core, store):
    await say(core, "do you do botox", chat="f")
    await press(core, "human", chat="f")
    await say(core, "I'm pregnant, is it ok?", chat="m")
    await press(core, "human", chat="m")
    assert [(t.client, t.reason) for t in store.tickets()] == [("test:f", "fallback"), ("test:m", "medical")]


async def test_while_open_the_client_is_relayed_not_answered(core, outbox):
    await press(core, "human")
    assert await say(core, "could someone call me back after 5?") == []
    assert await core.handle(Event(platform="test", chat_id="c1", user_id="c1", display_name="Ann", media_kind="photo")) == []
    [receipt] = await press(core, "faq:pores")
    assert receipt.kind is ReplyKind.NOTICE
    assert to_desk(outbox)[1:] == ["**Ann:** could someone call me back after 5?", "**Ann:** \\[photo\\]", "**Ann:** \\[tapped: Pores\\]"]
    [again] = await press(core, "human")
    assert again.kind is ReplyKind.NOTICE  # relayed too: one open ticket per client


async def test_staff_reply_is_signed_and_notes_stay_private(core, outbox, store):
    await press(core, "human")
    assert await core.handle(staff("Hi Ann, that's normal for a day or two.")) == []
    [note] = await core.handle(staff("/note seems fine, follow up tomorrow"))
    assert "not sent to the client" in note.text
    assert to_client(outbox) == ["**Dana (Clinic team):** Hi Ann, that's normal for a day or two."]
    [ticket] = store.tickets()
    assert ticket.status == "claimed" and ticket.claimed_by == "Dana Smith"
    assert [t.text for t in ticket.transcript] == ["Hi Ann, that's normal for a day or two.", "[note] seems fine, follow up tomorrow"]


async def test_anonymous_signature_by_config(knowledge, store):
    outbox = LogOutbox()
    core = Core(knowledge, store, outbox, CoreOptions(sign_with_name=False), clock=lambda: NOW)
    await press(core, "human")
    await core.handle(staff("Hello!"))
    assert to_client(outbox) == ["**Clinic team:** Hello!"]


async def test_close_by_button_or_command_hands_back_to_the_bot(core, outbox, store, library):
    await press(core, "human")
    [done] = await core.handle(staff(action="ticket:close:1", thread=None))
    assert "closed by Dana Smith" in done.text
    assert to_client(outbox)[-1] == library.messages.handoff.closed
    [answer] = await say(core, "pores")
    assert answer.topic == "pores"
    await press(core, "human")
    [closed] = await core.handle(staff("/close", thread="2"))
    assert "#2 closed" in closed.text
    assert [t.status for t in store.tickets()] == ["closed", "closed"] and store.tickets()[0].transcript


async def test_client_can_leave_the_queue(core, outbox, library):
    await press(core, "human")
    [left] = await say(core, "/cancel")
    assert left.text == library.messages.handoff.left
    assert to_desk(outbox)[-1] == "Ticket #1: the client left the queue."
    assert (await say(core, "pores"))[0].topic == "pores"


async def test_two_clients_at_once_are_never_mixed_up(core, outbox):
    await press(core, "human", chat="a")
    await press(core, "human", chat="b")
    await say(core, "from a", chat="a")
    await say(core, "from b", chat="b")
    await core.handle(staff("to b", thread="2"))
    await core.handle(staff("to a", thread="1"))
    assert to_desk(outbox, "1")[-1] == "**Ann:** from a" and to_desk(outbox, "2")[-1] == "**Ann:** from b"
    assert to_client(outbox, "a") == ["**Dana (Clinic team):** to a"] and to_client(outbox, "b") == ["**Dana (Clinic team):** to b"]


async def test_restart_with_open_tickets(knowledge, tmp_path):
    outbox = LogOutbox()
    store = Store(tmp_path / "d", fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    await press(core, "human")
    await store.aclose()
    store = Store(tmp_path / "d", fsync=False)
    outbox = LogOutbox()
    restarted = Core(knowledge, store, outbox, clock=ticking())
    assert await say(restarted, "still there?") == []
    await restarted.handle(staff("Yes!"))
    assert to_desk(outbox) == ["**Ann:** still there?"] and to_client(outbox) == ["**Dana (Clinic team):** Yes!"]
    await store.aclose()


async def test_clients_cannot_use_desk_commands_or_reach_other_tickets(core, outbox, store):
    await press(core, "human", chat="a")
    await press(core, "human", chat="b")
    [receipt] = await say(core, "/close 2", chat="a")
    assert receipt.text == core.knowledge.library.messages.handoff.relayed  # passed to staff as text, not run
    await say(core, "/reply 2 hello b, this is a", chat="a")
    assert to_desk(outbox, "1")[-2:] == ["**Ann:** /close 2", "**Ann:** /reply 2 hello b, this is a"]
    assert to_client(outbox, "b") == []
    assert [t.status for t in store.tickets()] == ["open", "open"]
    [stale] = await press(core, "ticket:close:2", chat="c")
    assert stale.text.startswith(core.knowledge.library.messages.stale_button)


async def test_desk_messages_outside_a_ticket_thread_are_not_relayed(core, outbox):
    await press(core, "human")
    assert await core.handle(staff("lunch anyone?", thread=None)) == []
    [help_] = await core.handle(staff("/close", thread=None))
    assert "No open ticket here" in help_.text
    [relayed] = [await core.handle(staff("/reply 1 hello there", thread=None))]
    assert to_client(outbox) == ["**Dana (Clinic team):** hello there"] and relayed == []


async def test_desk_commands_unanswered_leads_and_reload(knowledge, store, outbox):
    reloads = []

    class CountingReloader:
        async def reload(self, core):
            reloads.append(1)
            return []

    core = Core(knowledge, store, outbox, clock=lambda: NOW, reloader=CountingReloader())
    await say(core, "do you do botox", chat="x")
    [unanswered] = await core.handle(staff("/unanswered", thread=None))
    assert "1 × do you do botox" in unanswered.text
    [leads] = await core.handle(staff("/leads", thread=None))
    assert leads.text == "No consultation requests yet."
    [reloaded] = await core.handle(staff("/reload", thread=None))
    assert reloaded.text == "Content reloaded." and reloads == [1]


async def test_outside_opening_hours_the_client_is_told_when_staff_answer(tmp_path, store, outbox):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday"):
        edit(content / "clinic.yaml", f'{day}: "TODO: e.g. 09:00-17:00"', f'{day}: "09:00-17:00"')
    for day in ("saturday", "sunday"):
        edit(content / "clinic.yaml", f'{day}: "TODO: e.g. closed"', f'{day}: "closed"')
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)  # 5 pm Saturday in Little Rock
    core = Core(Knowledge(load_library(content)), store, outbox, clock=lambda: saturday_night)
    opened, away = await press(core, "human")
    assert "ticket **#1**" in opened.text and "**Monday 9:00 AM**" in away.text
    assert len(store.tickets()) == 1
