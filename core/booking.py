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

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.content.models import BookingMessages, Library, is_placeholder
from core.events import Button, Event, FormField, Prompt, Reply, ReplyKind
from core.records import BookingRequest, Conversation, Draft
from core.text import escape_markdown

STEPS = ("name", "contact", "times", "concerns", "consent")
LIMITS = {"name": 80, "contact": 120, "times": 200, "other": 200}
BENEFITS_SECTION = "benefits"
OVERVIEW_SUFFIX = "-overview"
REPEAT_WINDOW = timedelta(hours=24)


@dataclass
class Outcome:
    replies: list[Reply]
    request: BookingRequest | None = None
    notices: list[Reply] = field(default_factory=list)


def reference(conversation_key: str, started_at: datetime) -> str:
    """Stable per draft, so confirming twice names the same request."""
    digest = hashlib.blake2s(f"{conversation_key}|{started_at.isoformat()}".encode(), digest_size=5).hexdigest().upper()
    return f"MN-{digest[:4]}-{digest[4:8]}"


def parse_contact(text: str) -> tuple[str, str] | None:
    """(kind, normalised value) for a phone number (default region US) or e-mail address."""
    text = text.strip()
    if "@" in text:
        try:
            return "email", validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            return None
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class BookingFlow:
    def __init__(self, library: Library, timeout: timedelta) -> None:
        self.lib = library
        self.msg: BookingMessages = library.messages.booking_flow
        self.timeout = timeout
        section = next((s for s in library.menu.sections if s.id == BENEFITS_SECTION), None)
        self.concerns = [t for t in (section.topics if section else []) if not t.endswith(OVERVIEW_SUFFIX)]

    # -- entry points --------------------------------------------------------

    def active(self, conversation: Conversation, now: datetime) -> bool:
        return conversation.booking is not None and now - conversation.booking.updated_at <= self.timeout

    def expire(self, conversation: Conversation, now: datetime) -> list[Reply]:
        """Drop an abandoned draft, saying so once."""
        if conversation.booking is not None and not self.active(conversation, now):
            conversation.booking = None
            return [self._say(self.msg.expired)]
        return []

    def start(self, conversation: Conversation, now: datetime, updating: str | None = None) -> list[Reply]:
        recent = conversation.last_request_at is not None and now - conversation.last_request_at < REPEAT_WINDOW
        if recent and updating is None and conversation.booking is None:
            return [self._say(self.lib.fill(self.msg.already_requested, ref=conversation.last_request), buttons=(
                Button(label=self.msg.buttons.update, action="book:update"), self._menu_button()))]
        if conversation.booking is not None:
            return [self._say(self.msg.resumed), self.ask(conversation.booking)]
        conversation.booking = Draft(started_at=now, updated_at=now, updating=updating)
        replies = [self.ask(conversation.booking)]
        url = self.lib.clinic.booking_url
        if url and not is_placeholder(url):
            replies.insert(0, Reply(kind=ReplyKind.BOOKING, text=self.lib.messages.booking_online,
                                    buttons=(Button(label=self.lib.messages.buttons.book_online, url=url),)))
        return replies

    def cancel(self, conversation: Conversation) -> list[Reply]:
        conversation.booking = None
        return [self._say(self.msg.cancelled, buttons=(self._menu_button(),))]

    def continue_offer(self) -> Reply:
        return self._say(self.msg.continue_offer, buttons=(
            Button(label=self.msg.buttons.continue_, action="book:resume"), Button(label=self.msg.buttons.cancel, action="book:cancel")))

    # -- answers -------------------------------------------------------------

    def button(self, conversation: Conversation, action: str, now: datetime, key: str, event: Event) -> Outcome:
        """A ``book:...`` action while a draft exists."""
        draft = conversation.booking
        _, _, rest = action.partition(":")
        verb, _, arg = rest.partition(":")
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
            return Outcome([self._say(self.msg.consent_needed), self.ask(draft)])
        if verb == "edit" and arg in STEPS and draft.step == "summary":
            draft.step, draft.editing = arg, True
            return Outcome([self.ask(draft)])
        if verb == "confirm" and draft.step == "summary":
            return self.confirm(conversation, now, key, event)
        return Outcome([self.ask(draft)])

    def text(self, conversation: Conversation, text: str, now: datetime) -> list[Reply]:
        """Typed input for the current step."""
        draft = conversation.booking
        draft.updated_at = now
        step = "other" if draft.step == "other" else draft.step
        value = text.strip()
        if step in ("name", "times", "other", "contact") and len(value) > LIMITS[step]:
            return [self._say(self.lib.fill(self.msg.too_long, limit=str(LIMITS[step]))), self.ask(draft)]
        if step == "name" and value:
            draft.name = value
        elif step == "contact":
            parsed = parse_contact(value)
            if parsed is None:
                return [self._say(self.msg.bad_contact), self.ask(draft)]
            draft.contact_kind, draft.contact = parsed
        elif step == "times" and value:
            draft.times = value
        elif step == "other" and value:
            draft.other = value
            draft.step = "concerns"
            return [self.ask(draft)]
        else:
            return [self._say(self.msg.need_text), self.ask(draft)]
        return [self._advance(draft)]

    def form(self, conversation: Conversation, values: dict[str, str], now: datetime) -> list[Reply]:
        """Several answers at once (a Discord modal or select menu); each is validated like typed text."""
        draft = conversation.booking
        original = draft.step
        for name in ("name", "contact", "times", "other"):
            if values.get(name, "").strip():
                draft.step = name
                replies = self.text(conversation, values[name], now)
                if replies[0].prompt is None:  # an error message came first
                    draft.step = name
                    return replies
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
        labels = [self.lib.topics[c].button for c in draft.concerns if c in self.lib.topics]
        request = BookingRequest(
            ref=ref, conversation=key, platform=event.platform, chat_id=event.chat_id, user_id=event.user_id,
            name=draft.name, contact=draft.contact, contact_kind=draft.contact_kind, times=draft.times,
            concerns=labels, other=draft.other, consent=draft.consent, created_at=draft.started_at, updated_at=now,
        )
        conversation.booking = None
        conversation.last_request, conversation.last_request_at = ref, now
        text = self.lib.fill(self.msg.confirmed, ref=ref)
        return Outcome([self._say(text, buttons=(self._menu_button(),))], request=request, notices=[self.lead_card(request)])

    def lead_card(self, request: BookingRequest) -> Reply:
        """What staff see: who, how to reach them, when, what for, and the next actions."""
        names = self.msg.field_names
        lines = [
            f"**New consultation request {request.ref}**",
            f"- {names.name}: {escape_markdown(request.name)}",
            f"- {names.contact}: {escape_markdown(request.contact)} ({request.contact_kind})",
            f"- {names.times}: {escape_markdown(request.times)}",
            f"- {names.concerns}: {escape_markdown(', '.join([*request.concerns, request.other] if request.other else request.concerns) or '-')}",
            f"- Platform: {request.platform}",
        ]
        return Reply(kind=ReplyKind.BOOKING, text="\n".join(lines), buttons=(
            Button(label="Claim", action=f"lead:claim:{request.ref}"), Button(label="Mark contacted", action=f"lead:contacted:{request.ref}")))

    # -- questions -----------------------------------------------------------

    def ask(self, draft: Draft) -> Reply:
        """The question for the current step, with its native prompt."""
        b = self.msg.buttons
        cancel = Button(label=b.cancel, action="book:cancel")
        form = self._form(draft)
        match draft.step:
            case "name":
                return self._prompt(self.msg.ask_name, Prompt(field="name", kind="text", form=form, form_label=b.form), (cancel,))
            case "contact":
                share = (Button(label=b.share_phone, action="book:share-phone"),)
                prompt = Prompt(field="contact", kind="contact", options=share, form=form, form_label=b.form)
                return self._prompt(self.msg.ask_contact, prompt, (cancel,))
            case "times":
                options = tuple(Button(label=label, action=f"book:time:{key}") for key, label in self.msg.time_choices.items())
                return self._prompt(self.msg.ask_times, Prompt(field="times", kind="choice", options=options), (*options, cancel))
            case "concerns":
                options = tuple(Button(label=("✓ " if c in draft.concerns else "") + self.lib.topics[c].button, action=f"book:concern:{c}")
                                for c in self.concerns)
                other = Button(label=b.other, action="book:concern:other")
                done = Button(label=b.done, action="book:concerns-done")
                prompt = Prompt(field="concerns", kind="multi", options=options, selected=tuple(f"book:concern:{c}" for c in draft.concerns))
                return self._prompt(self.msg.ask_concerns, prompt, (*options, other, done, cancel))
            case "other":
                other = (FormField(name="other", label=b.other, value=draft.other, max_length=LIMITS["other"]),)
                return self._prompt(self.msg.ask_other_concern, Prompt(field="other", kind="text", form=other, form_label=b.form), (cancel,))
            case "consent":
                options = (Button(label=b.agree, action="book:consent:yes"), Button(label=b.decline, action="book:consent:no"))
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
        lines = [self.msg.summary,
                 f"- **{names.name}:** {escape_markdown(draft.name)}",
                 f"- **{names.contact}:** {escape_markdown(draft.contact)}",
                 f"- **{names.times}:** {escape_markdown(draft.times)}",
                 f"- **{names.concerns}:** {escape_markdown(', '.join(concerns) or '-')}",
                 f"- **{names.consent}:** {b.agree if draft.consent else b.decline}"]
        edits = tuple(Button(label=b.edit.format(field=getattr(names, f)), action=f"book:edit:{f}") for f in STEPS if f != "consent")
        buttons = (Button(label=b.confirm, action="book:confirm"), *edits, Button(label=b.cancel, action="book:cancel"))
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

    def _prompt(self, text: str, prompt: Prompt, buttons: tuple[Button, ...]) -> Reply:
        return Reply(kind=ReplyKind.BOOKING, text=text, buttons=buttons, prompt=prompt)

    def _say(self, text: str, buttons: tuple[Button, ...] = ()) -> Reply:
        return Reply(kind=ReplyKind.BOOKING, text=text, buttons=buttons)

    def _menu_button(self) -> Button:
        return Button(label=self.lib.messages.buttons.menu, action="menu")
