"""Simulated clients chatting and booking through the real core and storage, until killed.

Run by tests/test_crash.py: it prints ``CONFIRMED <ref>`` only after the core has
answered with the confirmation, exactly when a real client would have been told, and
``FORGETTING <ref>`` before a client asks to be forgotten and ``FORGOTTEN <ref>`` once
they were told it is done. Meanwhile
the retention purge runs again and again, and one background file write in five fails as
on a full disk, so kills also land mid-purge and while checkpoints are being retried.
"""

import asyncio
import errno
import itertools
import sys
import threading
from datetime import timedelta
from pathlib import Path

from core.content import load_library
from core.conversation.engine import Core, utcnow
from core.conversation.ratelimit import RateLimiter
from core.events import Event
from core.outbox import LogOutbox
from core.storage.jsonfile import AtomicJSONStorage
from core.storage.store import Store
from core.understanding.knowledge import Knowledge

CONTENT = Path(__file__).resolve().parent.parent / "content"
BOOKING = [
    "book",
    "Ann Lee",
    "ann@example.com",
    "book:time:any",
    "book:concern:pores",
    "book:concerns-done",
    "book:consent:yes",
    "book:confirm",
]
FORGET = ["/forget", "forget:confirm"]


async def client(core: Core, name: str, forgets: bool) -> None:
    for question in ("downtime??", "does it hurt"):
        await core.handle(Event(platform="crash", chat_id=name, user_id=name, text=question))
    ref = ""
    for step in BOOKING + (FORGET if forgets else []):
        if step == FORGET[0]:
            print("FORGETTING", ref, flush=True)
        is_action = step == "book" or ":" in step
        replies = await core.handle(
            Event(platform="crash", chat_id=name, user_id=name, action=step if is_action else None, text=None if is_action else step)
        )
        if step == "book:confirm":
            ref = next(word.strip("*.") for r in replies for word in r.text.split() if word.strip("*.").startswith("MN-"))
            print("CONFIRMED", ref, flush=True)
    if forgets:
        print("FORGOTTEN", ref, flush=True)


def flaky_disk() -> None:
    """Every fifth file write from a background thread fails, as on a full disk."""
    original, writes = AtomicJSONStorage.write, itertools.count(1)

    def write(storage, data):
        if threading.current_thread() is not threading.main_thread() and next(writes) % 5 == 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(storage, data)

    AtomicJSONStorage.write = write


async def purge_again_and_again(store: Store) -> None:
    while True:
        now = utcnow()
        await store.purge(now - timedelta(days=90), now - timedelta(days=365))
        await asyncio.sleep(0.05)


async def main(data: str, run: int, clients: int) -> None:
    flaky_disk()
    store = Store(data, fsync=True, checkpoint_every=50, retry_seconds=0.01)  # small, so checkpoints happen during the run
    unlimited = RateLimiter(burst=1_000_000)  # simulated clients type faster than people
    core = Core(Knowledge(load_library(CONTENT)), store, LogOutbox(), limiter=unlimited)
    print("READY", flush=True)
    purging = asyncio.create_task(purge_again_and_again(store))
    await asyncio.gather(*(client(core, f"r{run}c{n}", forgets=n % 4 == 0) for n in range(clients)))
    print("DONE", flush=True)
    await asyncio.sleep(3600)  # wait to be killed
    purging.cancel()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
