"""The "active flow" routing stage: input for a booking in progress.

It sits after human handoff and before buttons, commands and intents (see
core/conversation/routing.py). Safety triage runs first on anything typed mid-flow. Then the flow's own answers come
first: "yes contact me" at the consent step is a yes, not a request for a
person. Only what clearly is a question or a request (a question mark or
word, a phrase such as "talk to a person", or a confident reading) interrupts:
it is answered, never stored as a field, and the client is offered to carry on.
"""

from __future__ import annotations

from core.conversation import actions
from core.conversation.answers import is_question, parse_contact
from core.conversation.commands import parse_command
from core.conversation.turn import TurnContext
from core.events import Reply, ReplyKind
from core.understanding.decide import Decision, Outcome
from core.understanding.text import clean

CANCEL_WORDS = {"cancel", "/cancel", "stop", "quit", "cancelar", "parar", "detener"}
CLEARLY = 0.6
"""A reading this confident is a question even without a question mark ("downtime", "price")."""
REQUESTS = (Outcome.HUMAN, Outcome.MENU, Outcome.HELP)
"""Phrases that ask the bot for something else ("talk to a person", "menu")."""
QUESTIONS = frozenset({Outcome.ANSWER, Outcome.PRICE, Outcome.LOCATION, Outcome.HOURS, Outcome.CONTACT, Outcome.MEDICAL})
NOT_QUESTIONS = {"times": {Outcome.HOURS}, "other": QUESTIONS, "concerns": QUESTIONS}
"""Readings expected of a real answer at a step: "weekends only" sounds like opening hours,
and "dark spots" like a topic, yet each is an answer there."""


def flow_stage(turn: TurnContext) -> list[Reply] | None:
    """Replies for input that belongs to the booking in progress; ``None`` to route normally."""
    conversation, flow, event, k = turn.conversation, turn.flow, turn.event, turn.knowledge
    draft = conversation.booking
    if draft is None:
        return None
    if event.action is not None:
        pressed = actions.parse(event.action)
        if pressed is None or pressed.verb != actions.BOOK or not pressed.arg or pressed.arg == "withdraw":
            return None
        return _press(turn, [event.action])
    if event.form:
        return flow.form(conversation, event.form, turn.now)
    text = clean(event.text or "")
    if text.casefold().rstrip(".!") in CANCEL_WORDS or parse_command(text) == ("cancel", ""):
        return flow.cancel(conversation)
    if text.startswith("/"):
        return None
    if not text:
        message = k.library.messages.non_text if event.media_kind else k.library.messages.empty
        return [k.replies.notice(message, with_menu=False), flow.ask(draft)]
    decision = turn.read(text)
    if decision.outcome is Outcome.URGENT:
        return None  # the urgent reply and ticket, like anywhere else
    if decision.outcome is Outcome.MEDICAL and decision.phrase:
        return [k.replies.medical(), flow.continue_offer()]
    presses = [] if is_question(text) else flow.typed(draft, text)
    if presses:
        return _press(turn, presses)
    if not _interrupts(text, decision, draft.step):
        return flow.text(conversation, text, turn.now)
    return None


def _interrupts(text: str, decision: Decision, step: str) -> bool:
    """Whether typed text clearly is a question or a request rather than the step's answer."""
    if step == "contact" and parse_contact(text) is not None:
        return False
    if is_question(text) or (decision.phrase and decision.outcome in REQUESTS):
        return True
    expected = NOT_QUESTIONS.get(step, set())
    return decision.outcome in QUESTIONS - expected and decision.confidence >= CLEARLY


def _press(turn: TurnContext, actions: list[str]) -> list[Reply]:
    """Apply button presses (tapped, or typed in words) to the draft; the last one's replies count."""
    replies: list[Reply] = []
    for action in actions:
        outcome = turn.flow.button(turn.conversation, action, turn.now, turn.conversation.key, turn.event)
        if outcome.request is not None:
            turn.requests.append(outcome.request)
            turn.staff.extend(outcome.notices)
        replies = outcome.replies
    return replies


def offer_to_continue(turn: TurnContext, replies: list[Reply]) -> list[Reply]:
    """After an answer given mid-flow, offer to get back to the booking; not once the client
    is with staff, who would otherwise be sent the offer's buttons."""
    asks = any(r.prompt is not None for r in replies)
    with_staff = any(action.kind == "open" for action in turn.desk)
    if turn.conversation.booking is not None and not asks and not with_staff and replies and replies[-1].kind is not ReplyKind.BOOKING:
        return [*replies, turn.flow.continue_offer()]
    return replies
