"""Typed models of the content files. Validation here is what protects clients
from a half-edited file: a topic without enough examples or a dangling
reference never reaches the running bot.
"""

from __future__ import annotations

import re
from datetime import date
from string import Formatter
from types import MappingProxyType
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from core.conversation.spanish_times import week_in_spanish

PLACEHOLDER = re.compile(r"^\s*TODO\b", re.IGNORECASE)
UNFINISHED_LINE = re.compile(r"^\s*(?:- )?TODO\b")
"""A line of an answer staff have not written yet. Case matters: Spanish "Todo" is a word."""
TOPIC_FIELD = re.compile(r"\{([^{}\s]*)\}")
TopicId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,47}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_HOURS = re.compile(r"^(closed|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$")

MIN_EXAMPLES = 8


def is_placeholder(value: str) -> bool:
    return bool(PLACEHOLDER.match(value))


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Review(Model):
    note: Text
    due: date | None = None


class Topic(Model):
    id: TopicId
    title: Text
    button: Label
    examples: list[Text] = Field(min_length=MIN_EXAMPLES)
    keywords: list[Text] = []
    related: list[TopicId] = []
    review: Review | None = None
    disclaimer: bool = False
    draft: bool = False
    """Checked like any topic but never shown to clients, so staff can work on it in place."""
    body: Text


class Section(Model):
    id: TopicId
    button: Label
    title: Text
    topics: list[TopicId] = Field(min_length=1)


class Menu(Model):
    sections: list[Section] = Field(min_length=1)


class Hours(Model):
    timezone: str
    days: dict[Weekday, str]

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use a name like America/Chicago") from None
        return value

    def describe(self) -> str:
        """The week as client-facing lines ("- Monday: 9:00 AM to 5:00 PM"); empty
        while any day is still a placeholder, since half a week would mislead."""
        if not self.days or any(is_placeholder(v) for v in self.days.values()):
            return ""
        lines = []
        for day, value in self.days.items():
            if value.strip() == "closed":
                lines.append(f"- {day.capitalize()}: closed")
                continue
            start, end = (_clock(t) for t in value.strip().split("-"))
            lines.append(f"- {day.capitalize()}: {start} to {end}")
        return "\n".join(lines)

    @field_validator("days")
    @classmethod
    def _valid_ranges(cls, days: dict[str, str]) -> dict[str, str]:
        for day, value in days.items():
            if not (is_placeholder(value) or _HOURS.match(value.strip())):
                raise ValueError(f'{day}: write "closed" or a range like "09:00-17:00", not {value!r}')
        return days


def _clock(hhmm: str) -> str:
    hour, minute = (int(p) for p in hhmm.split(":"))
    return f"{hour % 12 or 12}:{minute:02d} {'AM' if hour < 12 else 'PM'}"


class Clinic(Model):
    name: Text
    city: Text
    phone: Text
    address: Text
    prices: Text
    callback_time: Text
    booking_url: str = ""
    hours: Hours

    @field_validator("booking_url")
    @classmethod
    def _web_link(cls, value: str) -> str:
        value = value.strip()
        if value and not is_placeholder(value) and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or be left empty)")
        return value


class ButtonLabels(Model):
    book: Label
    human: Label
    menu: Label
    book_online: Label
    forget: Label
    keep: Label
    language: Label
    """The button that switches to the other language, labelled in that language ("Español")."""


TOPIC_FIELDS = frozenset({"clinic_name", "city", "phone", "address", "prices", "callback_time", "hours"})
"""The clinic details a topic's answer may name in {braces}."""
TEMPLATE_FIELDS = frozenset(
    {
        "clinic_name",
        "city",
        "phone",
        "address",
        "callback_time",
        "prices",
        "hours",
        "name",
        "section",
        "ref",
        "limit",
        "field",
        "opens",
        "retention_days",
        "booking_days",
    }
)


class TemplatedText(Model):
    """A group of messages whose {placeholders} are checked like the top-level ones."""

    @field_validator("*", mode="after")
    @classmethod
    def _known_fields_only(cls, value: object) -> object:
        return _check_placeholders(value)


def _check_placeholders(value: object, known: frozenset[str] = TEMPLATE_FIELDS) -> object:
    if isinstance(value, str):
        for _, name, _, _ in Formatter().parse(value):
            if name is not None and name not in known:
                allowed = ", ".join(f"{{{f}}}" for f in sorted(known))
                raise ValueError(f"unknown placeholder {{{name}}}; allowed: {allowed}")
    return value


class BookingButtons(TemplatedText):
    confirm: Label
    edit: Label
    cancel: Label
    done: Label
    other: Label
    agree: Label
    decline: Label
    # "continue" is a Python keyword, so the field is aliased
    continue_: Label = Field(alias="continue")
    update: Label
    withdraw: Label
    share_phone: Label
    form: Label


class BookingFieldNames(Model):
    name: Label
    contact: Label
    times: Label
    concerns: Label
    consent: Label


class HandoffMessages(TemplatedText):
    opened: Text
    after_hours: Text
    already_open: Text
    left: Text
    closed: Text
    relayed: Text
    staff_only: Text
    team_name: Label


DESK_FIELDS = frozenset({"ref", "staff", "name", "platform", "reason", "language", "status", "contact", "times", "reading"})
"""What the desk's messages may name: the ticket or request, who acted, and the client's details."""


class TicketReasons(Model):
    asked: Text
    fallback: Text
    medical: Text
    urgent: Text
    appointment: Text


class DeskMessages(Model):
    """What the bot says to staff in the desk: tickets, lead cards, desk commands. Staff read
    English, so translations have no desk group."""

    ticket_card: Text
    urgent_mark: Text
    reasons: TicketReasons
    language_line: Text
    last_messages: Text
    booking_line: Text
    now_urgent: Text
    left_queue: Text
    unreachable: Text
    forgotten: Text
    not_open: Text
    no_ticket_here: Text
    claimed: Text
    closed: Text
    noted: Text
    reply_needs_text: Text
    unanswered_title: Text
    no_unanswered: Text
    leads_title: Text
    no_leads: Text
    no_request: Text
    request_withdrawn: Text
    request_status: Text
    claimed_by: Text
    contacted_by: Text
    lead_card: Text
    lead_platform: Text
    lead_language: Text
    read_as: Text
    lead_withdrawn: Text
    reload_not_needed: Text
    reloaded: Text
    reload_refused: Text
    help_title: Text
    help_footer: Text
    claim: Label
    close: Label
    mark_contacted: Label
    unnamed_client: Label
    unnamed_staff: Label
    """Who a client or a staff member is called when their app gives no name."""

    @field_validator("*", mode="after")
    @classmethod
    def _known_fields_only(cls, value: object) -> object:
        return _check_placeholders(value, DESK_FIELDS)

    @staticmethod
    def say(template: str, **fields: object) -> str:
        """A desk message with its {fields} filled in; one the code does not give for this
        message (staff may name any of ``DESK_FIELDS``) is left empty rather than failing."""
        return template.format_map(_Blank(fields))


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


class BookingMessages(TemplatedText):
    ask_name: Text
    ask_contact: Text
    ask_times: Text
    ask_concerns: Text
    ask_other_concern: Text
    ask_consent: Text
    consent_needed: Text
    summary: Text
    confirmed: Text
    already_requested: Text
    cancelled: Text
    resumed: Text
    continue_offer: Text
    expired: Text
    bad_contact: Text
    bad_name: Text
    withdrawn: Text
    too_long: Text
    need_text: Text
    field_names: BookingFieldNames
    time_choices: dict[TopicId, Label] = Field(min_length=1)
    buttons: BookingButtons


class ClinicMessages(TemplatedText):
    """Answers about the clinic itself, from clinic.yaml. A line that names a
    detail staff have not filled in yet is left out; when nothing is left, the
    client gets ``unknown`` (the team will tell them) instead."""

    price: Text
    location: Text
    hours: Text
    contact: Text
    unknown: Text


class Messages(Model):
    greeting: Text
    privacy_notice: Text
    disclaimer: Text
    menu_intro: Text
    section_intro: Text
    help: Text
    fallback: Text
    clarify: Text
    out_of_scope: Text
    medical: Text
    urgent: Text
    booking_online: Text
    greeting_again: Text
    thanks: Text
    bye: Text
    non_text: Text
    empty: Text
    too_long: Text
    stale_button: Text
    error_apology: Text
    nothing_to_cancel: Text
    privacy: Text
    slow_down: Text
    forget_confirm: Text
    forgotten: Text
    moved_to_dm: Text = "I've sent you a direct message, so your details stay between us."
    dm_closed: Text = (
        "I couldn't send you a direct message. To keep your details private, allow direct messages from this server's"
        " members, or use the /book and /human commands here."
    )
    ask_option: Text = "Your question, in your own words"
    """Platforms' own words (a Discord server, a command option); defaults so that content written
    before them stays valid."""
    language_choice: Text
    language_set: Text
    untranslated: str = ""
    """In a translation: the note above an answer not translated yet, shown in English."""
    commands: dict[
        Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")],
        Annotated[str, StringConstraints(min_length=1, max_length=256)],
    ]
    buttons: ButtonLabels
    booking_flow: BookingMessages
    handoff: HandoffMessages
    clinic: ClinicMessages
    desk: DeskMessages

    @field_validator("*", mode="after")
    @classmethod
    def _known_fields_only(cls, value: object) -> object:
        return _check_placeholders(value)


class Safety(Model):
    urgent: list[Text] = Field(min_length=1)
    medical: list[Text] = Field(min_length=1)
    not_medical: list[Text] = []


class Intents(Model):
    book: list[Text] = Field(min_length=1)
    human: list[Text] = Field(min_length=1)
    greeting: list[Text] = Field(min_length=1)
    thanks: list[Text] = Field(min_length=1)
    bye: list[Text] = Field(min_length=1)
    menu: list[Text] = Field(min_length=1)
    help: list[Text] = Field(min_length=1)


MIN_CLASS_EXAMPLES = 5


class Examples(Model):
    """Example messages for every outcome that is not a topic (examples.yaml).

    The classifier treats each of these like a topic: a client's message is
    compared with every example, so adding a misunderstood message here (in
    new words) teaches the bot without touching code.
    """

    book: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    appointment: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    human: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    greeting: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    thanks: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    bye: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    menu: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    help: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    price: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    location: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    hours: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    contact: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    medical: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    urgent: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)
    out_of_scope: list[Text] = Field(min_length=MIN_CLASS_EXAMPLES)


class Library(Model):
    """One consistent version of all content; replaced whole, never edited in place."""

    clinic: Clinic
    messages: Messages
    safety: Safety
    intents: Intents
    examples: Examples
    menu: Menu
    topics: MappingProxyType[str, Topic]
    sources: MappingProxyType[str, str] = MappingProxyType({})
    """Topic id -> file it came from, for error messages and --explain."""
    language: str = "en"
    translations: MappingProxyType[str, Library] = Field(default_factory=lambda: MappingProxyType({}))
    """The same content as clients in another language read it ("es" from content/es/)."""
    base: Library | None = None
    """In a translation: the English content it was made from, which staff read."""
    untranslated: frozenset[str] = frozenset()
    """In a translation: topics with no version in this language yet, answered in English."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    def in_language(self, language: str) -> Library:
        """This content as a client speaking ``language`` reads it; English when there is no translation."""
        if language == self.language:
            return self
        return self.translations.get(language) or self.base or self

    @property
    def desk(self) -> Library:
        """The content staff read (English), whichever language the client speaks."""
        return self.base or self

    def _fields(self, extra: dict[str, str]) -> dict[str, str]:
        fields = {
            "clinic_name": self.clinic.name,
            "city": self.clinic.city,
            "phone": self.clinic.phone,
            "address": self.clinic.address,
            "callback_time": self.clinic.callback_time,
            "prices": self.clinic.prices,
            "hours": (week_in_spanish(self.clinic.hours.describe()) if self.language == "es" else self.clinic.hours.describe()) or "TODO",
            "name": "",
            "section": "",
        }
        fields.update(extra)
        return fields

    def unfilled(self, template: str) -> set[str]:
        """The clinic details ``template`` names that staff have not filled in yet."""
        fields = self._fields({})
        return {name for name in _fields_in(template) if is_placeholder(fields.get(name, ""))}

    def fill(self, template: str, **extra: str) -> str:
        """Fill a message template's {fields} from clinic details and ``extra``.

        A line naming a clinic detail that is still a placeholder is left out, so
        no "TODO" ever reaches a client: templates put such details on lines of
        their own ("If you need us sooner, call {phone}.").
        """
        fields = self._fields(extra)
        lines = [line for line in template.split("\n") if not self.unfilled(line)]
        return "\n".join(lines).format_map(fields)

    def topic_body(self, topic_id: str) -> str:
        """A topic's answer as clients read it: clinic details such as {address} filled in
        like any message, and lines naming an unfilled detail or still marked TODO left out.
        Other {words} stay as written (``check`` reports them), so a typo cannot break answers."""
        body = self.topics[topic_id].body
        if UNFINISHED_LINE.match(body):
            return ""
        fields = self._fields({})
        lines = [
            line
            for line in body.split("\n")
            if not UNFINISHED_LINE.match(line) and not any(is_placeholder(fields[n]) for n in topic_fields(line))
        ]
        filled = TOPIC_FIELD.sub(lambda m: fields[m[1]] if m[1] in TOPIC_FIELDS else m[0], "\n".join(lines))
        return filled.strip()

    def offered(self, topic_id: str) -> bool:
        """Whether a topic can be shown: not a draft, and its answer written, not still a placeholder."""
        return topic_id in self.topics and not self.topics[topic_id].draft and bool(self.topic_body(topic_id))

    def is_draft(self, topic_id: str) -> bool:
        """Marked ``draft: true``, or an answer that is still a placeholder: not ready for clients."""
        return self.topics[topic_id].draft or not self.topic_body(topic_id)


def topic_fields(text: str) -> list[str]:
    """The known clinic details a topic's text names in {braces}."""
    return [name for name in TOPIC_FIELD.findall(text) if name in TOPIC_FIELDS]


def _fields_in(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}
