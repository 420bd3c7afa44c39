"""The storage benchmark must keep running as the code changes; its figures are read by people, not asserted."""

import subprocess
import sys

from tests.conftest import ROOT


def test_storage_benchmark_runs_small_and_prints_its_figures():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_storage",
            "--conversations",
            "300",
            "--bookings",
            "150",
            "--messages",
            "40",
            "--rate",
            "200",
            "--checkpoint-every",
            "20",
            "--think",
            "0.01",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    for figure in ("retention purge:", "checkpoints", "latency per message: p50", "restart with", "set aside as damaged: 0"):
        assert figure in result.stdout, result.stdout
