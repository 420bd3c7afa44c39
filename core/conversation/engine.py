"""The core's front door: one event in, a list of replies out.

A client's turn is read, routed and kept here: the order in which it is answered
lives in core/conversation/routing.py. Staff messages from the desk go to core/desk/handoff.py.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from core.conversation.booking import BookingFlow
from core.conversation.commands import client_commands, desk_command, find
from core.conversation.ratelimit import RateLimiter, Verdict
from core.conversation.routing import describe, route
from core.conversation.turn import TurnContext
from core.conversation.turn_order import TurnOrder
from core.desk.handoff import DeskAction, Handoff, client_address, thread_address
from core.events import Address, Event, Prompt, Reply, ReplyKind
from core.outbox import STAFF_DESK, Outbox, ReportsUnreachable
from core.settings import CoreOptions
from core.storage.records import Conversation, Unanswered
from core.storage.redact import redact
from core.storage.store import Store
from core.understanding.knowledge import Knowledge
from core.understanding.language import ENGLISH, follow
from core.understanding.text import clean, escape_markdown

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Deliver = Callable[[list[Reply]], Awaitable[None]]
"""Sends a turn's replies to whoever caused it (the client, or the desk thread staff wrote in)."""


class Reloader(Protocol):
    async def reload(self, core: Core) -> list:
        """Check the content and switch ``core`` to it; returns the errors if the change was refused."""
        ...


def utcnow() -> datetime:
    return datetime.now(UTC)


class Core:
    """The platform-neutral bot. Everything it works with is passed in here and nothing is
    wired in afterwards: its options as one value, and the content reloader, which is told
    which core to reload when asked (``reloader.reload(core)``), so neither is built around
    the other. An outbox that hears about unreachable clients is given the core's handler here."""

    def __init__(
        self,
        knowledge: Knowledge,
        store: Store,
        outbox: Outbox,
        options: CoreOptions = CoreOptions(),
        clock: Clock = utcnow,
        reloader: Reloader | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.knowledge = knowledge
        self.store = store
        self.outbox = outbox
        self.options = options
        self.clock = clock
        self.reloader = reloader
        self.limiter = limiter or RateLimiter()
        self.order = TurnOrder()
        if isinstance(outbox, ReportsUnreachable):
            outbox.report_unreachable_to(self.client_unreachable)

    def commands(self, language: str = ENGLISH) -> dict[str, str]:
        """Commands and their descriptions in ``language``, for the platforms' command menus
        (Spanish speakers see /idioma where English speakers see /language)."""
        library = self.knowledge.library.in_language(language)
        described = library.messages.commands
        return {c.name_in(library.language): described[c.name] for c in client_commands() if c.name in described}

    def command_options(self, language: str = ENGLISH) -> dict[str, str]:
        """The commands that read the words after them, with what to type there, for platforms
        whose menus offer a text field (Discord's /ask question)."""
        library = self.knowledge.library.in_language(language)
        return {c.name_in(library.language): library.messages.ask_option for c in client_commands() if c.takes_text}

    def languages(self) -> tuple[str, ...]:
        """The languages clients can be answered in: English and each translation of the content."""
        return (ENGLISH, *self.knowledge.library.translations)

    def apology(self, conversation_key: str | None = None) -> Reply:
        """The neutral message adapters send when something failed on our side, in the client's language."""
        k = self._speaking(self.knowledge, conversation_key)
        return k.replies.notice(k.library.messages.error_apology, with_menu=False)

    def staff_only(self, conversation_key: str | None = None) -> Reply:
        """What a non-staff member gets for trying a desk control."""
        k = self._speaking(self.knowledge, conversation_key)
        return k.replies.notice(k.library.messages.handoff.staff_only, with_menu=False)

    def _speaking(self, knowledge: Knowledge, conversation_key: str | None) -> Knowledge:
        """``knowledge`` in the stored language of a conversation, for replies made outside a turn."""
        conversation = self.store.conversation(conversation_key) if conversation_key else None
        return knowledge.in_language(conversation.language or ENGLISH) if conversation else knowledge

    def pending_prompt(self, conversation_key: str) -> Prompt | None:
        """What the client's flow is waiting for, so an adapter can show it as a form."""
        conversation = self.store.conversation(conversation_key)
        if conversation is None or conversation.booking is None:
            return None
        library = self.knowledge.library.in_language(conversation.language or ENGLISH)
        return BookingFlow(library, self.options.booking_timeout).ask(conversation.booking).prompt

    def use(self, knowledge: Knowledge) -> None:
        """Switch to new content; replies already being built keep the version they started with."""
        self.knowledge = knowledge

    def _handoff(self, knowledge: Knowledge) -> Handoff:
        return Handoff(self.store, knowledge.library, self.options.sign_with_name, self.options.on_call)

    async def handle(self, event: Event, deliver: Deliver | None = None) -> list[Reply]:
        """Handle one event; returns its replies.

        Pass ``deliver`` to have the replies sent while the turn still holds the
        conversation's place: before the staff desk hears about the turn, and before
        the client's next turn is handled, so replies reach a client in the order of
        the turns even when a platform hands over updates concurrently. It is called
        once per event, also with no replies (a relayed message, a flood), since some
        platforms must acknowledge every interaction. Without it the caller sends
        what is returned, after the desk has been told.
        """
        if event.from_desk:
            return await self._handle_desk(event, deliver)
        knowledge = self.knowledge
        now = self.clock()
        verdict = self.limiter.check(event.conversation_key, now, tap=event.action is not None or event.form is not None)
        if verdict is not Verdict.OK:
            log.info("rate limit: %s for conversation %s", verdict.value, log_id(event.conversation_key))
            speaking = self._speaking(knowledge, event.conversation_key)
            replies = [speaking.replies.notice(speaking.library.messages.slow_down, with_menu=False)] if verdict is Verdict.WARN else []
            if deliver is not None:
                await deliver(replies)
            return replies
        async with self.order.turn(event.conversation_key):
            turn = self._turn(knowledge, event, now)
            replies = route(turn)
            self._keep(turn, replies)
            await self.store.commit()  # durable before anyone is told anything
            try:
                if deliver is not None:
                    await deliver(replies)
            finally:
                for notice in turn.staff:
                    await self.outbox.send(STAFF_DESK, notice)
                await self._carry_out(turn.desk, turn.handoff, holding=event.conversation_key)
        log.info(
            "handled %s event for conversation %s: %s", event.platform, log_id(event.conversation_key), ",".join(r.kind for r in replies)
        )
        return replies

    def _turn(self, knowledge: Knowledge, event: Event, now: datetime) -> TurnContext:
        conversation = self.store.conversation(event.conversation_key) or Conversation(
            key=event.conversation_key,
            platform=event.platform,
            chat_id=event.chat_id,
            started_at=now,
            updated_at=now,
        )
        conversation.user_id = event.user_id
        conversation.display_name = event.display_name
        knowledge = knowledge.in_language(follow(conversation, event))
        conversation.remember("client", describe(knowledge.library, event), now)
        return TurnContext(knowledge, event, conversation, now, self.store, self.options, self.languages())

    def _keep(self, turn: TurnContext, replies: list[Reply]) -> None:
        """Record the turn: transcript, unanswered questions, booking requests, the conversation."""
        conversation, event, now = turn.conversation, turn.event, turn.now
        for reply in replies:
            conversation.remember("bot", f"[{reply.kind}{':' + reply.topic if reply.topic else ''}]", now)
            if reply.kind is ReplyKind.ANSWER:
                conversation.last_topic = reply.topic
            if reply.kind in (ReplyKind.FALLBACK, ReplyKind.CLARIFY) and event.text and not turn.forget:
                self.store.log_unanswered(
                    Unanswered(
                        at=now,
                        conversation=conversation.key,
                        text=redact(clean(event.text)[:500], event.display_name),
                        kind=reply.kind.value,
                        closest_topic=reply.topic,
                        score=reply.confidence or 0.0,
                    )
                )
        for request in turn.requests:
            self.store.save_booking(request)
        conversation.messages += 1
        conversation.updated_at = now
        if turn.forget:
            self.store.forget(conversation.key)
        else:
            self.store.save_conversation(conversation)

    async def _handle_desk(self, event: Event, deliver: Deliver | None) -> list[Reply]:
        """A message or button from the staff desk (adapters set ``from_desk`` only after checking)."""
        now = self.clock()
        handoff = self._handoff(self.knowledge)
        text = clean(event.text or "")
        command, rest = find(text) if not event.action else (None, "")
        actions: list[DeskAction] = []
        if command is not None and command.is_async:
            replies = await command.handler(self, rest)
        else:
            replies = handoff.from_desk(event, text, now, actions)
            await self.store.commit()
        try:
            if deliver is not None:
                await deliver(replies)
        finally:
            await self._carry_out(actions, handoff)
        log.info("handled desk event: %s", ",".join(r.kind for r in replies) or "relayed")
        return replies

    @desk_command("/reload", "check the content files and switch to them now")
    async def _reload_command(self, text: str) -> list[Reply]:
        desk = self.knowledge.library.desk.messages.desk
        if self.reloader is None:
            return [Reply(kind=ReplyKind.NOTICE, text=desk.reload_not_needed)]
        errors = await self.reloader.reload(self)
        return [
            Reply(
                kind=ReplyKind.NOTICE,
                text=desk.reloaded
                if not errors
                else desk.reload_refused + "\n" + "\n".join(f"- {escape_markdown(str(e))}" for e in errors[:10]),
            )
        ]

    async def client_unreachable(self, address: Address) -> None:
        """A platform says a client can no longer be reached: their open ticket is closed
        with a note to staff. Called from inside a delivery, so it takes no turn lock."""
        ticket = self.store.open_ticket_of(f"{address.platform}:{address.chat_id}")
        if ticket is None:
            return
        handoff = self._handoff(self.knowledge)
        actions: list[DeskAction] = []
        handoff.unreachable(ticket, self.clock(), actions)
        await self.store.commit()
        await self._carry_out(actions, handoff)

    async def _carry_out(self, actions: list[DeskAction], handoff: Handoff, holding: str | None = None) -> None:
        """Desk side effects, after the state they depend on is durable. A message for a client
        waits its turn behind that client's own turns (``holding`` is the turn already held)."""
        for action in actions:
            ticket = self.store.ticket(action.ticket)
            if action.kind == "open":
                thread = await self.outbox.open_thread(handoff.title(ticket))
                ticket.desk_platform, ticket.desk_chat, ticket.desk_thread = thread.platform, thread.chat_id, thread.thread_id
                self.store.save_ticket(ticket)
                await self.store.commit()
                await self.outbox.send(thread, action.reply)
            elif action.kind == "tell_client" and ticket.client == holding:
                await self.outbox.send(client_address(ticket), action.reply)
            elif action.kind == "tell_client":
                async with self.order.turn(ticket.client):
                    await self.outbox.send(client_address(ticket), action.reply)
            else:
                await self.outbox.send(thread_address(ticket) or STAFF_DESK, action.reply)


def log_id(key: str) -> str:
    """A stable pseudonym for a conversation, so logs can be followed without naming anyone."""
    return hashlib.blake2s(key.encode(), digest_size=6).hexdigest()
