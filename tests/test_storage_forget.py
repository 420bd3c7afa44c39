"""Forgetting that really forgets: after /forget, and after the retention period, nothing
under the data folder (journal and set-aside data included) says anything about the client."""

from datetime import timedelta

from core.conversation.engine import Core
from core.storage.store import Store
from tests.conftest import NOW, ticking
from tests.storage_helpers import Client, Clock, WriterGate, book, presses, says, settle, staff, traces

ZELDA = Client("zq-chat-1", "Zelda Quist", "zelda.quist@example.com", "Zelda Q")
OTHER = Client("other", "Otto Berg", "otto.berg@example.com", "Otto")
ZELDA_TRACES = [ZELDA.chat, ZELDA.name, ZELDA.contact, ZELDA.display_name, ZELDA.user_id, "botox zq", "thanks zq"]


async def zelda_leaves_traces_everywhere(core: Core) -> None:
    """An unanswered question, a booking request, and a ticket with a staff reply."""
    await says(core, ZELDA, "do you do botox zq")
    await book(core, ZELDA)
    await says(core, ZELDA, "/human")
    await core.handle(staff("/reply 1 hello Zelda"))
    await says(core, ZELDA, "thanks zq")


async def zelda_forgets(core: Core) -> None:
    await says(core, ZELDA, "/forget")
    await presses(core, ZELDA, "forget:confirm")


async def test_forget_leaves_nothing_about_the_client_even_in_the_journal(knowledge, outbox, tmp_path):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    await zelda_leaves_traces_everywhere(core)
    other_ref = await book(core, OTHER)
    await zelda_forgets(core)
    await settle()  # a few seconds of background work; no restart, no shutdown
    assert traces(root, ZELDA_TRACES) == {}
    assert traces(root, [other_ref, OTHER.contact])  # the other client's request is still there
    await store.aclose()


async def test_forget_during_a_checkpoint_still_forgets(knowledge, outbox, tmp_path, monkeypatch):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=ticking())
    await zelda_leaves_traces_everywhere(core)
    other_ref = await book(core, OTHER)
    gate = WriterGate(monkeypatch)
    store.checkpoint_every = 1
    await says(core, OTHER, "pores")  # starts a checkpoint of everything so far, Zelda's booking included
    await gate.wait_reached()
    await zelda_forgets(core)  # while that checkpoint is writing
    gate.open()
    await store.aclose()
    assert not gate.timed_out
    assert traces(root, ZELDA_TRACES) == {}
    reopened = Store(root, fsync=False)
    assert [b.ref for b in reopened.bookings()] == [other_ref]
    assert all(e.conversation != ZELDA.key for e in reopened.unanswered())
    assert reopened.conversation(ZELDA.key) is None
    reopened.close()


async def test_after_the_retention_period_nothing_identifies_the_client(knowledge, outbox, tmp_path):
    olga = Client("olga-chat", "Olga Vance", "+1 501 555 0199", "Olga V")
    theo = Client("theo-chat", "Theo Kane", "theo@example.com", "Theo K")
    nina = Client("nina-chat", "Nina Roe", "nina@example.com", "Nina R")
    today = Client("today-chat", "Tara Day", "tara@example.com", "Tara")
    root = tmp_path / "data"
    clock = Clock(NOW - timedelta(days=400))
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=clock)
    await says(core, olga, "do you do botox olga")
    await book(core, olga, steps=3)  # a draft with her name and phone, then she never came back
    await says(core, theo, "/human")
    await core.handle(staff("/reply 1 hello Theo"))
    await core.handle(staff("/close 1"))
    clock.now = NOW - timedelta(days=100)
    await says(core, nina, "pores nina")  # quiet for longer than the 90 days kept
    clock.now = NOW
    await says(core, today, "pores")
    assert store.conversation(olga.key).booking.contact == "+15015550199"

    removed = await store.purge(NOW - timedelta(days=90), NOW - timedelta(days=365))
    await store.aclose()
    assert removed > 0
    gone = (
        [c.chat for c in (olga, theo, nina)]
        + [c.user_id for c in (olga, theo, nina)]
        + ["Olga", "+15015550199", "botox olga", "Theo", "hello Theo", "Nina", "pores nina"]
    )
    assert traces(root, gone) == {}
    reopened = Store(root, fsync=False)
    assert reopened.conversation(today.key).messages == 1
    [ticket] = reopened.tickets()
    assert ticket.status == "closed" and ticket.reason == "asked"  # the count stays, the person does not
    reopened.close()
