"""The core's front door: one event in, a list of replies out.

Routing follows a fixed order, each stage a small function that either answers
or passes: command/button, then input checks, then safety triage, then intents,
then the FAQ. Safety sits before intents and the FAQ so that no phrasing can get
a complication answered from the topics.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from core import actions
from core.booking import BookingFlow
from core.events import Button, Event, Prompt, Reply, ReplyKind
from core.handoff import DeskAction, Handoff, client_address, thread_address
from core.understanding.decide import Decision, Outcome, decide
from core.flow_stage import flow_stage, offer_to_continue
from core.knowledge import Knowledge
from core.outbox import STAFF_DESK, Outbox
from core.ratelimit import RateLimiter, Verdict
from core.records import Conversation, Unanswered
from core.redact import redact
from core.storage import Store
from core.text import MAX_INPUT_CHARS, clean, escape_markdown
from core.turn import Turn

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Reload = Callable[[], Awaitable[list]]
"""Reloads content now; returns the errors if the change was refused."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class Core:
    def __init__(self, knowledge: Knowledge, store: Store, outbox: Outbox, clock: Clock = utcnow,
                 booking_timeout: timedelta = timedelta(hours=24), sign_with_name: bool = True, on_call: str = "",
                 reload: Reload | None = None, retention_days: int = 90, booking_days: int = 365,
                 limiter: RateLimiter | None = None) -> None:
        self.knowledge = knowledge
        self.store = store
        self.outbox = outbox
        self.clock = clock
        self.booking_timeout = booking_timeout
        self.sign_with_name = sign_with_name
        self.on_call = on_call
        self.reload = reload
        self.retention_days = retention_days
        self.booking_days = booking_days
        self.limiter = limiter or RateLimiter()

    def commands(self) -> dict[str, str]:
        """Commands and their descriptions, for the platforms' command menus."""
        return dict(self.knowledge.library.messages.commands)

    def apology(self) -> Reply:
        """The neutral message adapters send when something failed on our side."""
        return self.knowledge.replies.notice(self.knowledge.library.messages.error_apology, with_menu=False)

    def staff_only(self) -> Reply:
        """What a non-staff member gets for trying a desk control."""
        return self.knowledge.replies.notice(self.knowledge.library.messages.handoff.staff_only, with_menu=False)

    def pending_prompt(self, conversation_key: str) -> Prompt | None:
        """What the client's flow is waiting for, so an adapter can show it as a form."""
        conversation = self.store.conversation(conversation_key)
        if conversation is None or conversation.booking is None:
            return None
        return BookingFlow(self.knowledge.library, self.booking_timeout).ask(conversation.booking).prompt

    def use(self, knowledge: Knowledge) -> None:
        """Switch to new content; replies already being built keep the version they started with."""
        self.knowledge = knowledge

    def _handoff(self, knowledge: Knowledge) -> Handoff:
        return Handoff(self.store, knowledge.library, self.sign_with_name, self.on_call)

    async def handle(self, event: Event) -> list[Reply]:
        if event.from_desk:
            return await self._handle_desk(event)
        knowledge = self.knowledge
        now = self.clock()
        verdict = self.limiter.check(event.conversation_key, now)
        if verdict is not Verdict.OK:
            log.info("rate limit: %s for conversation %s", verdict.value, log_id(event.conversation_key))
            return [knowledge.replies.notice(knowledge.library.messages.slow_down, with_menu=False)] if verdict is Verdict.WARN else []
        conversation = self.store.conversation(event.conversation_key) or Conversation(
            key=event.conversation_key,
            platform=event.platform,
            chat_id=event.chat_id,
            started_at=now,
            updated_at=now,
        )
        conversation.user_id = event.user_id
        conversation.display_name = event.display_name
        conversation.remember("client", _describe(event), now)
        turn = Turn(knowledge, BookingFlow(knowledge.library, self.booking_timeout), event, conversation, now, self._handoff(knowledge))

        ticket = turn.handoff.open_ticket(conversation.key)
        if ticket is not None and not _about_privacy(event):
            replies = turn.handoff.from_client(ticket, event, clean(event.text or ""), now, turn.desk)
        else:
            replies = turn.flow.expire(conversation, now) + self._route(turn)
            if any(r.kind is ReplyKind.URGENT for r in replies):
                replies += turn.handoff.open(conversation, event, "urgent", now, turn.desk)

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
        await self.store.commit()  # durable before anyone is told anything
        for notice in turn.staff:
            await self.outbox.send(STAFF_DESK, notice)
        await self._carry_out(turn.desk, turn.handoff)
        log.info("handled %s event for conversation %s: %s", event.platform, log_id(conversation.key), ",".join(r.kind for r in replies))
        return replies

    def _route(self, turn: Turn) -> list[Reply]:
        in_flow = flow_stage(turn)
        if in_flow is not None:
            return in_flow
        return offer_to_continue(turn, self._route_outside_flow(turn))

    def _route_outside_flow(self, turn: Turn) -> list[Reply]:
        k, event = turn.k, turn.event
        if event.action is not None:
            return self._button(turn, event.action)
        if event.attachment is not None and not (event.text or "").strip():
            return [k.replies.notice(k.library.messages.non_text)]
        text = clean(event.text or "")
        if not text:
            return [k.replies.notice(k.library.messages.empty)]
        if text.startswith("/"):
            return self._command(turn, text)
        replies = self._understand(turn, text)
        if len(event.text or "") > MAX_INPUT_CHARS:
            replies.insert(0, k.replies.notice(k.library.messages.too_long, with_menu=False))
        return replies

    def _button(self, turn: Turn, action_id: str) -> list[Reply]:
        k = turn.k
        action = actions.parse(action_id)
        stale = [k.replies.menu(notice=k.library.messages.stale_button)]
        if action is None:
            return stale
        if action.verb == "faq":
            return [k.replies.answer((action.arg,), 1.0)] if action.arg in k.library.topics else stale
        if action.verb == "menu":
            if not action.arg:
                return [k.replies.menu()]
            section = next((s for s in k.library.menu.sections if s.id == action.arg), None)
            return [k.replies.section(section)] if section else stale
        if action.verb == "book":
            return self._book(turn, action.arg)
        if action.verb == "forget":
            return self._forget(turn) if action.arg == "confirm" else [k.replies.menu()]
        return self._human(turn)

    def _forget(self, turn: Turn) -> list[Reply]:
        """Delete the client's records (after the confirm button); an open ticket is closed and the desk told."""
        ticket = turn.handoff.open_ticket(turn.conversation.key)
        if ticket is not None:
            turn.handoff.forget(ticket, turn.now, turn.desk)
        turn.forget = True
        return [turn.k.replies.notice(turn.k.library.messages.forgotten)]

    def _human(self, turn: Turn) -> list[Reply]:
        """Open a ticket; the reason is what the bot last said (an offer after a fallback
        or a medical question is accepted by pressing "talk to our team")."""
        last = next((t.text for t in reversed(turn.conversation.transcript) if t.role == "bot"), "")
        reason = "fallback" if last.startswith("[fallback") else "medical" if last.startswith("[medical") else "asked"
        return turn.handoff.open(turn.conversation, turn.event, reason, turn.now, turn.desk)

    def _book(self, turn: Turn, arg: str = "") -> list[Reply]:
        """Start (or resume) booking; ``book:update`` reopens the last request, other
        ``book:...`` ids without a draft are left over from a finished or expired booking."""
        conversation = turn.conversation
        if arg == "update" and conversation.last_request:
            return turn.flow.start(conversation, turn.now, updating=conversation.last_request)
        if arg and conversation.last_request:
            return turn.flow.start(conversation, turn.now)  # says the request is already with the team
        if arg:
            return [turn.k.replies.menu(notice=turn.k.library.messages.stale_button)]
        return turn.flow.start(conversation, turn.now)

    def _command(self, turn: Turn, text: str) -> list[Reply]:
        k, event = turn.k, turn.event
        name, _, rest = text[1:].partition(" ")
        name = name.split("@", 1)[0].lower()
        if name == "ask" and rest.strip():
            return self._understand(turn, rest.strip())
        if name == "start":
            return k.replies.welcome(escape_markdown(event.display_name or "there"))
        if name == "menu":
            return [k.replies.menu()]
        if name == "book":
            return self._book(turn)
        if name == "human":
            return self._human(turn)
        if name == "cancel":
            return [k.replies.notice(k.library.messages.nothing_to_cancel)]
        if name == "privacy":
            return [k.replies.notice(k.library.fill(k.library.messages.privacy, retention_days=str(self.retention_days),
                                                    booking_days=str(self.booking_days)))]
        if name == "forget":
            b = k.library.messages.buttons
            return [Reply(kind=ReplyKind.NOTICE, text=k.library.messages.forget_confirm,
                          buttons=(Button(label=b.forget, action="forget:confirm"), Button(label=b.keep, action="forget:keep")))]
        return [k.replies.help()]

    def _understand(self, turn: Turn, text: str) -> list[Reply]:
        decision = turn.k.read(text, last_topic=turn.conversation.last_topic)
        if decision.outcome in (Outcome.URGENT, Outcome.MEDICAL):
            log.info("safety triage: %s (%s)", decision.outcome, "phrase" if decision.phrase else "classifier")
        return self._outcome(turn, decision)

    def _outcome(self, turn: Turn, decision: Decision) -> list[Reply]:
        k = turn.k
        msg = k.library.messages
        match decision.outcome:
            case Outcome.ANSWER:
                return [k.replies.answer(decision.topics, decision.confidence)]
            case Outcome.CLARIFY:
                return [k.replies.clarify(decision.topics, decision.confidence)]
            case Outcome.URGENT:
                return [k.replies.urgent()]
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

    async def _handle_desk(self, event: Event) -> list[Reply]:
        """A message or button from the staff desk (adapters set ``from_desk`` only after checking)."""
        now = self.clock()
        handoff = self._handoff(self.knowledge)
        text = clean(event.text or "")
        command = text[1:].split(" ")[0].split("@")[0].lower() if text.startswith("/") else ""
        if command == "reload" and self.reload is not None:
            errors = await self.reload()
            return [Reply(kind=ReplyKind.NOTICE, text="Content reloaded." if not errors else
                          "Content change refused:\n" + "\n".join(f"- {escape_markdown(str(e))}" for e in errors[:10]))]
        extra = {}
        if command == "unanswered":
            extra["unanswered"] = self._recent_unanswered(now)
        if command == "leads":
            extra["leads"] = self._recent_leads()
        actions: list[DeskAction] = []
        replies = handoff.from_desk(event, text, now, actions, extra)
        await self.store.commit()
        await self._carry_out(actions, handoff)
        log.info("handled desk event: %s", ",".join(r.kind for r in replies) or "relayed")
        return replies

    def _recent_unanswered(self, now: datetime) -> str:
        counts = Counter(e.text for e in self.store.unanswered(now - timedelta(days=7)))
        lines = [f"- {n} × {escape_markdown(text[:120])}" for text, n in counts.most_common(10)]
        return "\n".join(["**Unanswered in the last 7 days**", *lines]) if lines else "No unanswered questions in the last 7 days."

    def _recent_leads(self) -> str:
        leads = self.store.bookings()[-10:]
        lines = [f"- {b.ref}: {escape_markdown(b.name)}, {escape_markdown(b.contact)}, {escape_markdown(b.times)} ({b.status})" for b in leads]
        return "\n".join(["**Latest consultation requests**", *lines]) if lines else "No consultation requests yet."

    async def _carry_out(self, actions: list[DeskAction], handoff: Handoff) -> None:
        """Desk side effects, after the state they depend on is durable."""
        for action in actions:
            ticket = self.store.ticket(action.ticket)
            if action.kind == "open":
                thread = await self.outbox.open_thread(handoff.title(ticket))
                ticket.desk_platform, ticket.desk_chat, ticket.desk_thread = thread.platform, thread.chat_id, thread.thread_id
                self.store.save_ticket(ticket)
                await self.store.commit()
                await self.outbox.send(thread, action.reply)
            elif action.kind == "tell_client":
                await self.outbox.send(client_address(ticket), action.reply)
            else:
                await self.outbox.send(thread_address(ticket) or STAFF_DESK, action.reply)


def _about_privacy(event: Event) -> bool:
    """/privacy and /forget are answered even while a ticket is open."""
    text = (event.text or "").strip().split("@")[0].lower()
    return text in ("/privacy", "/forget") or (event.action or "").startswith("forget:")


def log_id(key: str) -> str:
    """A stable pseudonym for a conversation, so logs can be followed without naming anyone."""
    return hashlib.blake2s(key.encode(), digest_size=6).hexdigest()


def _describe(event: Event) -> str:
    if event.action is not None:
        return f"[button {event.action}]"
    if event.attachment is not None and not event.text:
        return f"[{event.attachment}]"
    return clean(event.text or "")
