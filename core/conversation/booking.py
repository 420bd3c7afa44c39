"""The booking flow: a state machine whose state lives in the conversation record.

Steps: name -> contact -> preferred times -> concerns -> consent -> summary.
Each step validates its answer and re-asks with an example on bad input,
keeping everything entered so far. The summary offers confirm, change one
field, or cancel. Confirming is idempotent: the reference is derived from the
draft, so a double tap or a redelivered update saves the same request again
instead of a second one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.content.models import BookingMessages, Library, is_placeholder
from core.conversation import actions
from core.conversation.answers import looks_like_name, mentioned, parse_contact, pick, show_contact, yes_or_no
from core.conversation.spanish_times import in_english
from core.events import Button, Event, FormField, Prompt, Reply, ReplyKind
from core.storage.records import BookingRequest, Conversation, Draft
from core.understanding.language import ENGLISH, NAMES
from core.understanding.text import escape_markdown

STEPS = ("name", "contact", "times", "concerns", "consent")
TYPED_STEPS = ("name", "contact", "times", "other", "concerns")
"""Steps that take free text; "concerns" keeps it as the client's own words for what to improve."""
DONE_WORDS = frozenset(
    {
        "done",
        "finished",
        "thats all",
        "thats it",
        "nothing else",
        "none",
        "nothing",
        "next",
        "listo",
        "lista",
        "ya",
        "eso es todo",
        "es todo",
        "nada más",
        "nada mas",
        "nada",
        "ninguno",
        "ninguna",
    }
)
EDIT_WORDS = frozenset({"change", "edit", "fix", "correct", "update", "wrong", "cambiar", "corregir", "editar", "actualizar"})
FIELD_WORDS = {
    "name": "name",
    "phone": "contact",
    "number": "contact",
    "email": "contact",
    "mail": "contact",
    "contact": "contact",
    "time": "times",
    "times": "times",
    "day": "times",
    "days": "times",
    "concerns": "concerns",
    "improve": "concerns",
    "nombre": "name",
    "teléfono": "contact",
    "telefono": "contact",
    "número": "contact",
    "numero": "contact",
    "correo": "contact",
    "contacto": "contact",
    "horario": "times",
    "horarios": "times",
    "día": "times",
    "días": "times",
    "dias": "times",
    "mejorar": "concerns",
}
LIMITS = {"name": 80, "contact": 120, "times": 200, "other": 200}
BENEFITS_SECTION = "benefits"
OVERVIEW_SUFFIX = "-overview"
REPEAT_WINDOW = timedelta(hours=24)
FORM = actions.book("form")
"""Pressed to fill the typed fields in one form; where no form can be shown it asks the step again."""


@dataclass
class Outcome:
    replies: list[Reply]
    request: BookingRequest | None = None
    notices: list[Reply] = field(default_factory=list)


def reference(conversation_key: str, started_at: datetime) -> str:
    """Stable per draft, so confirming twice names the same request."""
    digest = hashlib.blake2s(f"{conversation_key}|{started_at.isoformat()}".encode(), digest_size=5).hexdigest().upper()
    return f"MN-{digest[:4]}-{digest[4:8]}"


class BookingFlow:
    def __init__(self, library: Library, timeout: timedelta) -> None:
        self.lib = library
        self.msg: BookingMessages = library.messages.booking_flow
        self.timeout = timeout
        section = next((s for s in library.menu.sections if s.id == BENEFITS_SECTION), None)
        self.concerns = [t for t in (section.topics if section else []) if not t.endswith(OVERVIEW_SUFFIX)]
        self.concern_names = {c: [library.topics[c].button, *library.topics[c].keywords] for c in self.concerns}

    # -- entry points --------------------------------------------------------

    def active(self, conversation: Conversation, now: datetime) -> bool:
        return conversation.booking is not None and now - conversation.booking.updated_at <= self.timeout

    def expire(self, conversation: Conversation, now: datetime) -> list[Reply]:
        """Drop an abandoned draft, saying so once."""
        if conversation.booking is not None and not self.active(conversation, now):
            conversation.booking = None
            return [self._say(self.msg.expired)]
        return []

    @staticmethod
    def sent_recently(conversation: Conversation, now: datetime) -> bool:
        """A request went to the team in the last day: booking again is offered as an update."""
        return conversation.last_request_at is not None and now - conversation.last_request_at < REPEAT_WINDOW

    def start(self, conversation: Conversation, now: datetime, updating: str | None = None) -> list[Reply]:
        if self.sent_recently(conversation, now) and updating is None and conversation.booking is None:
            return [
                self._say(
                    self.lib.fill(self.msg.already_requested, ref=conversation.last_request),
                    buttons=(
                        Button(label=self.msg.buttons.update, action=actions.book("update")),
                        Button(label=self.msg.buttons.withdraw, action=actions.book("withdraw")),
                        self._menu_button(),
                    ),
                )
            ]
        if conversation.booking is not None:
            return [self._say(self.msg.resumed), self.ask(conversation.booking)]
        conversation.booking = Draft(started_at=now, updated_at=now, updating=updating)
        replies = [self.ask(conversation.booking)]
        url = self.lib.clinic.booking_url
        if url and not is_placeholder(url):
            replies.insert(
                0,
                Reply(
                    kind=ReplyKind.BOOKING,
                    text=self.lib.messages.booking_online,
                    buttons=(Button(label=self.lib.messages.buttons.book_online, url=url),),
                ),
            )
        return replies

    def cancel(self, conversation: Conversation) -> list[Reply]:
        conversation.booking = None
        return [self._say(self.msg.cancelled, buttons=(self._menu_button(),))]

    def continue_offer(self) -> Reply:
        return self._say(
            self.msg.continue_offer,
            buttons=(
                Button(label=self.msg.buttons.continue_, action=actions.book("resume")),
                Button(label=self.msg.buttons.cancel, action=actions.book("cancel")),
            ),
        )

    # -- answers -------------------------------------------------------------

    def button(self, conversation: Conversation, action: str, now: datetime, key: str, event: Event) -> Outcome:
        """A ``book:...`` action while a draft exists."""
        draft = conversation.booking
        parsed = actions.parse(action) or actions.Action(actions.BOOK)
        verb, arg = parsed.step, parsed.value
        draft.updated_at = now
        if verb == "cancel":
            return Outcome(self.cancel(conversation))
        if verb == "resume":
            return Outcome([self.ask(draft)])
        if verb == "time" and draft.step == "times" and arg in self.msg.time_choices:
            draft.times = self.msg.time_choices[arg]
            return Outcome([self._advance(draft)])
        if verb == "concern" and draft.step == "concerns":
            if arg == "other":
                draft.step = "other"
                return Outcome([self.ask(draft)])
            if arg in self.concerns:
                draft.concerns = [c for c in draft.concerns if c != arg] if arg in draft.concerns else [*draft.concerns, arg]
            return Outcome([self.ask(draft)])
        if verb == "concerns-done" and draft.step == "concerns":
            draft.concerns_done = True
            return Outcome([self._advance(draft)])
        if verb == "consent" and draft.step == "consent":
            if arg == "yes":
                draft.consent = True
                return Outcome([self._advance(draft)])
            return Outcome([self._reask(draft, self.msg.consent_needed)])
        if verb == "edit" and arg in STEPS and draft.step == "summary":
            draft.step, draft.editing = arg, True
            return Outcome([self.ask(draft)])
        if verb == "confirm" and draft.step == "summary":
            return self.confirm(conversation, now, key, event)
        return Outcome([self.ask(draft)])

    def typed(self, draft: Draft, text: str) -> list[str]:
        """The presses a typed answer stands for at a step that offers buttons ("yes contact me",
        "the first one", "Saturdays", "pores and fine lines, that's it"); empty when it names none."""
        said = " ".join(text.casefold().replace("'", "").replace("’", "").split()).rstrip(".!")
        button = None
        match draft.step:
            case "times":
                button = pick(text, self.ask(draft).prompt.options, loose=False)
            case "concerns":
                if said in DONE_WORDS or yes_or_no(text) is not None:
                    return [actions.book("concerns-done")]
                found = [c for c in mentioned(text, self.concern_names) if c not in draft.concerns]
                if found:
                    return [*(actions.book("concern", c) for c in found), actions.book("concerns-done")]
                button = pick(text, self.ask(draft).buttons[:-1])
            case "consent":
                agreed = yes_or_no(text)
                if agreed is not None:
                    return [actions.book("consent", "yes" if agreed else "no")]
                button = pick(text, self.ask(draft).prompt.options)
            case "summary":
                return self._summary_choice(draft, text)
        return [button.action] if button is not None else []

    def _summary_choice(self, draft: Draft, text: str) -> list[str]:
        agreed = yes_or_no(text)
        if agreed is not None:
            return [actions.book("confirm" if agreed else "resume")]
        said = set(text.casefold().replace("-", " ").split())
        field_ = next((FIELD_WORDS[w] for w in said if w in FIELD_WORDS), None)
        if said & EDIT_WORDS and field_:
            return [actions.book("edit", field_)]
        button = pick(text, self._summary(draft).buttons[:-1])
        return [button.action] if button is not None else []

    def text(self, conversation: Conversation, text: str, now: datetime) -> list[Reply]:
        """Typed input that is neither a choice nor a question, checked like the step's own field."""
        draft = conversation.booking
        draft.updated_at = now
        problem = self._take(draft, draft.step, text.strip())
        if problem is not None:
            return [self._reask(draft, problem)]
        if draft.step == "other":
            draft.step = "concerns"
            return [self.ask(draft)]
        return [self._advance(draft)]

    def _take(self, draft: Draft, step: str, value: str) -> str | None:
        """Store ``value`` as the answer to ``step``; the message to re-ask with if it is not one."""
        if step not in TYPED_STEPS:
            return self.msg.need_text  # neither a choice nor a question: the buttons are still there
        if len(value) > LIMITS.get(step, LIMITS["other"]):
            return self.lib.fill(self.msg.too_long, limit=str(LIMITS.get(step, LIMITS["other"])))
        if step == "name":
            if not looks_like_name(value):
                return self.msg.bad_name
            draft.name = value
        elif step == "contact":
            parsed = parse_contact(value)
            if parsed is None:
                return self.msg.bad_contact
            draft.contact_kind, draft.contact = parsed
        elif step == "times":
            draft.times = value
        elif step in ("other", "concerns"):
            draft.other = value
            draft.concerns_done = draft.concerns_done or step == "concerns"
        return None

    def form(self, conversation: Conversation, values: dict[str, str], now: datetime) -> list[Reply]:
        """Several answers at once (a Discord modal or select menu); each is validated like typed text."""
        draft = conversation.booking
        draft.updated_at = now
        original = draft.step
        for name in ("name", "contact", "times", "other"):
            if values.get(name, "").strip():
                problem = self._take(draft, name, values[name].strip())
                if problem is not None:
                    draft.step = name
                    return [self._reask(draft, problem)]
        if "concerns" in values:
            picked = [c.rsplit(":", 1)[-1] for c in values["concerns"].split("|")]  # topic ids or their action ids
            draft.concerns = [c for c in picked if c in self.concerns]
            draft.concerns_done = True
        draft.step = self._next_missing(draft) if not draft.editing else "summary"
        if original == "summary" and draft.step != "summary":
            draft.editing = True
        return [self.ask(draft)]

    def confirm(self, conversation: Conversation, now: datetime, key: str, event: Event) -> Outcome:
        draft = conversation.booking
        ref = draft.updating or reference(key, draft.started_at)
        desk = self.lib.desk  # staff read requests in English, whatever the client's language
        labels = [desk.topics[c].button for c in draft.concerns if c in desk.topics]
        request = BookingRequest(
            ref=ref,
            conversation=key,
            platform=event.platform,
            chat_id=event.chat_id,
            user_id=event.user_id,
            name=draft.name,
            contact=draft.contact,
            contact_kind=draft.contact_kind,
            times=draft.times,
            concerns=labels,
            other=draft.other,
            consent=draft.consent,
            created_at=draft.started_at,
            updated_at=now,
            language=self.lib.language,
        )
        conversation.booking = None
        conversation.last_request, conversation.last_request_at = ref, now
        text = self.lib.fill(self.msg.confirmed, ref=ref)
        return Outcome([self._say(text, buttons=(self._menu_button(),))], request=request, notices=[self.lead_card(request)])

    def withdraw(self, conversation: Conversation, request: BookingRequest, now: datetime) -> Outcome:
        """The client takes back a request they sent: it stays on record as withdrawn, staff
        are told, and the client may book afresh."""
        conversation.last_request = conversation.last_request_at = None
        if conversation.booking is not None and conversation.booking.updating == request.ref:
            conversation.booking = None  # an update to what no longer exists
        withdrawn = request.model_copy(update={"status": "withdrawn", "updated_at": now})
        desk = self.lib.desk.messages.desk
        notice = Reply(kind=ReplyKind.BOOKING, text=desk.say(desk.lead_withdrawn, ref=request.ref, name=escape_markdown(request.name)))
        reply = self._say(self.lib.fill(self.msg.withdrawn, ref=request.ref), buttons=(self._menu_button(),))
        return Outcome([reply], request=withdrawn, notices=[notice])

    def lead_card(self, request: BookingRequest) -> Reply:
        """What staff see, in English: who, how to reach them, when, what for, and the next actions.
        A Spanish-speaking client's times come with an English reading, and the card says to
        call back in Spanish."""
        names = self.lib.desk.messages.booking_flow.field_names
        desk = self.lib.desk.messages.desk
        times = escape_markdown(request.times)
        reading = in_english(request.times) if request.language != ENGLISH else ""
        concerns = [*request.concerns, request.other] if request.other else request.concerns
        lines = [
            desk.say(desk.lead_card, ref=request.ref),
            f"- {names.name}: {escape_markdown(request.name)}",
            f"- {names.contact}: {escape_markdown(show_contact(request.contact, request.contact_kind))} ({request.contact_kind})",
            f"- {names.times}: {times}" + (" " + desk.say(desk.read_as, reading=escape_markdown(reading)) if reading else ""),
            f"- {names.concerns}: {escape_markdown(', '.join(concerns) or '-')}",
            desk.say(desk.lead_platform, platform=request.platform),
        ]
        if request.language != ENGLISH:
            lines.append(desk.say(desk.lead_language, language=NAMES.get(request.language, request.language)))
        return Reply(
            kind=ReplyKind.BOOKING,
            text="\n".join(lines),
            buttons=(
                Button(label=desk.claim, action=actions.lead("claim", request.ref)),
                Button(label=desk.mark_contacted, action=actions.lead("contacted", request.ref)),
            ),
        )

    # -- questions -----------------------------------------------------------

    def ask(self, draft: Draft) -> Reply:
        """The question for the current step, with its native prompt."""
        b = self.msg.buttons
        cancel = Button(label=b.cancel, action=actions.book("cancel"))
        form = self._form(draft)
        match draft.step:
            case "name":
                prompt = Prompt(field="name", kind="text", form=form, form_label=b.form, form_action=FORM)
                return self._prompt(self.msg.ask_name, prompt, (cancel,))
            case "contact":
                share = (Button(label=b.share_phone, action=actions.book("share-phone")),)
                prompt = Prompt(field="contact", kind="contact", options=share, form=form, form_label=b.form, form_action=FORM)
                return self._prompt(self.msg.ask_contact, prompt, (cancel,))
            case "times":
                options = tuple(Button(label=label, action=actions.book("time", key)) for key, label in self.msg.time_choices.items())
                return self._prompt(self.msg.ask_times, Prompt(field="times", kind="choice", options=options), (*options, cancel))
            case "concerns":
                options = tuple(
                    Button(label=self.lib.topics[c].button, action=actions.book("concern", c), checked=c in draft.concerns)
                    for c in self.concerns
                )
                other = Button(label=b.other, action=actions.book("concern", "other"))
                done = Button(label=b.done, action=actions.book("concerns-done"))
                prompt = Prompt(
                    field="concerns", kind="multi", options=options, selected=tuple(actions.book("concern", c) for c in draft.concerns)
                )
                return self._prompt(self.msg.ask_concerns, prompt, (*options, other, done, cancel))
            case "other":
                other = (FormField(name="other", label=b.other, value=draft.other, max_length=LIMITS["other"]),)
                prompt = Prompt(field="other", kind="text", form=other, form_label=b.form, form_action=FORM)
                return self._prompt(self.msg.ask_other_concern, prompt, (cancel,))
            case "consent":
                options = (
                    Button(label=b.agree, action=actions.book("consent", "yes")),
                    Button(label=b.decline, action=actions.book("consent", "no")),
                )
                return self._prompt(self.msg.ask_consent, Prompt(field="consent", kind="consent", options=options), (*options, cancel))
        return self._summary(draft)

    def _form(self, draft: Draft) -> tuple[FormField, ...]:
        names = self.msg.field_names
        return (
            FormField(name="name", label=names.name, value=draft.name, max_length=LIMITS["name"]),
            FormField(name="contact", label=names.contact, value=draft.contact, max_length=LIMITS["contact"]),
            FormField(name="times", label=names.times, value=draft.times, max_length=LIMITS["times"], required=False),
        )

    def _summary(self, draft: Draft) -> Reply:
        names, b = self.msg.field_names, self.msg.buttons
        concerns = [self.lib.topics[c].button for c in draft.concerns if c in self.lib.topics] + ([draft.other] if draft.other else [])
        lines = [
            self.msg.summary,
            f"- **{names.name}:** {escape_markdown(draft.name)}",
            f"- **{names.contact}:** {escape_markdown(show_contact(draft.contact, draft.contact_kind))}",
            f"- **{names.times}:** {escape_markdown(draft.times)}",
            f"- **{names.concerns}:** {escape_markdown(', '.join(concerns) or '-')}",
            f"- **{names.consent}:** {b.agree if draft.consent else b.decline}",
        ]
        edits = tuple(Button(label=b.edit.format(field=getattr(names, f)), action=actions.book("edit", f)) for f in STEPS if f != "consent")
        buttons = (Button(label=b.confirm, action=actions.book("confirm")), *edits, Button(label=b.cancel, action=actions.book("cancel")))
        return Reply(kind=ReplyKind.BOOKING, text="\n".join(lines), buttons=buttons, prompt=Prompt(field="summary", kind="summary"))

    # -- helpers -------------------------------------------------------------

    def _advance(self, draft: Draft) -> Reply:
        draft.step = "summary" if draft.editing else self._next_missing(draft)
        return self.ask(draft)

    @staticmethod
    def _next_missing(draft: Draft) -> str:
        if not draft.name:
            return "name"
        if not draft.contact:
            return "contact"
        if not draft.times:
            return "times"
        if not draft.concerns_done:
            return "concerns"
        if not draft.consent:
            return "consent"
        return "summary"

    def _reask(self, draft: Draft, problem: str) -> Reply:
        """One message saying what was wrong, carrying the step's prompt and buttons: the
        question itself was just asked, so it is not repeated."""
        return self.ask(draft).model_copy(update={"text": problem})

    def _prompt(self, text: str, prompt: Prompt, buttons: tuple[Button, ...]) -> Reply:
        return Reply(kind=ReplyKind.BOOKING, text=text, buttons=buttons, prompt=prompt)

    def _say(self, text: str, buttons: tuple[Button, ...] = ()) -> Reply:
        return Reply(kind=ReplyKind.BOOKING, text=text, buttons=buttons)

    def _menu_button(self) -> Button:
        return Button(label=self.lib.messages.buttons.menu, action="menu")
