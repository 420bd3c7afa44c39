"""The "active flow" routing stage: input for a booking in progress.

It sits after human handoff and before commands, buttons and intents. Safety
triage still runs on anything typed mid-flow, and a real question is answered
before the client is offered to carry on.
"""

from __future__ import annotations

from core.events import Reply, ReplyKind
from core.text import clean
from core.understanding.decide import Outcome
from core.turn import Turn

CANCEL_WORDS = {"cancel", "/cancel", "stop", "quit"}


def flow_stage(turn: Turn) -> list[Reply] | None:
    """Replies for input that belongs to the booking in progress; ``None`` to route normally."""
    conversation, flow, event, k = turn.conversation, turn.flow, turn.event, turn.k
    if conversation.booking is None:
        return None
    if event.action is not None:
        if not event.action.startswith("book:"):
            return None
        outcome = flow.button(conversation, event.action, turn.now, conversation.key, event)
        if outcome.request is not None:
            turn.requests.append(outcome.request)
            turn.staff.extend(outcome.notices)
        return outcome.replies
    if event.form:
        return flow.form(conversation, event.form, turn.now)
    text = clean(event.text or "")
    if text.casefold().rstrip(".!") in CANCEL_WORDS or text.split("@")[0].casefold() == "/cancel":
        return flow.cancel(conversation)
    if text.startswith("/"):
        return None
    if not text:
        message = k.library.messages.non_text if event.attachment else k.library.messages.empty
        return [k.replies.notice(message, with_menu=False), flow.ask(conversation.booking)]
    decision = k.read(text)
    if decision.outcome is Outcome.URGENT or (decision.outcome is Outcome.MEDICAL and decision.phrase):
        reply = k.replies.urgent() if decision.outcome is Outcome.URGENT else k.replies.medical()
        return [reply, flow.continue_offer()]
    if decision.outcome is Outcome.HUMAN and decision.phrase:
        return None  # asking for a person is never taken as an answer
    if "?" in text and conversation.booking.step != "other":
        if decision.outcome is Outcome.MEDICAL:
            return [k.replies.medical(), flow.continue_offer()]
        if decision.outcome is Outcome.ANSWER:
            return [k.replies.answer(decision.topics, decision.confidence), flow.continue_offer()]
    return flow.text(conversation, text, turn.now)


def offer_to_continue(turn: Turn, replies: list[Reply]) -> list[Reply]:
    """After an answer given mid-flow, offer to get back to the booking."""
    asks = any(r.prompt is not None for r in replies)
    if turn.conversation.booking is not None and not asks and replies and replies[-1].kind is not ReplyKind.BOOKING:
        return [*replies, turn.flow.continue_offer()]
    return replies
