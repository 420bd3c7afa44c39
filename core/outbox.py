"""The port for messages that are not replies: alerts to the staff desk, relays.

The core only knows this protocol; each platform adapter implements it. Until a
desk is configured, :class:`LogOutbox` records that staff would have been told,
without the message text (which may hold health details).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

from core.events import Address, Reply

log = logging.getLogger(__name__)

STAFF_DESK = Address(platform="desk", chat_id="staff")


class Unreachable(Exception):
    """Raised by a sender when its platform says a chat can no longer be reached (the client
    blocked the bot or deleted their account), so retrying or apologising there is pointless."""


class Outbox(Protocol):
    async def send(self, address: Address, reply: Reply) -> None: ...

    async def open_thread(self, title: str) -> Address:
        """Start a thread for a new ticket at the staff desk and return its address."""
        ...


@runtime_checkable
class ReportsUnreachable(Protocol):
    """An outbox that learns from its platforms when a client can no longer be reached; the
    core hands it its handler when it is built, since the outbox exists before the core."""

    def report_unreachable_to(self, handler: Callable[[Address], Awaitable[None]]) -> None: ...


class Sender(Protocol):
    async def send_to(self, address: Address, reply: Reply) -> None: ...


class DeskSender(Sender, Protocol):
    async def open_thread(self, title: str) -> Address: ...


class PlatformOutbox:
    """Delivers each message through the adapter of its address's platform, so a
    Telegram client can be served from a Discord desk and the other way round.

    The desk is named at construction by its platform (and its main chat), not by an
    adapter object: adapters need the core, and the core needs this outbox, so the
    adapters can only exist afterwards. Each adapter registers as the sender for its
    platform, and the one registered for the desk's platform also opens ticket threads.
    """

    def __init__(
        self,
        desk_address: Address | None = None,
        desk_platform: str | None = None,
        fallback: LogOutbox | None = None,
        on_unreachable: Callable[[Address], Awaitable[None]] | None = None,
    ) -> None:
        self.senders: dict[str, Sender] = {}
        self.desk_address = desk_address
        """Where messages for "the staff desk" in general go (lead cards, refused content changes)."""
        self.desk_platform = desk_platform or (desk_address.platform if desk_address else None)
        """The platform whose adapter opens ticket threads."""
        self.fallback = fallback or LogOutbox()
        self.on_unreachable = on_unreachable
        """Told when a client can no longer be reached, so their ticket can be closed and staff told."""

    @property
    def desk(self) -> DeskSender | None:
        """The adapter that opens ticket threads, once it has registered."""
        return self.senders.get(self.desk_platform) if self.desk_platform else None

    def report_unreachable_to(self, handler: Callable[[Address], Awaitable[None]]) -> None:
        self.on_unreachable = handler

    def register(self, platform: str, sender: Sender) -> None:
        self.senders[platform] = sender

    async def send(self, address: Address, reply: Reply) -> None:
        if address == STAFF_DESK and self.desk_address is not None:
            address = self.desk_address
        sender = self.senders.get(address.platform)
        if sender is None:
            await self.fallback.send(address, reply)
            return
        try:
            await sender.send_to(address, reply)
        except Unreachable:
            log.info("a %s chat can no longer be reached; a %s message was not delivered", address.platform, reply.kind)
            await self._unreachable(address)
        except Exception:  # one failed delivery must not fail the client's turn
            log.exception("could not deliver a %s message on %s", reply.kind, address.platform)

    async def _unreachable(self, address: Address) -> None:
        if self.on_unreachable is None:
            return
        try:
            await self.on_unreachable(address)
        except Exception:  # same rule: the turn that tried to deliver goes on
            log.exception("could not act on an unreachable %s chat", address.platform)

    async def open_thread(self, title: str) -> Address:
        if self.desk is None:
            return await self.fallback.open_thread(title)
        try:
            return await self.desk.open_thread(title)
        except Exception:  # the ticket stays open; staff see it in the desk's main chat
            log.exception("could not open a desk thread")
            return await self.fallback.open_thread(title)


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
