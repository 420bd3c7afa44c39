"""Storage under load: message latency while checkpoints and the retention purge run, and restart time.

    python -m bench.bench_storage [--conversations N] [--bookings N] [--messages N] [--rate R] [--think S]

The data folder is filled by writing its TinyDB files directly (100,000 conversations and
10,000 booking requests by default; a tenth of the conversations idle past the retention
period and a third with turns past it, so the purge has real work). Then clients send
messages at a steady rate, most of them returning clients whose conversation is only on
disk, some booking, a few asking to be forgotten, while the store checkpoints every
--checkpoint-every records and the retention purge runs from the start. It prints message
latency p50/p99/max (target on a 2-core machine: p99 <= 50 ms, max <= 250 ms), how long the
purge and the checkpoints took meanwhile, and how long the store takes to open with the
bookings: after a clean shutdown, and after a crash left thousands of them in the journal.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bench_load import BOOKING, client_name
from core.content import load_library
from core.conversation.engine import Core
from core.conversation.ratelimit import RateLimiter
from core.events import Event
from core.outbox import LogOutbox
from core.settings import load_settings
from core.storage.jsonfile import DataFiles, Quarantine, segment_name, write_json
from core.storage.records import BookingRequest, Conversation
from core.storage.store import Store
from core.understanding.knowledge import Knowledge

NOW = datetime.now(UTC)
RETENTION, BOOKING_RETENTION = timedelta(days=90), timedelta(days=365)
FAQ = ["downtime??", "does it hurt", "how often should i come", "acne scars", "aftercare?", "what is microneedling"]


def fill(root: Path, conversations: int, bookings: int, segment_size: int = 100) -> None:
    """Write the data files as the store would have, without going through it (it would take minutes)."""
    files = DataFiles(root, segment_size, False, Quarantine(root, readonly=True))
    for n in range(conversations):
        age = timedelta(days=120) if n % 10 == 0 else timedelta(days=100) if n % 3 == 0 else timedelta(days=2)
        start = NOW - age
        conversation = Conversation(
            key=f"bench:{n}",
            platform="bench",
            chat_id=str(n),
            user_id=str(n),
            display_name=client_name(n),
            started_at=start,
            updated_at=start,
            messages=20,
        )
        for m in range(20):
            at = start + (NOW - start) * m / 20 if n % 10 else start
            conversation.remember("client" if m % 2 == 0 else "bot", f"message {m} from client {n}", at)
            conversation.updated_at = at
        write_json(files.conversation_path(conversation.key), {"conversation": {"1": conversation.model_dump(mode="json")}})
    for segment in range(0, bookings, segment_size):
        docs = {}
        for n in range(segment, min(segment + segment_size, bookings)):
            at = NOW - (timedelta(days=400) if n % 20 == 0 else timedelta(days=n % 300))
            docs[str(n - segment + 1)] = BookingRequest(
                ref=f"MN-{n:04X}-BNCH",
                conversation=f"bench:{n}",
                platform="bench",
                chat_id=str(n),
                name=client_name(n),
                contact=f"client{n}@example.com",
                contact_kind="email",
                times="any",
                concerns=["Pores"],
                consent=True,
                created_at=at,
                updated_at=at,
            ).model_dump(mode="json")
        write_json(files.booking_path(segment_name(segment // segment_size + 1)), {"bookings": docs})


def script(rng: random.Random, n: int) -> list[tuple[str | None, str | None]]:
    """One client's visit: a few questions; every tenth books, every fiftieth asks to be forgotten."""
    steps: list[tuple[str | None, str | None]] = [(rng.choice(FAQ), None) for _ in range(rng.randint(1, 4))]
    if n % 10 == 0:
        steps += [(None, s) if s == "book" or ":" in s else (s.format(n=n, name=client_name(n)), None) for s in BOOKING]
    if n % 50 == 0:
        steps += [("/forget", None), (None, "forget:confirm")]
    return steps


async def warm_up(knowledge: Knowledge) -> None:
    """Pay the core's one-time costs (e.g. a spell-checker dictionary loaded on first use) before measuring storage."""
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp, fsync=False)
        core = Core(knowledge, store, LogOutbox())
        for text, action in script(random.Random(0), 0):
            await core.handle(Event(platform="warm", chat_id="0", user_id="0", text=text, action=action))
        await store.aclose()


async def traffic(knowledge: Knowledge, root: Path, args: argparse.Namespace) -> None:
    await warm_up(knowledge)
    store = Store(root, fsync=True, checkpoint_every=args.checkpoint_every)
    checkpoints: list[float] = []
    write = store._files.write  # timed from outside, for the report

    def timed_write(batch):
        start = time.perf_counter()
        write(batch)
        checkpoints.append(time.perf_counter() - start)

    store._files.write = timed_write
    core = Core(knowledge, store, LogOutbox(), limiter=RateLimiter(burst=1_000_000))
    rng, latencies, clients = random.Random(12), [], []

    async def client(n: int) -> None:
        returning = rng.random() < 0.85  # most are on disk only; some are new
        key = rng.randrange(args.conversations) if returning else args.conversations + n
        for text, action in script(rng, n):
            start = time.perf_counter()
            await core.handle(
                Event(platform="bench", chat_id=str(key), user_id=str(key), display_name=client_name(key), text=text, action=action)
            )
            latencies.append(time.perf_counter() - start)
            await asyncio.sleep(rng.expovariate(1 / args.think))  # a person reading and typing

    purge_started = time.perf_counter()
    purge = asyncio.create_task(store.purge(NOW - RETENTION, NOW - BOOKING_RETENTION))
    purge.add_done_callback(
        lambda _: print(f"retention purge: {purge.result():,} records deleted in {time.perf_counter() - purge_started:.1f} s")
    )
    sent, n = 0, 0
    while sent < args.messages or not purge.done():
        clients.append(asyncio.create_task(client(n)))
        n += 1
        await asyncio.sleep(rng.expovariate(args.rate / 2.5))  # a client sends about 2.5 messages
        sent = len(latencies)
    await asyncio.gather(*clients)
    await store.aclose()
    ordered = sorted(latencies)
    print(
        f"messages: {len(ordered):,} from {n:,} clients at about {args.rate:g} msg/s; {len(checkpoints)} checkpoints "
        f"({statistics.median(checkpoints):.2f} s median, {max(checkpoints):.2f} s longest) and the purge ran meanwhile"
    )
    print(
        f"latency per message: p50 {statistics.median(ordered) * 1e3:.1f} ms  p99 {ordered[int(0.99 * (len(ordered) - 1))] * 1e3:.1f} ms"
        f"  max {ordered[-1] * 1e3:.1f} ms"
    )


def restart_times(root: Path, crashed_bookings: int) -> None:
    start = time.perf_counter()
    store = Store(root, fsync=True)
    clean = time.perf_counter() - start
    requests = store.bookings()
    for n in range(crashed_bookings):
        store.save_booking(requests[n % len(requests)].model_copy(update={"status": f"contacted {n}", "updated_at": NOW}))
    store._journal.sync_blocking()  # then killed before any checkpoint
    for fd, _ in store._journal._files:
        os.close(fd)
    store._lockfile.close()
    start = time.perf_counter()
    store = Store(root, fsync=True)
    crashed = time.perf_counter() - start
    start = time.perf_counter()
    store.close()
    print(
        f"restart with {len(requests):,} booking requests: {clean:.2f} s after a clean shutdown, {crashed:.2f} s after a crash with "
        f"{crashed_bookings:,} booking changes in the journal (then {time.perf_counter() - start:.2f} s to checkpoint them)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=3_000, help="at least this many, and until the purge is done")
    parser.add_argument("--rate", type=float, default=50.0, help="messages per second, on average")
    parser.add_argument("--checkpoint-every", type=int, default=1_000)
    parser.add_argument("--think", type=float, default=2.0, help="seconds a client takes to read and reply, on average")
    args = parser.parse_args()
    knowledge = Knowledge(load_library(load_settings().content.dir))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        start = time.perf_counter()
        fill(root, args.conversations, args.bookings)
        print(
            f"data folder: {args.conversations:,} conversations and {args.bookings:,} booking requests written in "
            f"{time.perf_counter() - start:.0f} s"
        )
        asyncio.run(traffic(knowledge, root, args))
        restart_times(root, min(args.bookings, 8_400))
        print(f"set aside as damaged: {len(Store(root, readonly=True).set_aside())}")


if __name__ == "__main__":
    main()
