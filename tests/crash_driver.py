"""Simulated clients chatting and booking through the real core and storage, until killed.

Run by tests/test_crash.py: it prints ``CONFIRMED <ref>`` only after the core has
answered with the confirmation, exactly when a real client would have been told.
"""

import asyncio
import sys
from pathlib import Path

from core.content import load_library
from core.engine import Core
from core.events import Event
from core.knowledge import Knowledge
from core.outbox import LogOutbox
from core.ratelimit import RateLimiter
from core.storage import Store

CONTENT = Path(__file__).resolve().parent.parent / "content"
BOOKING = ["book", "Ann Lee", "ann@example.com", "book:time:any", "book:concern:pores", "book:concerns-done", "book:consent:yes", "book:confirm"]


async def client(core: Core, name: str) -> None:
    for question in ("downtime??", "does it hurt"):
        await core.handle(Event(platform="crash", chat_id=name, user_id=name, text=question))
    for step in BOOKING:
        is_action = step == "book" or ":" in step
        replies = await core.handle(Event(platform="crash", chat_id=name, user_id=name,
                                          action=step if is_action else None, text=None if is_action else step))
        if step == "book:confirm":
            ref = next(word.strip("*.") for r in replies for word in r.text.split() if word.strip("*.").startswith("MN-"))
            print("CONFIRMED", ref, flush=True)


async def main(data: str, run: int, clients: int) -> None:
    store = Store(data, fsync=True, checkpoint_every=50)  # small, so checkpoints happen during the run
    unlimited = RateLimiter(burst=1_000_000)  # simulated clients type faster than people
    core = Core(Knowledge(load_library(CONTENT)), store, LogOutbox(), limiter=unlimited)
    print("READY", flush=True)
    await asyncio.gather(*(client(core, f"r{run}c{n}") for n in range(clients)))
    print("DONE", flush=True)
    await asyncio.sleep(3600)  # wait to be killed


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
