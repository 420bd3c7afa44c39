"""What a client can ask the bot to do, whichever way they ask: a button, a command, or words.

The routing stages (core/conversation/routing.py) decide which of these a message is; each function
here does it for the turn and returns the client's replies.
"""

from __future__ import annotations

import logging

from core.conversation import actions
from core.conversation.commands import CLIENT, client_command, find
from core.conversation.turn import TurnContext
from core.events import Button, Reply, ReplyKind
from core.understanding.decide import Decision, Outcome
from core.understanding.language import SPANISH, chosen
from core.understanding.text import escape_markdown

log = logging.getLogger(__name__)


def press(turn: TurnContext, action_id: str) -> list[Reply]:
    """A button the client pressed (outside a booking's own steps)."""
    k = turn.knowledge
    action = actions.parse(action_id)
    stale = [k.replies.menu(notice=k.library.messages.stale_button)]
    if action is None or action.verb not in actions.CLIENT_VERBS:
        return stale
    if action.verb == actions.FAQ:
        return [k.replies.answer((action.arg,), 1.0)] if k.library.offered(action.arg) else stale
    if action.verb == actions.MENU:
        if not action.arg:
            return [k.replies.menu()]
        section = next((s for s in k.library.menu.sections if s.id == action.arg), None)
        return [k.replies.section(section)] if section else stale
    if action.verb == actions.BOOK:
        return book(turn, action.arg)
    if action.verb == actions.FORGET:
        return forget(turn) if action.arg == "confirm" else [k.replies.menu()]
    if action.verb == actions.LANGUAGE:
        return choose_language(turn, action.arg)
    return human(turn)


def command(turn: TurnContext, text: str) -> list[Reply]:
    """A client's /command, dispatched through the command registry (core/conversation/commands.py)."""
    found, rest = find(text, CLIENT)
    return found.handler(turn, rest) if found is not None else [turn.knowledge.replies.help()]


@client_command("start")
def _start(turn: TurnContext, rest: str) -> list[Reply]:
    return turn.knowledge.replies.welcome(escape_markdown(turn.event.display_name))


@client_command("ask", takes_text=True)
def _ask(turn: TurnContext, rest: str) -> list[Reply]:
    return understand(turn, rest) if rest else [turn.knowledge.replies.help()]


@client_command("menu")
def _menu(turn: TurnContext, rest: str) -> list[Reply]:
    return [turn.knowledge.replies.menu()]


@client_command("help")
def _help(turn: TurnContext, rest: str) -> list[Reply]:
    return [turn.knowledge.replies.help()]


@client_command("book")
def _book(turn: TurnContext, rest: str) -> list[Reply]:
    return book(turn)


@client_command("human")
def _human(turn: TurnContext, rest: str) -> list[Reply]:
    return human(turn)


@client_command("cancel")
def _cancel(turn: TurnContext, rest: str) -> list[Reply]:
    return cancel(turn)


@client_command("privacy", with_staff=True)
def _privacy(turn: TurnContext, rest: str) -> list[Reply]:
    k = turn.knowledge
    return [
        k.replies.notice(
            k.library.fill(
                k.library.messages.privacy, retention_days=str(turn.options.retention_days), booking_days=str(turn.options.booking_days)
            )
        )
    ]


@client_command("forget", with_staff=True)
def _forget(turn: TurnContext, rest: str) -> list[Reply]:
    msg = turn.knowledge.library.messages
    return [
        Reply(
            kind=ReplyKind.NOTICE,
            text=msg.forget_confirm,
            buttons=(
                Button(label=msg.buttons.forget, action=actions.forget("confirm")),
                Button(label=msg.buttons.keep, action=actions.forget("keep")),
            ),
        )
    ]


@client_command("language", local_names={SPANISH: "idioma"}, with_staff=True)
def _language(turn: TurnContext, rest: str) -> list[Reply]:
    return choose_language(turn, rest)


def understand(turn: TurnContext, text: str) -> list[Reply]:
    """Words: safety phrases, then unmistakable phrases, then the classifier (core/understanding)."""
    decision = turn.read(text)
    if decision.outcome in (Outcome.URGENT, Outcome.MEDICAL):
        log.info("safety triage: %s (%s)", decision.outcome, "phrase" if decision.phrase else "classifier")
    return act_on(turn, decision)


def act_on(turn: TurnContext, decision: Decision) -> list[Reply]:
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
            return book(turn)
        case Outcome.HUMAN:
            return human(turn)
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


def choose_language(turn: TurnContext, named: str) -> list[Reply]:
    """Answer in the language the client picked from now on; with none named, offer the choice."""
    language = chosen(named)
    if language is None or language not in turn.languages:
        return [turn.knowledge.replies.language_choice(turn.languages)]
    turn.conversation.language, turn.conversation.language_chosen = language, True
    turn.speak(turn.knowledge.in_language(language))
    k = turn.knowledge
    return [k.replies.notice(k.library.messages.language_set, with_menu=False), k.replies.menu()]


def forget(turn: TurnContext) -> list[Reply]:
    """Delete the client's records (after the confirm button); an open ticket is closed and the desk told."""
    ticket = turn.handoff.open_ticket(turn.conversation.key)
    if ticket is not None:
        turn.handoff.forget(ticket, turn.now, turn.desk)
    turn.forget = True
    return [turn.knowledge.replies.notice(turn.knowledge.library.messages.forgotten)]


def human(turn: TurnContext) -> list[Reply]:
    """Open a ticket; the reason is what the bot last said (an offer after a fallback
    or a medical question is accepted by pressing "talk to our team")."""
    last = next((t.text for t in reversed(turn.conversation.transcript) if t.role == "bot"), "")
    reason = "fallback" if last.startswith("[fallback") else "medical" if last.startswith("[medical") else "asked"
    return turn.handoff.open(turn.conversation, turn.event, reason, turn.now, turn.desk)


def book(turn: TurnContext, arg: str = "") -> list[Reply]:
    """Start (or resume) booking; ``book:update`` reopens the last request, ``book:withdraw``
    takes it back. Other ``book:...`` ids without a draft are left over from a finished
    booking (the Cancel of a summary already sent, say): they offer to update or withdraw
    a request sent in the last day."""
    conversation = turn.conversation
    if arg == "withdraw":
        return withdraw(turn)
    if arg == "update" and conversation.last_request:
        return turn.flow.start(conversation, turn.now, updating=conversation.last_request)
    if arg and turn.flow.sent_recently(conversation, turn.now):
        return turn.flow.start(conversation, turn.now)  # already with the team: update or withdraw
    if arg:
        return [turn.knowledge.replies.menu(notice=turn.knowledge.library.messages.stale_button)]
    return turn.flow.start(conversation, turn.now)


def cancel(turn: TurnContext) -> list[Reply]:
    """/cancel outside a flow: right after a request was sent, the way to withdraw it."""
    if turn.flow.sent_recently(turn.conversation, turn.now):
        return book(turn, "cancel")
    return [turn.knowledge.replies.notice(turn.knowledge.library.messages.nothing_to_cancel)]


def withdraw(turn: TurnContext) -> list[Reply]:
    """The client takes back the request they sent; staff are told."""
    ref = turn.conversation.last_request
    request = next((b for b in turn.store.bookings() if b.ref == ref), None) if ref else None
    if request is None or request.status == "withdrawn":
        return [turn.knowledge.replies.menu(notice=turn.knowledge.library.messages.stale_button)]
    outcome = turn.flow.withdraw(turn.conversation, request, turn.now)
    turn.requests.append(outcome.request)
    turn.staff.extend(outcome.notices)
    return outcome.replies
