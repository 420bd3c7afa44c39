"""The benchmark must keep running as the code changes; its figures are read by people, not asserted."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

BENCH_ENV = {**os.environ, "MEDSPA_CACHE_DIR": str(Path(os.environ["MEDSPA_CACHE_DIR"]) / "bench")}
"""The benchmark's ten-times content has vectors of its own; kept in a folder of their own (conftest sets
MEDSPA_CACHE_DIR), they are not overwritten by this test process, which rewrites its cache file whenever it
encodes something new, and the next run finds them."""


def test_benchmark_runs_and_prints_its_figures():
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_core", "--rounds", "1", "--clients", "5", "--messages", "2", "--repeats", "1"],
        cwd=ROOT,
        env=BENCH_ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "latency  1x content" in result.stdout and "latency 10x content" in result.stdout
    assert result.stdout.count("msg/s") == 2


def test_load_benchmark_runs_and_finds_no_lost_or_mixed_state():
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_load", "--clients", "30", "--messages", "20", "--stored", "100", "400"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "lost or mixed-up state: 0 problem(s)" in result.stdout
    assert "storage write cost:" in result.stdout and "msg/s" in result.stdout
