"""Handing a client to staff: tickets, the desk thread, and relaying both ways.

Modelled on Modmail's thread manager (find / open / reply / note / close), with
one difference that matters: the ticket record stores which desk thread belongs
to which client, so nothing is ever parsed back out of message text or channel
topics. The desk itself is any :class:`core.outbox.Outbox`: a Telegram forum, a
Discord channel, or the terminal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from core.content.models import Library
from core.conversation import actions as action_ids
from core.conversation.answers import show_contact
from core.conversation.commands import desk_command, find, help_text, named, parse_command
from core.conversation.spanish_times import opening
from core.desk.hours import is_open, next_opening
from core.events import Address, Button, Event, Reply, ReplyKind, ThreadMark
from core.storage.records import Conversation, Ticket, TranscriptLine
from core.storage.store import Store
from core.understanding.language import ENGLISH, NAMES, SPANISH
from core.understanding.text import escape_markdown

Reason = Literal["asked", "fallback", "medical", "urgent", "appointment"]
CARD_TURNS = 6
TICKET_TURNS = 500
"""A ticket keeps its last 500 messages: enough for any real conversation, bounded for storage."""


@dataclass(frozen=True)
class DeskAction:
    """Something for the engine to do at the desk once the state is saved."""

    ticket: int
    kind: Literal["open", "relay", "tell_client", "tell_desk"]
    reply: Reply


def client_address(ticket: Ticket) -> Address:
    return Address(platform=ticket.platform, chat_id=ticket.chat_id)


def thread_address(ticket: Ticket) -> Address | None:
    if ticket.desk_platform is None or ticket.desk_chat is None:
        return None
    return Address(platform=ticket.desk_platform, chat_id=ticket.desk_chat, thread_id=ticket.desk_thread)


class Handoff:
    def __init__(self, store: Store, library: Library, sign_with_name: bool = True, on_call: str = "") -> None:
        self.store = store
        self.lib = library
        self.msg = library.messages.handoff
        self.desk = library.desk.messages.desk
        self.sign_with_name = sign_with_name
        self.on_call = on_call

    # -- finding tickets -------------------------------------------------------

    def open_ticket(self, client: str) -> Ticket | None:
        return self.store.open_ticket_of(client)

    def by_thread(self, event: Event) -> Ticket | None:
        return self.store.open_ticket_in(event.platform, event.chat_id, event.thread) if event.thread else None

    # -- client side -----------------------------------------------------------

    def open(self, conversation: Conversation, event: Event, reason: Reason, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        """Open a ticket (at most one per client) and say what happens next."""
        existing = self.open_ticket(conversation.key)
        if existing is not None:
            return [self._say(self.msg.already_open, ref=str(existing.id))]
        ticket = Ticket(
            id=self.store.next_ticket_number(),
            client=conversation.key,
            platform=event.platform,
            chat_id=event.chat_id,
            user_id=event.user_id,
            display_name=event.display_name,
            reason=reason,
            urgent=reason == "urgent",
            opened_at=now,
        )
        self.store.save_ticket(ticket)
        actions.append(DeskAction(ticket.id, "open", self.card(ticket, conversation)))
        replies = [self._say(self.msg.opened, ref=str(ticket.id))]
        if is_open(self.lib.clinic.hours, now) is False:
            opens = next_opening(self.lib.clinic.hours, now)
            if opens is not None:
                when = opening(opens) if self.lib.language == SPANISH else opens.strftime("%A %-I:%M %p")
                replies.append(self._say(self.msg.after_hours, opens=when))
        return replies

    def from_client(self, ticket: Ticket, event: Event, said: str, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        """While a ticket is open the bot passes everything on and stays quiet (buttons and
        commands get a short receipt, since their platforms expect an answer); /cancel leaves.
        ``said`` is what the client did in words: their text, or the label of the button pressed."""
        if said.casefold() == "cancel" or parse_command(said) == ("cancel", ""):
            self._close(ticket, now, by=None)
            left = self.desk.say(self.desk.left_queue, ref=ticket.id)
            actions.append(
                DeskAction(ticket.id, "tell_desk", Reply(kind=ReplyKind.NOTICE, text=left, thread_mark=self._mark(ticket, "closed")))
            )
            return [self.back_to_bot(ticket, "left")]
        self._remember(ticket, TranscriptLine(role="client", text=said[:1000], at=now))
        name = escape_markdown(ticket.display_name or self.desk.unnamed_client)
        relay = Reply(kind=ReplyKind.HUMAN, text=f"**{name}:** {escape_markdown(said)}", file=event.media_file)
        actions.append(DeskAction(ticket.id, "relay", relay))
        if event.action or said.startswith("/"):
            return [Reply(kind=ReplyKind.NOTICE, text=self.msg.relayed)]  # a button or command still needs an answer
        return []

    def flag_urgent(self, ticket: Ticket, actions: list[DeskAction]) -> None:
        """A client with an open ticket describes a possible complication: the ticket becomes
        urgent and whoever is on call is alerted in its thread, right after the message itself."""
        if ticket.urgent:
            return
        ticket.urgent = True
        self.store.save_ticket(ticket)
        alert = self.desk.say(self.desk.now_urgent, ref=ticket.id)
        actions.append(
            DeskAction(
                ticket.id,
                "tell_desk",
                Reply(
                    kind=ReplyKind.HUMAN,
                    text=f"{alert}\n{self.on_call}".strip(),
                    thread_mark=self._mark(ticket, "urgent"),
                    alert=self.on_call or None,
                ),
            )
        )

    def back_to_bot(self, ticket: Ticket, message: str) -> Reply:
        """Telling the client, in their language, that the bot answers again (``message`` names
        the handoff message: "left", "closed"); a booking paused for the ticket is offered back."""
        conversation = self.store.conversation(ticket.client)
        lib = self._client_library(conversation)
        text = lib.fill(getattr(lib.messages.handoff, message))
        if conversation is None or conversation.booking is None:
            return Reply(kind=ReplyKind.HUMAN, text=text)
        flow = lib.messages.booking_flow
        return Reply(
            kind=ReplyKind.HUMAN,
            text=f"{text}\n\n{flow.continue_offer}",
            buttons=(
                Button(label=flow.buttons.continue_, action=action_ids.book("resume")),
                Button(label=flow.buttons.cancel, action=action_ids.book("cancel")),
            ),
        )

    # -- desk side -------------------------------------------------------------

    def from_desk(self, event: Event, text: str, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        """Staff messages: relayed to the client, unless they are desk commands or notes."""
        ticket = self.by_thread(event)
        pressed = action_ids.parse(event.action) if event.action else None
        if pressed is not None and pressed.verb == action_ids.LEAD:
            return self._lead(pressed, event.display_name or self.desk.unnamed_staff, now)
        if event.action:
            verb, number = (pressed.step, pressed.value) if pressed is not None and pressed.verb == action_ids.TICKET else ("", "")
            ticket = self.store.ticket(int(number)) if number.isdigit() else None
            command = named(verb)
            if ticket is None or not ticket.is_open or command is None or not command.in_ticket:
                return [self._desk(self.desk.say(self.desk.not_open, ref=number))]
            return command.handler(self, ticket, "", event, now, actions)
        if text.startswith("/"):
            command, rest = find(text)
            if command is None or command.is_async:
                return [self._desk(help_text(self.desk))]  # the core runs its own commands before this
            if not command.in_ticket:
                return command.handler(self, None, rest, event, now, actions)
            number, _, body = rest.partition(" ")
            if ticket is None and number.isdigit():
                ticket, rest = self.store.ticket(int(number)), body
            if ticket is None or not ticket.is_open:
                return [self._desk(self.desk.no_ticket_here)]
            return command.handler(self, ticket, rest.strip(), event, now, actions)
        if ticket is None:
            return []  # staff chatting among themselves in the desk
        return self._relay_to_client(ticket, text, event, now, actions)

    @desk_command("/unanswered", "what the bot could not answer in the last 7 days")
    def _recent_unanswered(self, ticket: None, text: str, event: Event, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        counts = Counter(e.text for e in self.store.unanswered(now - timedelta(days=7)))
        lines = [f"- {n} × {escape_markdown(text[:120])}" for text, n in counts.most_common(10)]
        return [self._desk("\n".join([self.desk.unanswered_title, *lines]) if lines else self.desk.no_unanswered)]

    @desk_command("/leads", "the latest consultation requests")
    def _recent_leads(self, ticket: None, text: str, event: Event, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        leads = self.store.bookings()[-10:]
        lines = [
            f"- {b.ref}: {escape_markdown(b.name)}, {escape_markdown(show_contact(b.contact, b.contact_kind))},"
            f" {escape_markdown(b.times)} ({b.status})"
            for b in leads
        ]
        return [self._desk("\n".join([self.desk.leads_title, *lines]) if lines else self.desk.no_leads)]

    @desk_command("/help", "this list")
    def _help(self, ticket: None, text: str, event: Event, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        return [self._desk(help_text(self.desk))]

    def _lead(self, action: action_ids.Action, staff: str, now: datetime) -> list[Reply]:
        """Claim a consultation request, or mark it contacted."""
        verb, ref = action.step, action.value
        request = next((b for b in self.store.bookings() if b.ref == ref), None)
        if request is None or verb not in ("claim", "contacted"):
            return [self._desk(self.desk.say(self.desk.no_request, ref=escape_markdown(ref)))]
        if request.status == "withdrawn":
            return [self._desk(self.desk.say(self.desk.request_withdrawn, ref=ref))]
        status = self.desk.say(self.desk.claimed_by if verb == "claim" else self.desk.contacted_by, staff=staff)
        self.store.save_booking(request.model_copy(update={"status": status, "updated_at": now}))
        return [self._desk(self.desk.say(self.desk.request_status, ref=ref, status=escape_markdown(status)))]

    @desk_command("/claim", "take this ticket, so the team knows who answers", in_ticket=True)
    def _claim(self, ticket: Ticket, text: str, event: Event, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        staff = event.display_name or self.desk.unnamed_staff
        ticket.status, ticket.claimed_at, ticket.claimed_by = "claimed", now, staff
        self.store.save_ticket(ticket)
        return [self._desk(self.desk.say(self.desk.claimed, ref=ticket.id, staff=escape_markdown(staff)))]

    @desk_command("/close", "close this ticket; the bot answers the client again", in_ticket=True)
    def _close_command(self, ticket: Ticket, text: str, event: Event, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        staff = event.display_name or self.desk.unnamed_staff
        self._close(ticket, now, by=staff)
        actions.append(DeskAction(ticket.id, "tell_client", self.back_to_bot(ticket, "closed")))
        closed = self._desk(self.desk.say(self.desk.closed, ref=ticket.id, staff=escape_markdown(staff)))
        return [closed.model_copy(update={"thread_mark": self._mark(ticket, "closed")})]

    @desk_command("/note text", "a note kept with the ticket, never sent to the client", in_ticket=True)
    def _note(self, ticket: Ticket, text: str, event: Event, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        self._remember(ticket, TranscriptLine(role="staff", text=f"[note] {text}"[:1000], at=now))
        return [self._desk(self.desk.say(self.desk.noted, ref=ticket.id))]

    @desk_command("/reply N text", "answer ticket N from outside its thread (inside it, just write)", in_ticket=True)
    def _reply(self, ticket: Ticket, text: str, event: Event, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        if not text:
            return [self._desk(self.desk.reply_needs_text)]
        return self._relay_to_client(ticket, text, event, now, actions)

    def _relay_to_client(self, ticket: Ticket, text: str, event: Event, now: datetime, actions: list[DeskAction]) -> list[Reply]:
        first_name = (event.display_name or "").split(" ")[0]
        team = self._client_library(self.store.conversation(ticket.client)).messages.handoff.team_name
        signature = escape_markdown(f"{first_name} ({team})" if self.sign_with_name and first_name else team)
        if ticket.status == "open":
            ticket.status, ticket.claimed_at, ticket.claimed_by = "claimed", now, event.display_name or self.desk.unnamed_staff
        self._remember(ticket, TranscriptLine(role="staff", text=text[:1000], at=now))
        actions.append(
            DeskAction(
                ticket.id,
                "tell_client",
                Reply(kind=ReplyKind.HUMAN, text=f"**{signature}:** {escape_markdown(text)}", file=event.media_file),
            )
        )
        return []

    def unreachable(self, ticket: Ticket, now: datetime, actions: list[DeskAction]) -> None:
        """The client blocked the bot (or deleted their chat): nothing more can reach them,
        so their ticket is closed and staff are told why in its thread."""
        self._close(ticket, now, by=None)
        actions.append(
            DeskAction(
                ticket.id,
                "tell_desk",
                Reply(
                    kind=ReplyKind.NOTICE,
                    text=self.desk.say(self.desk.unreachable, ref=ticket.id),
                    thread_mark=self._mark(ticket, "closed"),
                ),
            )
        )

    def forget(self, ticket: Ticket, now: datetime, actions: list[DeskAction]) -> None:
        """The client asked to be forgotten: close their ticket and tell the desk why it went quiet."""
        self._close(ticket, now, by=None)
        actions.append(
            DeskAction(ticket.id, "tell_desk", Reply(kind=ReplyKind.NOTICE, text=self.desk.say(self.desk.forgotten, ref=ticket.id)))
        )

    def _close(self, ticket: Ticket, now: datetime, by: str | None) -> None:
        ticket.status, ticket.closed_at = "closed", now
        self._remember(ticket, TranscriptLine(role="staff" if by else "client", text=f"[closed by {by or 'client'}]", at=now))

    def _remember(self, ticket: Ticket, line: TranscriptLine) -> None:
        ticket.transcript.append(line)
        del ticket.transcript[:-TICKET_TURNS]
        self.store.save_ticket(ticket)

    # -- presentation ------------------------------------------------------------

    def card(self, ticket: Ticket, conversation: Conversation) -> Reply:
        """The new-ticket card: reason, urgency, recent messages, any booking, Claim and Close."""
        desk = self.desk
        title = desk.say(
            desk.ticket_card,
            ref=ticket.id,
            name=escape_markdown(ticket.display_name or desk.unnamed_client),
            platform=ticket.platform,
            reason=getattr(desk.reasons, ticket.reason),
        )
        lines = [f"{desk.urgent_mark} {title}" if ticket.urgent else title]
        if conversation.language not in (None, ENGLISH):
            lines.append(desk.say(desk.language_line, language=NAMES.get(conversation.language, conversation.language)))
        if ticket.urgent and self.on_call:
            lines.append(self.on_call)
        recent = [t for t in conversation.transcript if t.role == "client"][-CARD_TURNS:]
        lines += [desk.last_messages, *(f"- {escape_markdown(t.text[:200])}" for t in recent)]
        if conversation.last_request:
            request = next((b for b in self.store.bookings() if b.ref == conversation.last_request), None)
            if request is not None:
                contact = show_contact(request.contact, request.contact_kind)
                lines.append(
                    desk.say(
                        desk.booking_line,
                        ref=request.ref,
                        name=escape_markdown(request.name),
                        contact=escape_markdown(contact),
                        times=escape_markdown(request.times),
                        status=request.status,
                    )
                )
        buttons = (
            Button(label=desk.claim, action=action_ids.ticket("claim", ticket.id)),
            Button(label=desk.close, action=action_ids.ticket("close", ticket.id)),
        )
        return Reply(
            kind=ReplyKind.HUMAN,
            text="\n".join(lines),
            buttons=buttons,
            thread_mark=self._mark(ticket, "urgent") if ticket.urgent else None,
            alert=self.on_call if ticket.urgent and self.on_call else None,
        )

    def _client_library(self, conversation: Conversation | None) -> Library:
        """The content in the client's language, for what staff actions make the bot tell them."""
        return self.lib.in_language(conversation.language or ENGLISH) if conversation is not None else self.lib

    def _mark(self, ticket: Ticket, state: str) -> ThreadMark:
        """The ticket's state for desks that can show it on the thread (a forum topic's name)."""
        return ThreadMark(state=state, title=self.title(ticket))

    def title(self, ticket: Ticket) -> str:
        return f"#{ticket.id} {ticket.display_name or self.desk.unnamed_client} ({ticket.platform})"[:100]

    def _say(self, template: str, **extra: str) -> Reply:
        return Reply(kind=ReplyKind.HUMAN, text=self.lib.fill(template, **extra))

    @staticmethod
    def _desk(text: str) -> Reply:
        return Reply(kind=ReplyKind.NOTICE, text=text)
