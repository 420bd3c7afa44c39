"""The core's front door: one event in, a list of replies out.

Routing follows a fixed order, each stage a small function that either answers
or passes: open ticket, then active booking, then command/button, then input
checks, then safety triage, then intents, then the FAQ. Safety sits before
intents and the FAQ so that no phrasing can get a complication answered from the
topics, and it also runs while a ticket is open or a booking is under way.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from core import actions
from core.booking import BookingFlow
from core.content.models import Library
from core.desk_commands import desk_command, find
from core.events import Address, Button, Event, Prompt, Reply, ReplyKind
from core.flow_stage import CANCEL_WORDS, flow_stage, offer_to_continue
from core.handoff import DeskAction, Handoff, client_address, thread_address
from core.knowledge import Knowledge
from core.labels import describe_press
from core.language import ENGLISH, chosen, command_name, follow
from core.outbox import STAFF_DESK, Outbox
from core.ratelimit import RateLimiter, Verdict
from core.records import Conversation, Ticket, Unanswered
from core.redact import redact
from core.settings import CoreOptions
from core.storage import Store
from core.text import MAX_INPUT_CHARS, clean, escape_markdown
from core.turn import TurnContext
from core.turn_order import TurnOrder
from core.understanding.decide import Decision, Outcome

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
    the other."""

    def __init__(self, knowledge: Knowledge, store: Store, outbox: Outbox, options: CoreOptions = CoreOptions(),
                 clock: Clock = utcnow, reloader: Reloader | None = None, limiter: RateLimiter | None = None) -> None:
        self.knowledge = knowledge
        self.store = store
        self.outbox = outbox
        self.options = options
        self.clock = clock
        self.reloader = reloader
        self.limiter = limiter or RateLimiter()
        self.order = TurnOrder()

    def commands(self, language: str = ENGLISH) -> dict[str, str]:
        """Commands and their descriptions in ``language``, for the platforms' command menus
        (Spanish speakers see /idioma where English speakers see /language)."""
        library = self.knowledge.library.in_language(language)
        return {command_name(name, library.language): text for name, text in library.messages.commands.items()}

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
            replies = self._respond(turn)
            self._keep(turn, replies)
            await self.store.commit()  # durable before anyone is told anything
            try:
                if deliver is not None:
                    await deliver(replies)
            finally:
                for notice in turn.staff:
                    await self.outbox.send(STAFF_DESK, notice)
                await self._carry_out(turn.desk, turn.handoff, holding=event.conversation_key)
        log.info("handled %s event for conversation %s: %s", event.platform, log_id(event.conversation_key), ",".join(r.kind for r in replies))
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
        return TurnContext(knowledge, BookingFlow(knowledge.library, self.options.booking_timeout), event, conversation, now, self._handoff(knowledge))

    def _respond(self, turn: TurnContext) -> list[Reply]:
        ticket = turn.handoff.open_ticket(turn.conversation.key)
        if ticket is not None and not _about_privacy(turn.event):
            return self._with_staff(turn, ticket)
        return turn.flow.expire(turn.conversation, turn.now) + self._route(turn)

    def _with_staff(self, turn: TurnContext, ticket: Ticket) -> list[Reply]:
        """A client whose ticket is open: the bot stays quiet and relays, but triage still
        runs, so a complication gets the urgent reply and makes the ticket urgent."""
        text = clean(turn.event.text or "")
        replies = turn.handoff.from_client(ticket, turn.event, describe(turn.knowledge.library, turn.event), turn.now, turn.desk)
        if ticket.is_open and text and turn.read(text).outcome is Outcome.URGENT:
            log.info("safety triage: urgent during an open ticket")
            turn.handoff.flag_urgent(ticket, turn.desk)
            return [turn.knowledge.replies.urgent(offer_team=False), *replies]
        return replies

    def _keep(self, turn: TurnContext, replies: list[Reply]) -> None:
        """Record the turn: transcript, unanswered questions, booking requests, the conversation."""
        conversation, event, now = turn.conversation, turn.event, turn.now
        for reply in replies:
            conversation.remember("bot", f"[{reply.kind}{':' + reply.topic if reply.topic else ''}]", now)
            if reply.kind is ReplyKind.ANSWER:
                conversation.last_topic = reply.topic
            if reply.kind in (ReplyKind.FALLBACK, ReplyKind.CLARIFY) and event.text and not turn.forget:
                self.store.log_unanswered(
                    Unanswered(at=now, conversation=conversation.key, text=redact(clean(event.text)[:500], event.display_name),
                               kind=reply.kind.value, closest_topic=reply.topic, score=reply.confidence or 0.0)
                )
        for request in turn.requests:
            self.store.save_booking(request)
        conversation.messages += 1
        conversation.updated_at = now
        if turn.forget:
            self.store.forget(conversation.key)
        else:
            self.store.save_conversation(conversation)

    def _route(self, turn: TurnContext) -> list[Reply]:
        in_flow = flow_stage(turn)
        if in_flow is not None:
            return in_flow
        return offer_to_continue(turn, self._route_outside_flow(turn))

    def _route_outside_flow(self, turn: TurnContext) -> list[Reply]:
        k, event = turn.knowledge, turn.event
        if event.action is not None:
            return self._button(turn, event.action)
        if event.media_kind is not None and not (event.text or "").strip():
            return [k.replies.notice(k.library.messages.non_text)]
        text = clean(event.text or "")
        if not text:
            return [k.replies.notice(k.library.messages.empty)]
        if text.startswith("/"):
            return self._command(turn, text)
        if text.casefold().rstrip(".!") in CANCEL_WORDS and turn.flow.sent_recently(turn.conversation, turn.now):
            return self._book(turn, "cancel")
        replies = self._understand(turn, text)
        if len(event.text or "") > MAX_INPUT_CHARS:
            replies.insert(0, k.replies.notice(k.library.messages.too_long, with_menu=False))
        return replies

    def _button(self, turn: TurnContext, action_id: str) -> list[Reply]:
        k = turn.knowledge
        action = actions.parse(action_id)
        stale = [k.replies.menu(notice=k.library.messages.stale_button)]
        if action is None:
            return stale
        if action.verb == "faq":
            return [k.replies.answer((action.arg,), 1.0)] if k.library.offered(action.arg) else stale
        if action.verb == "menu":
            if not action.arg:
                return [k.replies.menu()]
            section = next((s for s in k.library.menu.sections if s.id == action.arg), None)
            return [k.replies.section(section)] if section else stale
        if action.verb == "book":
            return self._book(turn, action.arg)
        if action.verb == "forget":
            return self._forget(turn) if action.arg == "confirm" else [k.replies.menu()]
        if action.verb == "lang":
            return self._language(turn, action.arg)
        return self._human(turn)

    def _language(self, turn: TurnContext, named: str) -> list[Reply]:
        """Answer in the language the client picked from now on; with none named, offer the choice."""
        language = chosen(named)
        if language is None or language not in self.languages():
            return [turn.knowledge.replies.language_choice(self.languages())]
        turn.conversation.language, turn.conversation.language_chosen = language, True
        turn.speak(turn.knowledge.in_language(language))
        k = turn.knowledge
        return [k.replies.notice(k.library.messages.language_set, with_menu=False), k.replies.menu()]

    def _forget(self, turn: TurnContext) -> list[Reply]:
        """Delete the client's records (after the confirm button); an open ticket is closed and the desk told."""
        ticket = turn.handoff.open_ticket(turn.conversation.key)
        if ticket is not None:
            turn.handoff.forget(ticket, turn.now, turn.desk)
        turn.forget = True
        return [turn.knowledge.replies.notice(turn.knowledge.library.messages.forgotten)]

    def _human(self, turn: TurnContext) -> list[Reply]:
        """Open a ticket; the reason is what the bot last said (an offer after a fallback
        or a medical question is accepted by pressing "talk to our team")."""
        last = next((t.text for t in reversed(turn.conversation.transcript) if t.role == "bot"), "")
        reason = "fallback" if last.startswith("[fallback") else "medical" if last.startswith("[medical") else "asked"
        return turn.handoff.open(turn.conversation, turn.event, reason, turn.now, turn.desk)

    def _book(self, turn: TurnContext, arg: str = "") -> list[Reply]:
        """Start (or resume) booking; ``book:update`` reopens the last request, ``book:withdraw``
        takes it back. Other ``book:...`` ids without a draft are left over from a finished
        booking (the Cancel of a summary already sent, say): they offer to update or withdraw
        a request sent in the last day."""
        conversation = turn.conversation
        if arg == "withdraw":
            return self._withdraw(turn)
        if arg == "update" and conversation.last_request:
            return turn.flow.start(conversation, turn.now, updating=conversation.last_request)
        if arg and turn.flow.sent_recently(conversation, turn.now):
            return turn.flow.start(conversation, turn.now)  # already with the team: update or withdraw
        if arg:
            return [turn.knowledge.replies.menu(notice=turn.knowledge.library.messages.stale_button)]
        return turn.flow.start(conversation, turn.now)

    def _cancel(self, turn: TurnContext) -> list[Reply]:
        """/cancel outside a flow: right after a request was sent, the way to withdraw it."""
        if turn.flow.sent_recently(turn.conversation, turn.now):
            return self._book(turn, "cancel")
        return [turn.knowledge.replies.notice(turn.knowledge.library.messages.nothing_to_cancel)]

    def _withdraw(self, turn: TurnContext) -> list[Reply]:
        """The client takes back the request they sent; staff are told."""
        ref = turn.conversation.last_request
        request = next((b for b in self.store.bookings() if b.ref == ref), None) if ref else None
        if request is None or request.status == "withdrawn":
            return [turn.knowledge.replies.menu(notice=turn.knowledge.library.messages.stale_button)]
        outcome = turn.flow.withdraw(turn.conversation, request, turn.now)
        turn.requests.append(outcome.request)
        turn.staff.extend(outcome.notices)
        return outcome.replies

    def _command(self, turn: TurnContext, text: str) -> list[Reply]:
        k, event = turn.knowledge, turn.event
        name, _, rest = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        if name == "ask" and rest.strip():
            return self._understand(turn, rest.strip())
        if name == "start":
            return k.replies.welcome(escape_markdown(event.display_name))
        if name == "menu":
            return [k.replies.menu()]
        if name == "book":
            return self._book(turn)
        if name == "human":
            return self._human(turn)
        if name == "cancel":
            return self._cancel(turn)
        if command_name(name, ENGLISH) == "language":
            return self._language(turn, rest)
        if name == "privacy":
            return [k.replies.notice(k.library.fill(k.library.messages.privacy, retention_days=str(self.options.retention_days),
                                                    booking_days=str(self.options.booking_days)))]
        if name == "forget":
            b = k.library.messages.buttons
            return [Reply(kind=ReplyKind.NOTICE, text=k.library.messages.forget_confirm,
                          buttons=(Button(label=b.forget, action="forget:confirm"), Button(label=b.keep, action="forget:keep")))]
        return [k.replies.help()]

    def _understand(self, turn: TurnContext, text: str) -> list[Reply]:
        decision = turn.read(text)
        if decision.outcome in (Outcome.URGENT, Outcome.MEDICAL):
            log.info("safety triage: %s (%s)", decision.outcome, "phrase" if decision.phrase else "classifier")
        return self._outcome(turn, decision)

    def _outcome(self, turn: TurnContext, decision: Decision) -> list[Reply]:
        k = turn.knowledge
        msg = k.library.messages
        match decision.outcome:
            case Outcome.ANSWER:
                return [k.replies.answer(decision.topics, decision.confidence)]
            case Outcome.CLARIFY:
                return [k.replies.clarify(decision.topics, decision.confidence)]
            case Outcome.URGENT:
                return [k.replies.urgent(offer_team=False), *turn.handoff.open(turn.conversation, turn.event, "urgent", turn.now, turn.desk)]
            case Outcome.MEDICAL:
                return [k.replies.medical()]
            case Outcome.BOOK:
                return self._book(turn)
            case Outcome.HUMAN:
                return self._human(turn)
            case Outcome.APPOINTMENT:
                return turn.handoff.open(turn.conversation, turn.event, "appointment", turn.now, turn.desk)
            case Outcome.PRICE | Outcome.LOCATION | Outcome.HOURS | Outcome.CONTACT:
                return [k.replies.clinic_fact(decision.outcome.value)]
            case Outcome.MENU:
                return [k.replies.menu()]
            case Outcome.HELP:
                return [k.replies.help()]
            case Outcome.GREETING:
                return [k.replies.smalltalk(msg.greeting_again)]
            case Outcome.THANKS:
                return [k.replies.smalltalk(msg.thanks)]
            case Outcome.BYE:
                return [k.replies.smalltalk(msg.bye)]
            case Outcome.OUT_OF_SCOPE:
                return [k.replies.out_of_scope()]
        return [k.replies.fallback(decision.scores[0] if decision.scores else None)]

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
        if self.reloader is None:
            return [Reply(kind=ReplyKind.NOTICE, text="Content reloads by itself here; there is nothing to do.")]
        errors = await self.reloader.reload(self)
        return [Reply(kind=ReplyKind.NOTICE, text="Content reloaded." if not errors else
                      "Content change refused:\n" + "\n".join(f"- {escape_markdown(str(e))}" for e in errors[:10]))]

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


def _about_privacy(event: Event) -> bool:
    """/privacy, /forget and the choice of language are answered even while a ticket is open."""
    text = (event.text or "").strip().split("@")[0].lower()
    return (text in ("/privacy", "/forget") or text.split(" ")[0] in ("/language", "/idioma")
            or (event.action or "").startswith(("forget:", "lang:")))


def log_id(key: str) -> str:
    """A stable pseudonym for a conversation, so logs can be followed without naming anyone."""
    return hashlib.blake2s(key.encode(), digest_size=6).hexdigest()


def describe(library: Library, event: Event) -> str:
    """What the client did, as staff should read it: their words, or the button's label."""
    if event.action is not None:
        return describe_press(library, event.action)
    if event.media_kind is not None and not event.text:
        return f"[{event.media_kind}]"
    return clean(event.text or "")
