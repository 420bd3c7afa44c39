"""Per-client flood control: a burst of messages gets one polite "slow down", not a reply each.

A button tap weighs a third of a typed message. People tap quickly while they
book or browse (a time, five concerns, Done, Yes, Confirm, a tap a second or
faster) but type a message every few seconds at most, so counting taps like
messages warned brisk, real clients. The limits, measured in the tests: eight
typed messages in ten seconds, or 24 taps, or a mix; a script sending hundreds
crosses that within a second, gets one warning, and then silence until it stops.

Kept in memory on purpose: it protects the process that is running, and a restart
forgetting who was flooding a minute ago harms nobody.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

TYPED = 3
TAP = 1
"""Weights: a typed message counts as three taps."""


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"
    DROP = "drop"


@dataclass
class _Client:
    seen: deque[tuple[datetime, int]] = field(default_factory=deque)
    weight: int = 0
    warned: bool = False


class RateLimiter:
    def __init__(self, burst: int = 8, window: timedelta = timedelta(seconds=10), clients: int = 100_000) -> None:
        """``burst`` typed messages (or three times as many taps) are allowed per ``window``."""
        self.budget = burst * TYPED
        self.window = window
        self.clients = clients
        self._clients: OrderedDict[str, _Client] = OrderedDict()

    def check(self, key: str, now: datetime, tap: bool = False) -> Verdict:
        """OK to answer; WARN the first time a burst is exceeded; DROP while it goes on.
        Dropped messages still count, so a flood that keeps coming stays silent."""
        client = self._clients.pop(key, None) or _Client()
        while client.seen and now - client.seen[0][0] > self.window:
            client.weight -= client.seen.popleft()[1]
        client.seen.append((now, TAP if tap else TYPED))
        client.weight += TAP if tap else TYPED
        if client.weight <= self.budget:
            verdict, client.warned = Verdict.OK, False
        elif not client.warned:
            verdict, client.warned = Verdict.WARN, True
        else:
            verdict = Verdict.DROP
        while client.seen and client.weight - client.seen[0][1] > self.budget:
            client.weight -= client.seen.popleft()[1]  # enough is kept to know the burst goes on
        self._clients[key] = client
        if len(self._clients) > self.clients:
            self._clients.popitem(last=False)
        return verdict
