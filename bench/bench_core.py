"""Benchmark of the core: per-message latency and throughput. Prints figures; asserts nothing.

    python -m bench.bench_core [--messages N] [--clients N]

Latency is measured over the labelled question set (tests/questions.yaml), at the
shipped content size and with ten times as many topics (synthetic copies with
their own vocabulary). Throughput runs concurrent simulated clients through the
core and real storage in a temporary folder.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from types import MappingProxyType

from datetime import UTC, datetime

from cli.accuracy import load_cases
from core.booking import BookingFlow
from core.content import load_library
from core.content.models import Library, Menu, Section
from core.engine import Core
from core.events import Event
from core.knowledge import Knowledge
from core.outbox import LogOutbox
from core.ratelimit import RateLimiter
from core.records import Conversation
from core.settings import load_settings
from core.storage import Store
from core.turn import Turn

SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po", "qu", "fe"]


def synthetic_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(4))


def scaled(library: Library, factor: int, seed: int = 7) -> Library:
    """The shipped topics plus (factor - 1) synthetic copies, each with new words of its own."""
    rng = random.Random(seed)
    topics = dict(library.topics)
    sections = list(library.menu.sections)
    for n in range(1, factor):
        copies = {}
        for topic in library.topics.values():
            extra = [synthetic_word(rng) for _ in range(3)]
            copies[f"{topic.id}-x{n}"] = topic.model_copy(update={
                "id": f"{topic.id}-x{n}",
                "examples": [f"{e} {rng.choice(extra)}" for e in topic.examples],
                "keywords": [*topic.keywords, *extra],
                "related": [f"{r}-x{n}" for r in topic.related],
            })
        topics.update(copies)
        sections.append(Section(id=f"synthetic-{n}", button=f"More {n}", title=f"Synthetic {n}", topics=list(copies)))
    return library.model_copy(update={"topics": MappingProxyType(topics), "menu": Menu(sections=sections)})


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def latency(knowledge: Knowledge, questions: list[str], rounds: int) -> dict[str, float]:
    """Per-message time of the answering path (routing, triage, matching), without disk."""
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(knowledge, Store(tmp, fsync=False), LogOutbox())
        now = datetime.now(UTC)
        samples = []
        for r in range(rounds):
            for n, q in enumerate(questions):
                event = Event(platform="bench", chat_id=f"{r}-{n}", user_id="u", text=q)
                conversation = Conversation(key=event.conversation_key, platform="bench", chat_id=event.chat_id, started_at=now, updated_at=now)
                start = time.perf_counter()
                turn = Turn(knowledge, BookingFlow(knowledge.library, core.booking_timeout), event, conversation, now, core._handoff(knowledge))  # noqa: SLF001
                core._route(turn)  # noqa: SLF001 - the answering path alone, without disk
                samples.append(time.perf_counter() - start)
        await core.store.aclose()
    return {"p50": percentile(samples, 50) * 1e3, "p99": percentile(samples, 99) * 1e3, "n": len(samples)}


async def throughput(knowledge: Knowledge, questions: list[str], clients: int, per_client: int, fsync: bool) -> float:
    """Messages per second through core and storage, with ``clients`` talking at once."""
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(knowledge, Store(tmp, fsync=fsync), LogOutbox(), limiter=RateLimiter(burst=1_000_000))
        rng = random.Random(1)

        async def client(n: int) -> None:
            for _ in range(per_client):
                await core.handle(Event(platform="bench", chat_id=str(n), user_id=str(n), text=rng.choice(questions)))
                await asyncio.sleep(0)

        start = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - start
        await core.store.aclose()
        return clients * per_client / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the question set for latency")
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--messages", type=int, default=20, help="messages per client for throughput")
    parser.add_argument("--repeats", type=int, default=3, help="throughput runs; the median is reported")
    args = parser.parse_args()

    library = load_library(load_settings().content.dir)
    questions = [c.q for c in load_cases()]
    print(f"questions: {len(questions)}  topics: {len(library.topics)}")

    for factor in (1, 10):
        start = time.perf_counter()
        knowledge = Knowledge(scaled(library, factor))
        build = time.perf_counter() - start
        await latency(knowledge, questions, 1)  # warm caches
        result = await latency(knowledge, questions, args.rounds)
        print(f"latency {factor:>2}x content ({len(knowledge.library.topics)} topics): "
              f"p50 {result['p50']:.3f} ms  p99 {result['p99']:.3f} ms  over {result['n']} messages  (index built in {build * 1e3:.0f} ms)")

    knowledge = Knowledge(library)
    for fsync in (True, False):
        runs = [await throughput(knowledge, questions, args.clients, args.messages, fsync) for _ in range(args.repeats)]
        print(f"throughput, {args.clients} concurrent clients x {args.messages} messages, core + storage (fsync={'on' if fsync else 'off'}): "
              f"median {statistics.median(runs):.0f} msg/s  (runs: {', '.join(f'{r:.0f}' for r in runs)})")


if __name__ == "__main__":
    asyncio.run(main())
