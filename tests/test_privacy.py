"""/privacy explains what is kept; /forget deletes it all, after a confirm button."""

from core.conversation.engine import Core
from core.events import ReplyKind
from core.storage.store import Store
from tests.conftest import NOW, press, say, ticking


async def test_privacy_says_what_why_and_how_long(core, library):
    [reply] = await say(core, "/privacy")
    assert "**What we keep:**" in reply.text and "90 days" in reply.text and "365 days" in reply.text and "/forget" in reply.text


async def test_forget_asks_first_and_keep_changes_nothing(core, store):
    await say(core, "downtime??")
    [ask] = await say(core, "/forget")
    assert [b.action for b in ask.buttons] == ["forget:confirm", "forget:keep"]
    await press(core, "forget:keep")
    assert store.conversation("test:c1").messages == 3


async def test_forget_deletes_conversation_unanswered_and_bookings_and_closes_the_ticket(knowledge, tmp_path, outbox, library):
    store = Store(tmp_path / "d", fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    await say(core, "do you do botox")  # unanswered entry
    await say(core, "do you do botox", chat="other")  # another client's, which must stay
    for step in ("book", "Ann", "ann@example.com", "book:time:any", "book:concerns-done", "book:consent:yes", "book:confirm"):
        await (press if ":" in step or step == "book" else say)(core, step)
    await press(core, "human")  # an open ticket
    await core.handle(staff_event("hello Ann"))
    assert len(store.bookings()) == 1 and store.open_ticket_of("test:c1") is not None

    await say(core, "/forget")  # answered even while the ticket is open
    [done] = await press(core, "forget:confirm")
    assert done.text == library.messages.forgotten
    assert store.conversation("test:c1") is None
    assert [e.conversation for e in store.unanswered()] == ["test:other"]
    assert store.bookings() == [] and store.open_ticket_of("test:c1") is None
    [ticket] = store.tickets()
    assert ticket.status == "closed" and ticket.transcript == [] and ticket.display_name == ""
    assert any("asked us to delete their data" in r.text for a, r in outbox.sent if a.platform == "desk")

    await store.aclose()  # and it stays deleted in the files, after a checkpoint and a restart
    reopened = Store(tmp_path / "d", fsync=False)
    assert reopened.conversation("test:c1") is None and reopened.bookings() == []
    assert [e.conversation for e in reopened.unanswered()] == ["test:other"]
    assert reopened.tickets()[0].transcript == []
    await reopened.aclose()


def staff_event(text):
    from core.events import Event

    return Event(platform="desk", chat_id="staff", user_id="s", display_name="Dana", text=text, thread="1", from_desk=True)


async def test_a_client_can_start_again_after_forget(core, store):
    await say(core, "/forget")
    await press(core, "forget:confirm")
    [reply] = await say(core, "pores")
    assert reply.kind is ReplyKind.ANSWER and store.conversation("test:c1").messages == 1


async def test_retention_purges_old_messages_and_requests(knowledge, tmp_path, outbox):
    from datetime import timedelta

    now = [NOW - timedelta(days=100)]
    store = Store(tmp_path / "d", fsync=False)
    core = Core(knowledge, store, outbox, clock=lambda: now[0])
    await say(core, "do you do botox")  # 100 days old
    for step in ("book", "Ann", "ann@example.com", "book:time:any", "book:concerns-done", "book:consent:yes", "book:confirm"):
        await (press if ":" in step or step == "book" else say)(core, step)
    now[0] = NOW
    await say(core, "do you do lasers?")  # today
    removed = await store.purge(NOW - timedelta(days=90), NOW - timedelta(days=365))
    assert removed > 0
    assert [e.text for e in store.unanswered()] == ["do you do lasers?"]
    assert [t.text for t in store.conversation("test:c1").transcript if t.role == "client"] == ["do you do lasers?"]
    assert len(store.bookings()) == 1  # requests are kept longer
    await store.purge(NOW - timedelta(days=90), NOW - timedelta(days=30))
    assert store.bookings() == []
    await store.aclose()
    reopened = Store(tmp_path / "d", fsync=False)  # nothing comes back from the journal
    assert [e.text for e in reopened.unanswered()] == ["do you do lasers?"] and reopened.bookings() == []
    assert len([t for t in reopened.conversation("test:c1").transcript if t.role == "client"]) == 1
    await reopened.aclose()
