"""Benchmark of the sentence encoder: load time, per-message latency, throughput, memory. Prints figures; asserts nothing.

    python -m bench.bench_encoder [--messages N] [--threads N]

The messages are the labelled client questions (tests/questions.yaml), taken in
turn until there are enough, each encoded as a new one. Latency is given in
wall-clock and in process CPU time: on a shared machine the first also shows
waiting for a core. Only the encoder is imported (not the rest of the bot), so
the memory figure is the encoder's own cost on top of Python and numpy.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import statistics
import time
from pathlib import Path

import yaml

from core.understanding.encoder import Encoder

QUESTIONS = Path(__file__).resolve().parents[1] / "tests" / "questions.yaml"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument("--repeats", type=int, default=3, help="throughput runs; the median is reported")
    args = parser.parse_args()

    questions = [item["q"] for item in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]
    messages = list(itertools.islice(itertools.cycle(questions), args.messages))
    before = rss_mb()

    start = time.perf_counter()
    encoder = Encoder.load(threads=args.threads)
    print(f"model load (checksums, session, tokenizer): {(time.perf_counter() - start) * 1e3:.0f} ms")

    for text in messages[:20]:  # warm up
        encoder.encode_one(text)
    samples, cpu = [], []
    for text in messages:
        encoder.encode_one.cache_clear()  # the cost of a new message, not of a remembered one
        start, start_cpu = time.perf_counter(), time.process_time()
        encoder.encode_one(text)
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(
        f"encode_one, threads={args.threads}: p50 {percentile(samples, 50) * 1e3:.2f} ms  "
        f"p99 {percentile(samples, 99) * 1e3:.2f} ms  (CPU time p50 {percentile(cpu, 50) * 1e3:.2f} ms  "
        f"p99 {percentile(cpu, 99) * 1e3:.2f} ms)  over {len(samples)} messages ({len(questions)} distinct)"
    )

    runs = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        encoder.encode(messages)
        runs.append(len(messages) / (time.perf_counter() - start))
    print(
        f"encode, {len(messages)} messages per call: median {statistics.median(runs):.0f} texts/s  "
        f"(runs: {', '.join(f'{r:.0f}' for r in runs)})"
    )
    print(f"peak RSS: {rss_mb():.0f} MB  (before loading the model: {before:.0f} MB)")


if __name__ == "__main__":
    main()
