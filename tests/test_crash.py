"""Crash safety: SIGKILL the bot again and again while clients chat and book.

After every restart the storage must load, and every request whose client was
told it was confirmed must be there exactly once.
"""

import random
import signal
import subprocess
import sys

from core.storage import Store
from tests.conftest import ROOT

RUNS = 6
CLIENTS = 12


def test_killed_repeatedly_nothing_confirmed_is_lost_or_doubled(tmp_path):
    rng = random.Random(2026)
    data = tmp_path / "data"
    confirmed: list[str] = []
    for run in range(RUNS):
        kill_after = rng.randint(1, CLIENTS)  # a random moment: after this many confirmations
        with subprocess.Popen([sys.executable, "-m", "tests.crash_driver", str(data), str(run), str(CLIENTS)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True) as proc:
            assert proc.stdout.readline().strip() == "READY"
            seen = 0
            for line in proc.stdout:
                if line.startswith("CONFIRMED"):
                    confirmed.append(line.split()[1])
                    seen += 1
                if seen >= kill_after or line.startswith("DONE"):
                    break
            proc.send_signal(signal.SIGKILL)
        store = Store(data, fsync=False)  # must load whatever state the kill left
        refs = [b.ref for b in store.bookings()]
        store.close()
        assert len(refs) == len(set(refs)), "a request was stored twice"
        missing = set(confirmed) - set(refs)
        assert not missing, f"run {run}: confirmed but lost: {missing}"
    assert len(confirmed) >= RUNS
