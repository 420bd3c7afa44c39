"""Crash safety: SIGKILL the bot again and again while clients chat and book.

After every restart the storage must load, and every request whose client was
told it was confirmed must be there exactly once, unless the client then asked to be
forgotten (and once they were told it is done, it must be gone). The driver also purges all the while and makes
some background writes fail, so kills land mid-purge and mid-retry too.
"""

import random
import signal
import subprocess
import sys

from core.storage.store import Store
from tests.conftest import ROOT

RUNS = 6
CLIENTS = 12


def test_killed_repeatedly_nothing_confirmed_is_lost_or_doubled(tmp_path):
    rng = random.Random(2026)
    data = tmp_path / "data"
    confirmed: list[str] = []
    forgetting: set[str] = set()
    forgotten: set[str] = set()
    for run in range(RUNS):
        kill_after = rng.randint(1, CLIENTS) if run < RUNS - 1 else None  # after this many confirmations, or (last run) at the end
        with subprocess.Popen(
            [sys.executable, "-m", "tests.crash_driver", str(data), str(run), str(CLIENTS)], cwd=ROOT, stdout=subprocess.PIPE, text=True
        ) as proc:
            assert proc.stdout.readline().strip() == "READY"
            lines = []
            for line in proc.stdout:
                lines.append(line)
                if sum(x.startswith("CONFIRMED") for x in lines) == kill_after or line.startswith("DONE"):
                    break
            proc.send_signal(signal.SIGKILL)
            lines += proc.stdout.readlines()  # what it said before the signal landed
        for line in (line for line in lines if line.endswith("\n")):  # not one the kill cut short
            kind, _, ref = line.strip().partition(" ")
            if kind == "CONFIRMED":
                confirmed.append(ref)
            elif kind == "FORGETTING":
                forgetting.add(ref)
            elif kind == "FORGOTTEN":
                forgotten.add(ref)
        store = Store(data, fsync=False)  # must load whatever state the kill left
        refs = [b.ref for b in store.bookings()]
        store.close()
        assert len(refs) == len(set(refs)), "a request was stored twice"
        missing = set(confirmed) - forgetting - set(refs)
        assert not missing, f"run {run}: confirmed but lost: {missing} ({lines})"
        assert not forgotten & set(refs), f"run {run}: forgotten but still there: {forgotten & set(refs)}"
    assert len(confirmed) >= RUNS and forgotten
