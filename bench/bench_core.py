"""Benchmark of the core: latency, throughput, memory and start-up. Prints figures; asserts nothing.

    python -m bench.bench_core [--rounds N] [--clients N] [--messages N]

Latency is per message through the whole core (triage, both understanding
signals including the sentence encoder, routing, storage without fsync), over
the labelled question set (tests/questions.yaml), at the shipped content size
and with ten times as many topics (synthetic copies with their own vocabulary).
It is measured for new messages (the encoder's memory of recent texts emptied
before each, so a message and every question split from it are encoded, as in a
stream of distinct messages) and for repeated ones (their vectors remembered).
Word-level caches (stems, typo corrections) stay warm in both: words recur in
real traffic even when whole messages do not. Beside wall-clock time, the
process CPU time per message is given: on a machine shared with other work the
wall-clock tail mostly shows waiting for a core, CPU time what a message costs.

Throughput runs concurrent simulated clients, sending new messages, through the
core and real storage in a temporary folder. Start-up is timed in a fresh
process, with the example vectors cached on disk (a normal restart) and without
(first start after an edit).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import MappingProxyType

from cli.accuracy import load_cases
from core.content import load_library
from core.content.models import Library, Menu, Section
from core.conversation.engine import Core
from core.conversation.ratelimit import RateLimiter
from core.events import Event
from core.outbox import LogOutbox
from core.settings import load_settings
from core.storage.store import Store
from core.understanding.knowledge import Knowledge

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
            copies[f"{topic.id}-x{n}"] = topic.model_copy(
                update={
                    "id": f"{topic.id}-x{n}",
                    "examples": [f"{e} {rng.choice(extra)}" for e in topic.examples],
                    "keywords": [*topic.keywords, *extra],
                    "related": [f"{r}-x{n}" for r in topic.related],
                }
            )
        topics.update(copies)
        sections.append(Section(id=f"synthetic-{n}", button=f"More {n}", title=f"Synthetic {n}", topics=list(copies)))
    return library.model_copy(update={"topics": MappingProxyType(topics), "menu": Menu(sections=sections)})


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def latency(knowledge: Knowledge, questions: list[str], rounds: int, new: bool) -> dict[str, float]:
    """Per-message time of ``Core.handle``, each message the first of a new conversation;
    ``new`` makes each message pay for its sentence vectors, as one never seen before does."""
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(knowledge, Store(tmp, fsync=False), LogOutbox(), limiter=RateLimiter(burst=1_000_000))
        wall, cpu = [], []
        for r in range(rounds):
            for n, q in enumerate(questions):
                event = Event(platform="bench", chat_id=f"{r}-{n}", user_id="u", text=q)
                if new:
                    forget_vectors(knowledge)
                start, start_cpu = time.perf_counter(), time.process_time()
                await core.handle(event)
                wall.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
        await core.store.aclose()
    return {
        "p50": percentile(wall, 50) * 1e3,
        "p99": percentile(wall, 99) * 1e3,
        "n": len(wall),
        "cpu p50": percentile(cpu, 50) * 1e3,
        "cpu p99": percentile(cpu, 99) * 1e3,
    }


def forget_vectors(knowledge: Knowledge) -> None:
    """Empty the encoder's memory of recent texts, so the next message is encoded as a new one."""
    knowledge.classifier.semantic.encoder.encode_one.cache_clear()


STARTUP = """
import time
start = time.perf_counter()
from cli.compose import load_knowledge
from core.settings import load_settings
load_knowledge(load_settings().content.dir)
import resource
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def startup(cache_dir: str) -> tuple[float, float]:
    """Seconds from a bare interpreter to a loaded core (imports, content, model, example
    vectors), and that process's peak memory in MB."""
    env = {**os.environ, "MEDSPA_CACHE_DIR": cache_dir}
    out = subprocess.run(
        [sys.executable, "-c", STARTUP], env=env, capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent
    )
    seconds, rss_kb = out.stdout.split()
    return float(seconds), int(rss_kb) / 1024


async def throughput(knowledge: Knowledge, questions: list[str], clients: int, per_client: int, fsync: bool) -> float:
    """Messages per second through core and storage, with ``clients`` talking at once,
    each message encoded as a new one."""
    with tempfile.TemporaryDirectory() as tmp:
        core = Core(knowledge, Store(tmp, fsync=fsync), LogOutbox(), limiter=RateLimiter(burst=1_000_000))
        rng = random.Random(1)

        async def client(n: int) -> None:
            for _ in range(per_client):
                forget_vectors(knowledge)
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

    with tempfile.TemporaryDirectory() as cache:
        cold, _ = startup(cache)
        warm = [startup(cache) for _ in range(3)]
    print(
        f"start-up to a ready core: {statistics.median(w[0] for w in warm):.2f} s with cached example vectors "
        f"(median of 3), {cold:.2f} s without; peak memory (RSS) of that process {max(w[1] for w in warm):.0f} MB"
    )

    for factor in (1, 10):
        start = time.perf_counter()
        knowledge = Knowledge(scaled(library, factor))
        build = time.perf_counter() - start
        await latency(knowledge, questions, 1, new=False)  # warm caches
        new = await latency(knowledge, questions, args.rounds, new=True)
        repeated = await latency(knowledge, questions, args.rounds, new=False)
        for name, result in (("new messages", new), ("repeated messages, vectors remembered", repeated)):
            print(
                f"latency {factor:>2}x content ({len(knowledge.library.topics)} topics), {name}: "
                f"p50 {result['p50']:.3f} ms  p99 {result['p99']:.3f} ms  "
                f"(CPU time p50 {result['cpu p50']:.3f} ms  p99 {result['cpu p99']:.3f} ms)  over {result['n']} messages"
            )
        print(f"index for {factor}x content built in {build * 1e3:.0f} ms")

    knowledge = Knowledge(library)
    for fsync in (True, False):
        runs = [await throughput(knowledge, questions, args.clients, args.messages, fsync) for _ in range(args.repeats)]
        print(
            f"throughput, {args.clients} concurrent clients x {args.messages} messages, new messages, "
            f"core + storage (fsync={'on' if fsync else 'off'}): "
            f"median {statistics.median(runs):.0f} msg/s  (runs: {', '.join(f'{r:.0f}' for r in runs)})"
        )
    print(
        f"peak memory (RSS) of this benchmark process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
        "(it held both content sizes at once)"
    )


if __name__ == "__main__":
    asyncio.run(main())
