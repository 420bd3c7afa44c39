"""A button press in the words of the button the client pressed.

Action ids such as ``book:concern:pores`` are for the core. Staff reading a
ticket card or a relayed message should see what the client saw ("Pores"),
so presses are remembered and relayed by their label.
"""

from __future__ import annotations

from core.content.models import Library
from core.conversation import actions


def label_of(library: Library, action_id: str) -> str | None:
    """The label of the button that carries ``action_id``; ``None`` for one the content no longer has."""
    action = actions.parse(action_id)
    if action is None:
        return None
    verb, rest = action
    buttons = library.messages.buttons
    if verb in (actions.MENU, actions.BOOK, actions.HUMAN) and not rest:
        return getattr(buttons, verb)
    if verb == actions.MENU:
        return next((s.button for s in library.menu.sections if s.id == rest), None)
    if verb == actions.FAQ:
        return library.topics[rest].button if rest in library.topics else None
    if verb == actions.FORGET:
        return {"confirm": buttons.forget, "keep": buttons.keep}.get(rest)
    if verb == actions.BOOK:
        return _booking_label(library, action)
    return None


def _booking_label(library: Library, action: actions.Action) -> str | None:
    flow = library.messages.booking_flow
    b = flow.buttons
    step, arg = action.step, action.value
    if step == "time":
        return flow.time_choices.get(arg)
    if step == "concern":
        return b.other if arg == "other" else library.topics[arg].button if arg in library.topics else None
    if step == "consent":
        return {"yes": b.agree, "no": b.decline}.get(arg)
    if step == "edit":
        field = getattr(flow.field_names, arg, None) if arg in type(flow.field_names).model_fields else None
        return b.edit.format(field=field) if field else None
    simple = {
        "confirm": b.confirm,
        "cancel": b.cancel,
        "resume": b.continue_,
        "update": b.update,
        "withdraw": b.withdraw,
        "concerns-done": b.done,
        "share-phone": b.share_phone,
        "form": b.form,
    }
    return simple.get(step)


def describe_press(library: Library, action_id: str) -> str:
    """How a press reads in a transcript: ``[tapped: Pores]``."""
    label = label_of(library, action_id)
    return f"[tapped: {label}]" if label else "[tapped an old button]"
