"""The order in which a client's message is answered, read in one place: :data:`ROUTE`.

Each stage is a small function of the turn that either answers (a list of replies)
or passes (``None``); the first answer is the turn's. Why this order:

- A client with an open ticket talks to staff, so the bot relays and stays quiet;
  safety triage still runs there, and /privacy, /forget and the language choice
  are still answered.
- A booking left alone too long is dropped before anything reads it, and the
  client is told, ahead of whatever answers.
- Input for the booking in progress comes before buttons, commands and words, so
  "yes contact me" at the consent step is a yes, not a request for a person; the
  flow stage runs triage itself and passes whatever clearly is something else.
- Buttons, then input the bot cannot read (a photo, nothing at all), then
  commands; a typed "cancel" right after a request was sent offers to withdraw it.
- Last, understanding: safety phrases first (a possible complication gets the
  urgent reply and an urgent ticket, a personal medical question never gets a
  content answer), then unmistakable phrases ("talk to a person", a bare "hi"),
  then the classifier, which always answers.

An answer given while a booking is paused ends with an offer to carry on with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from core.content.models import Library
from core.conversation import actions, client_requests
from core.conversation.commands import CLIENT, named, parse_command
from core.conversation.flow_stage import CANCEL_WORDS, flow_stage, offer_to_continue
from core.conversation.labels import describe_press
from core.conversation.turn import TurnContext
from core.events import Event, Reply
from core.understanding.decide import Outcome
from core.understanding.text import MAX_INPUT_CHARS, clean

log = logging.getLogger(__name__)

Stage = Callable[[TurnContext], list[Reply] | None]


def open_ticket(turn: TurnContext) -> list[Reply] | None:
    """A client whose ticket is open: the bot stays quiet and relays, but triage still
    runs, so a complication gets the urgent reply and makes the ticket urgent."""
    ticket = turn.handoff.open_ticket(turn.conversation.key)
    if ticket is None or _about_privacy(turn.event):
        return None
    text = turn.text
    replies = turn.handoff.from_client(ticket, turn.event, describe(turn.knowledge.library, turn.event), turn.now, turn.desk)
    if ticket.is_open and text and turn.read(text).outcome is Outcome.URGENT:
        log.info("safety triage: urgent during an open ticket")
        turn.handoff.flag_urgent(ticket, turn.desk)
        return [turn.knowledge.replies.urgent(offer_team=False), *replies]
    return replies


def expired_booking(turn: TurnContext) -> None:
    """Never answers: drops an abandoned booking draft, telling the client ahead of the answer."""
    turn.before.extend(turn.flow.expire(turn.conversation, turn.now))


def button(turn: TurnContext) -> list[Reply] | None:
    return client_requests.press(turn, turn.event.action) if turn.event.action is not None else None


def non_text(turn: TurnContext) -> list[Reply] | None:
    """A photo, sticker or voice message with no words: the bot can only read text."""
    k, event = turn.knowledge, turn.event
    if event.media_kind is not None and not (event.text or "").strip():
        return [k.replies.notice(k.library.messages.non_text)]
    return None


def empty(turn: TurnContext) -> list[Reply] | None:
    k = turn.knowledge
    return None if turn.text else [k.replies.notice(k.library.messages.empty)]


def command(turn: TurnContext) -> list[Reply] | None:
    return client_requests.command(turn, turn.text) if turn.text.startswith("/") else None


def typed_cancel(turn: TurnContext) -> list[Reply] | None:
    """ "cancel" right after a request was sent: the way to withdraw it."""
    if turn.text.casefold().rstrip(".!") in CANCEL_WORDS and turn.flow.sent_recently(turn.conversation, turn.now):
        return client_requests.book(turn, "cancel")
    return None


def understanding(turn: TurnContext) -> list[Reply]:
    """Safety phrases, unmistakable phrases, then the classifier; an overlong message is
    answered from its start, with a note saying so."""
    k, event = turn.knowledge, turn.event
    replies = client_requests.understand(turn, turn.text)
    if len(event.text or "") > MAX_INPUT_CHARS:
        replies.insert(0, k.replies.notice(k.library.messages.too_long, with_menu=False))
    return replies


def offering_to_continue(*stages: Stage) -> tuple[Stage, ...]:
    """The stages whose answers, given while a booking is paused, end with the offer to carry on."""

    def offering(stage: Stage) -> Stage:
        def answer(turn: TurnContext) -> list[Reply] | None:
            replies = stage(turn)
            return None if replies is None else offer_to_continue(turn, replies)

        answer.__name__ = stage.__name__
        return answer

    return tuple(offering(stage) for stage in stages)


ROUTE: tuple[Stage, ...] = (
    open_ticket,
    expired_booking,
    flow_stage,
    *offering_to_continue(
        button,
        non_text,
        empty,
        command,
        typed_cancel,
        understanding,
    ),
)


def route(turn: TurnContext) -> list[Reply]:
    """The turn's replies: the first stage of :data:`ROUTE` that answers (the last always does)."""
    replies = next(replies for stage in ROUTE if (replies := stage(turn)) is not None)
    return [*turn.before, *replies]


def _about_privacy(event: Event) -> bool:
    """/privacy, /forget and the choice of language are answered even while a ticket is open."""
    typed = parse_command(event.text or "")
    command = named(typed.name, CLIENT) if typed is not None else None
    pressed = actions.parse(event.action or "")
    return command is not None and command.with_staff or pressed is not None and pressed.verb in (actions.FORGET, actions.LANGUAGE)


def describe(library: Library, event: Event) -> str:
    """What the client did, as staff should read it: their words, or the button's label."""
    if event.action is not None:
        return describe_press(library, event.action)
    if event.media_kind is not None and not event.text:
        return f"[{event.media_kind}]"
    return clean(event.text or "")
