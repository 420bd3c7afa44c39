"""Turns of one conversation are handled one at a time, in the order they arrive.

Platforms deliver updates concurrently (Telegram handles several at once, a
client can double-tap a button), and a turn waits for storage and for the desk.
Without an order, the reply to a later turn could reach the client first: "You
already sent us a request" before "Thank you!". A lock per conversation, held
while a turn is handled and its replies are delivered, keeps them in turn order;
asyncio's locks wake waiters first come, first served.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class TurnOrder:
    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def turn(self, key: str) -> AsyncIterator[None]:
        """Hold ``key``'s place until the block ends; the lock is dropped once nobody waits for it."""
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
