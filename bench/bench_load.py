"""Load benchmark: 1,000 simulated clients x 20 messages through core and storage at once.

    python -m bench.bench_load [--clients N] [--messages N]

The traffic mixes FAQ questions, booking flows and handoffs (with a staff reply).
It prints throughput and latency percentiles, checks that no state was lost or
mixed up between clients, and compares the cost of a storage write with 1,000
and with 100,000 messages already stored (the ratio should be close to 1).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime

from core.content import load_library
from core.conversation.engine import Core
from core.conversation.ratelimit import RateLimiter
from core.events import Event
from core.outbox import LogOutbox
from core.settings import load_settings
from core.storage.records import Conversation
from core.storage.store import Store
from core.understanding.knowledge import Knowledge

FAQ = ["downtime??", "does it hurt", "how often should i come", "acne scars", "aftercare?", "what is microneedling"]
BOOKING = ["book", "{name}", "client{n}@example.com", "book:time:any", "book:concerns-done", "book:consent:yes", "book:confirm"]


def client_name(n: int) -> str:
    """A name for client ``n`` in letters (a name with digits is refused): 0 is "Client A", 12 "Client Bc"."""
    return "Client " + "".join("abcdefghij"[int(digit)] for digit in str(n)).capitalize()


def script(n: int, length: int) -> list[tuple[str | None, str | None]]:
    """A client's messages: (text, action) pairs; every third books, every fifth asks for a person."""
    steps: list[tuple[str | None, str | None]] = []
    if n % 3 == 0:
        steps += [(None, s) if s == "book" or ":" in s else (s.format(n=n, name=client_name(n)), None) for s in BOOKING]
    if n % 5 == 0:
        steps += [("can I talk to a real person", None), (f"relay from {n}", None)]
    while len(steps) < length:
        steps.append((FAQ[(n + len(steps)) % len(FAQ)], None))
    return steps[:length]


async def run_load(knowledge: Knowledge, clients: int, length: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp, fsync=True)
        outbox = LogOutbox()
        core = Core(knowledge, store, outbox, limiter=RateLimiter(burst=1_000_000))
        latencies: list[float] = []

        async def client(n: int) -> None:
            for text, action in script(n, length):
                start = time.perf_counter()
                await core.handle(
                    Event(platform="load", chat_id=str(n), user_id=str(n), display_name=client_name(n), text=text, action=action)
                )
                latencies.append(time.perf_counter() - start)
                await asyncio.sleep(0)

        start = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - start
        problems = check_state(store, clients, length)
        await store.aclose()
    ordered = sorted(latencies)
    print(
        f"load: {clients} clients x {length} messages = {len(latencies)} messages in {elapsed:.1f} s: {len(latencies) / elapsed:.0f} msg/s"
    )
    print(
        f"latency per message under load: p50 {statistics.median(ordered) * 1e3:.1f} ms  "
        f"p99 {ordered[int(0.99 * (len(ordered) - 1))] * 1e3:.1f} ms"
    )
    print(f"lost or mixed-up state: {len(problems)} problem(s)" + "".join(f"\n  {p}" for p in problems[:10]))


def check_state(store: Store, clients: int, length: int) -> list[str]:
    """Every client's record counts its own messages; every request and ticket belongs to its client."""
    problems = []
    for n in range(clients):
        conversation = store.conversation(f"load:{n}")
        if conversation is None or conversation.messages != length:
            problems.append(f"client {n}: expected {length} messages, found {conversation.messages if conversation else 'none'}")
    for booking in store.bookings():
        if booking.name != client_name(int(booking.chat_id)) or booking.contact != f"client{booking.chat_id}@example.com":
            problems.append(f"booking {booking.ref} mixes up clients")
    expected = {str(n) for n in range(clients) if n % 3 == 0}
    if {b.chat_id for b in store.bookings()} != expected:
        problems.append(f"{len(expected)} bookings expected, {len(store.bookings())} stored")
    for ticket in store.tickets():
        if any(
            t.role == "client" and t.text.startswith("relay from") and t.text != f"relay from {ticket.chat_id}" for t in ticket.transcript
        ):
            problems.append(f"ticket #{ticket.id} holds another client's message")
    return problems


def write_cost(stored: int, samples: int = 500) -> float:
    """Median time of one conversation save and commit with ``stored`` messages already stored."""
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp, fsync=True)
        per_conversation = 20
        for n in range(stored // per_conversation):
            conversation = Conversation(key=f"old:{n}", platform="old", chat_id=str(n), started_at=now, updated_at=now)
            for m in range(per_conversation):
                conversation.remember("client", f"message {m}", now)
            store.save_conversation(conversation)
        asyncio.run(store.aclose())
        store = Store(tmp, fsync=True)
        times = []
        conversation = Conversation(key="new:1", platform="new", chat_id="1", started_at=now, updated_at=now)
        for m in range(samples):
            conversation.remember("client", f"message {m}", now)
            start = time.perf_counter()
            store.save_conversation(conversation)
            store._journal.sync_blocking()  # what commit() awaits, without an event loop
            times.append(time.perf_counter() - start)
        asyncio.run(store.aclose())
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--stored", type=int, nargs=2, default=[1_000, 100_000], metavar=("SMALL", "LARGE"))
    args = parser.parse_args()
    knowledge = Knowledge(load_library(load_settings().content.dir))
    asyncio.run(run_load(knowledge, args.clients, args.messages))
    small, large = (write_cost(n) for n in args.stored)
    print(
        f"storage write cost: {small * 1e3:.3f} ms with {args.stored[0]:,} messages stored, {large * 1e3:.3f} ms with {args.stored[1]:,}"
        f"  (ratio {large / small:.2f})"
    )


if __name__ == "__main__":
    main()
