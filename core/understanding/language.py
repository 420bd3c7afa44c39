"""Which language a conversation is in: English (the default) or Spanish.

Each client message is read by lingua, restricted to the two languages, whose
models ship inside its wheel, so nothing is downloaded and short chat messages
are read well (it was the more accurate of the offline detectors on the
development set's short messages; see ``bench/bench_language.py``).

A conversation changes language with hysteresis: the first message that reads
clearly enough sets it, and after that only a clearly worded message of a few
words switches it, so "ok", "botox" or "thanks" in a Spanish conversation
never does. A language the client picked (``/idioma``, ``/language`` or the
button) is kept until they pick another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from core.events import Event
from core.storage.records import Conversation
from core.understanding.text import words

ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)
NAMES = {ENGLISH: "English", SPANISH: "Spanish"}
"""Language names as staff read them on desk cards."""

FIRST = 0.65
"""Confidence needed to set the language of a conversation that has none yet ("hola" reads 0.66)."""
SWITCH = 0.8
SWITCH_WORDS = 3
"""A conversation in one language switches only on a message of this many words read this clearly."""

NEUTRAL = frozenset(
    {
        "microneedling",
        "microneedle",
        "micro",
        "needling",
        "botox",
        "ok",
        "okay",
        "spf",
        "dermapen",
        "hydrafacial",
        "filler",
        "fillers",
        "laser",
        "serum",
        "serums",
        "lol",
        "jaja",
        "haha",
        "doctors",
        "med",
        "spa",
        "little",
        "rock",
    }
)
"""Words both languages' clients use (treatment and brand names, the clinic's name); they say nothing
about the language and would pull a Spanish question towards English."""

CHOICES = {
    "en": ENGLISH,
    "english": ENGLISH,
    "ingles": ENGLISH,
    "es": SPANISH,
    "spanish": SPANISH,
    "espanol": SPANISH,
    "castellano": SPANISH,
}
"""What a client may type after /language or /idioma (accents folded)."""

_WORD = re.compile(r"[^\W\d_]+")
"""A word as written, accents kept: "mañana" tells more than "manana"."""
_CODES = {Language.ENGLISH: ENGLISH, Language.SPANISH: SPANISH}


@dataclass(frozen=True)
class Reading:
    language: str
    confidence: float
    words: int


@cache
def _detector() -> LanguageDetector:
    """Built once per process; lingua loads the two language models on first use."""
    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.SPANISH).build()


def read_language(text: str) -> Reading | None:
    """The language a message reads as, how sure lingua is, and how many telling words it has;
    ``None`` when nothing in it is a word of either language (digits, emoji, only "ok")."""
    telling = [w for w in _WORD.findall(text.casefold()) if "".join(words(w)) not in NEUTRAL]
    if not telling:
        return None
    values = _detector().compute_language_confidence_values(" ".join(telling))
    top = values[0]
    return Reading(_CODES[top.language], top.value, len(telling))


def settle(current: str | None, text: str) -> str | None:
    """The conversation's language after a message in ``text``, starting from ``current``
    (``None`` while no message has read clearly enough)."""
    reading = read_language(text)
    if reading is None or reading.language == current:
        return current
    if current is None:
        return reading.language if reading.confidence >= FIRST else None
    if reading.words >= SWITCH_WORDS and reading.confidence >= SWITCH:
        return reading.language
    return current


def chosen(argument: str) -> str | None:
    """The language a client named after /language or /idioma ("español", "en"); ``None`` if none."""
    said = words(argument)
    return CHOICES.get(said[0]) if said else None


PERSONAL_STEPS = frozenset({"name", "contact"})
"""Booking steps answered with a name or a phone number: "Ana María López" says nothing
about the language the client wants to be answered in."""


def follow(conversation: Conversation, event: Event) -> str:
    """The language to answer this event in. The client's words decide, with hysteresis, and
    the result is stored on the conversation; the app's language (not stored) is used only
    while nothing they wrote has decided."""
    if conversation.language_chosen:
        return conversation.language or ENGLISH
    text = (event.text or "").strip()
    booking = conversation.booking
    if text and not text.startswith("/") and not (booking is not None and booking.step in PERSONAL_STEPS):
        conversation.language = settle(conversation.language, text)
    hint = (event.locale or "").split("-")[0].lower()
    return conversation.language or (hint if hint in LANGUAGES else ENGLISH)
