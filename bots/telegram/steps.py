"""How the core's replies land in a Telegram chat around a tap or a flow step.

Telegram users expect a tapped message to show what they picked, used buttons
to go away, the "share my phone number" keyboard to leave with the contact step,
and a short notice to pop up as a toast. These are decided from the replies and
from the prompt the core was waiting on before and after the event; what is
said is always the core's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardMarkup

from bots.telegram.convert import PICKED, toast
from core.events import Prompt, Reply, ReplyKind

TYPED = frozenset({"text", "contact"})
"""Prompts answered by typing: the only steps an edited message re-answers."""

Settle = Literal["keep", "picked", "used"]
"""What becomes of the tapped message: left alone, shown with the pick (buttons gone), or just without buttons."""


@dataclass(frozen=True)
class Tap:
    toast: str | None
    replace: Reply | None
    """The tapped message is edited into this reply (menus, toggles, notices about the tapped button)."""
    send: list[Reply]
    settle: Settle


def answer_tap(replies: list[Reply], pressed: str, before: Prompt | None, after: Prompt | None) -> Tap:
    """Where the replies to a tap go: a toast, the tapped message itself, or new messages."""
    note = toast(replies[0]) if replies and replies[0].kind is ReplyKind.NOTICE else None
    if len(replies) == 1 and replaces_tapped(replies[0], pressed, before):
        return Tap(note, replies[0], [], "keep")
    if len(replies) == 1 and replies[0].kind is ReplyKind.NOTICE and not replies[0].buttons:
        return Tap(note, None, [], "keep")  # "slow down", "passed on to our team": the toast says it all
    return Tap(note, None, replies, settle(replies, before, after))


def replaces_tapped(reply: Reply, pressed: str, before: Prompt | None) -> bool:
    """Menu navigation, a notice about the tapped button (with what to do instead), and toggling
    an option of the multiple choice being asked read better in place than piled up."""
    if reply.kind is ReplyKind.MENU or (reply.kind is ReplyKind.NOTICE and reply.buttons):
        return True
    prompt = reply.prompt
    toggled = before is not None and any(option.action == pressed for option in before.options)
    return prompt is not None and prompt.kind == "multi" and toggled and before.field == prompt.field


def settle(replies: list[Reply], before: Prompt | None, after: Prompt | None) -> Settle:
    """A tap that moved the flow to another step (or ended it) shows what was picked; a tap that
    made the core ask again leaves its buttons behind, so only the newest question can be answered."""
    if before is None:
        return "keep"
    if after is None or after.field != before.field:
        return "picked"
    return "used" if any(r.prompt is not None for r in replies) else "keep"


def picked(markup: InlineKeyboardMarkup | None, pressed: str, before: Prompt | None) -> str | None:
    """What the tapped message should show as chosen: the ticked options of a multiple choice,
    otherwise the label of the button tapped."""
    labels = {key.callback_data: key.text for row in (markup.inline_keyboard if markup else ()) for key in row}
    ticked = [labels[a] for a in before.selected if a in labels] if before is not None and before.kind == "multi" else []
    chosen = [label.removeprefix(PICKED) for label in ticked] or ([labels[pressed]] if pressed in labels else [])
    return PICKED + ", ".join(chosen) if chosen else None


def leaves_contact_step(before: Prompt | None, after: Prompt | None) -> bool:
    """The contact step is over (answered, cancelled or expired): its reply keyboard must go."""
    return before is not None and before.kind == "contact" and (after is None or after.kind != "contact")
