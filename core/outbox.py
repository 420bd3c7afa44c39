"""The port for messages that are not replies: alerts to the staff desk, relays.

The core only knows this protocol; each platform adapter implements it. Until a
desk is configured, :class:`LogOutbox` records that staff would have been told,
without the message text (which may hold health details).
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Protocol

from core.events import Address, Reply

log = logging.getLogger(__name__)

STAFF_DESK = Address(platform="desk", chat_id="staff")


class Outbox(Protocol):
    async def send(self, address: Address, reply: Reply) -> None: ...

    async def open_thread(self, title: str) -> Address:
        """Start a thread for a new ticket at the staff desk and return its address."""
        ...


class LogOutbox:
    """Logs deliveries; it keeps what it sent so the terminal chat and tests can show it."""

    def __init__(self) -> None:
        self.sent: deque[tuple[Address, Reply]] = deque(maxlen=100)
        self.threads = 0

    async def send(self, address: Address, reply: Reply) -> None:
        self.sent.append((address, reply))
        log.info("outbox: %s message to %s:%s (no desk connected yet)", reply.kind, address.platform, address.chat_id)

    async def open_thread(self, title: str) -> Address:
        self.threads += 1
        return Address(platform=STAFF_DESK.platform, chat_id=STAFF_DESK.chat_id, thread_id=str(self.threads))
