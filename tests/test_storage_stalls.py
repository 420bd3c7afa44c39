"""No stalls and no growth: a message never waits for a checkpoint or the retention purge, and
the cost of keeping booking requests does not grow with how many are stored."""

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.conversation.engine import Core
from core.events import ReplyKind
from core.storage.jsonfile import AtomicJSONStorage
from core.storage.records import BookingRequest
from core.storage.store import Store
from tests.conftest import NOW, ticking
from tests.storage_helpers import Client, Clock, WriterGate, kill, says

ON_DISK, BUSY = Client("on-disk"), Client("busy")


async def test_a_message_does_not_wait_for_a_checkpoint(knowledge, outbox, tmp_path, monkeypatch):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    await says(Core(knowledge, store, outbox, clock=ticking()), ON_DISK, "pores")
    await store.aclose()  # this client's conversation is now only on disk
    store = Store(root, fsync=False, checkpoint_every=2)
    core = Core(knowledge, store, outbox, clock=ticking())
    gate = WriterGate(monkeypatch)
    await says(core, BUSY, "pores")
    await says(core, BUSY, "downtime??")  # starts a checkpoint
    await gate.wait_reached()
    [reply] = await says(core, ON_DISK, "does it hurt")
    gate.open()
    assert not gate.timed_out, "the message waited for the checkpoint"
    assert reply.kind is ReplyKind.ANSWER and store.conversation(ON_DISK.key).messages == 2
    await store.aclose()


async def test_the_retention_purge_does_not_hold_up_messages(knowledge, outbox, tmp_path, monkeypatch):
    root = tmp_path / "data"
    clock = Clock(NOW - timedelta(days=100))
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=clock)
    await says(core, ON_DISK, "pores")
    clock.now = NOW
    await says(core, ON_DISK, "downtime??")  # its first message is past the retention period
    await store.aclose()
    store = Store(root, fsync=False)
    core = Core(knowledge, store, outbox, clock=clock)
    gate = WriterGate(monkeypatch, matches=lambda path: "conversations" in path.parts)
    purge = asyncio.create_task(store.purge(NOW - timedelta(days=90), NOW - timedelta(days=365)))
    await gate.wait_reached()  # the purge is rewriting that conversation
    [reply] = await says(core, BUSY, "pores")
    gate.open()
    assert await purge > 0
    assert not gate.timed_out, "the message waited for the purge"
    assert reply.kind is ReplyKind.ANSWER
    assert [t.text for t in store.conversation(ON_DISK.key).transcript if t.role == "client"] == ["downtime??"]
    await store.aclose()


# -- booking requests: cost flat in how many are stored ---------------------------------------


def request(n: int, status: str = "new") -> BookingRequest:
    at = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=n)  # all in one month
    return BookingRequest(
        ref=f"MN-{n:04d}-TEST",
        conversation=f"test:{n}",
        platform="test",
        chat_id=str(n),
        name=f"Client {n}",
        contact=f"c{n}@example.com",
        contact_kind="email",
        times="any",
        concerns=["Pores"],
        consent=True,
        created_at=at,
        updated_at=at,
        status=status,
    )


def bytes_written_by(monkeypatch, action) -> int:
    """Total size of the data files written while ``action`` runs."""
    written = [0]
    original = AtomicJSONStorage.write

    def write(storage, data):
        original(storage, data)
        written[0] += Path(storage.path).stat().st_size

    with monkeypatch.context() as patch:
        patch.setattr(AtomicJSONStorage, "write", write)
        action()
    return written[0]


def test_updating_a_booking_rewrites_as_much_with_3000_stored_as_with_100(tmp_path, monkeypatch):
    def cost_of_one_update(stored: int) -> int:
        root = tmp_path / str(stored)
        store = Store(root, fsync=False)
        for n in range(stored):
            store.save_booking(request(n))
        store.close()
        store = Store(root, fsync=False)

        def update() -> None:
            store.save_booking(request(7, status="claimed by Dana"))
            store.close()

        return bytes_written_by(monkeypatch, update)

    small, large = cost_of_one_update(100), cost_of_one_update(3000)
    assert large < 2 * small


def test_recovering_many_bookings_from_the_journal_writes_each_file_about_once(tmp_path, monkeypatch):
    root = tmp_path / "data"
    store = Store(root, fsync=False)
    for n in range(1500):
        store.save_booking(request(n))
    store._journal.sync_blocking()
    kill(store)  # before any checkpoint: all 1,500 are only in the journal
    written = bytes_written_by(monkeypatch, lambda: Store(root, fsync=False).close())
    stored = sum(p.stat().st_size for p in (root / "bookings").glob("*.json"))
    assert len(Store(root, readonly=True).bookings()) == 1500
    assert written < 3 * stored
