"""Per-client flood control: a burst of messages gets one polite "slow down", not a reply each.

Kept in memory on purpose: it protects the process that is running, and a restart
forgetting who was flooding a minute ago harms nobody.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta
from enum import Enum


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"
    DROP = "drop"


class RateLimiter:
    def __init__(self, burst: int = 8, window: timedelta = timedelta(seconds=10), clients: int = 100_000) -> None:
        self.burst = burst
        self.window = window
        self.clients = clients
        self._seen: OrderedDict[str, tuple[deque[datetime], bool]] = OrderedDict()

    def check(self, key: str, now: datetime) -> Verdict:
        """OK to answer; WARN the first time a burst is exceeded; DROP while it goes on."""
        times, warned = self._seen.pop(key, (deque(), False))
        while times and now - times[0] > self.window:
            times.popleft()
        times.append(now)
        if len(times) <= self.burst:
            verdict, warned = Verdict.OK, False
        elif not warned:
            verdict, warned = Verdict.WARN, True
        else:
            verdict = Verdict.DROP
        while len(times) > self.burst + 1:
            times.popleft()
        self._seen[key] = (times, warned)
        if len(self._seen) > self.clients:
            self._seen.popitem(last=False)
        return verdict
