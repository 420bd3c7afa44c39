"""Reading what a client typed as the answer to a booking step, and showing it back.

People answer a step in their own words: "yes contact me" at the consent step,
"the first one" under a list of choices, "(501) 555 0147" for a phone number.
These functions turn such answers into the step's value, or say that the text
is not one: a question ("hmm how much is it?") must never be stored as a name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.events import Button
from core.understanding.text import STOPWORDS, stem, words

REGION = "US"
NAME_WORDS = 6
CHOICE_WORDS = 8
"""A choice said in words is short; anything longer is read as a message of its own."""

ASKING = frozenset(
    {
        "how",
        "what",
        "when",
        "where",
        "why",
        "which",
        "who",
        "hows",
        "wheres",
        "whens",
        "cuanto",
        "cuanta",
        "cuantas",
        "cuantos",
        "como",
        "que",
        "cuando",
        "donde",
        "porque",
        "cual",
        "quien",
    }
)
"""Words that start a question whatever follows."""
AUXILIARIES = frozenset(
    {"can", "could", "do", "does", "did", "is", "are", "was", "will", "would", "should", "may", "puedo", "puede", "hay", "es", "tienen"}
)
"""Words that start a question only in a longer message: "Will Smith" is a name, "will it hurt" is not."""
FILLERS = frozenset(
    {
        "hmm",
        "hm",
        "hmmm",
        "um",
        "umm",
        "uh",
        "ok",
        "okay",
        "so",
        "and",
        "but",
        "wait",
        "oh",
        "well",
        "also",
        "hey",
        "btw",
        "sorry",
        "actually",
        "oops",
        "ah",
        "y",
        "pero",
        "oye",
    }
)
YES = frozenset(
    {
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "si",
        "agree",
        "absolutely",
        "definitely",
        "certainly",
        "correct",
        "confirm",
        "fine",
        "please",
        "go",
        "claro",
        "vale",
        "dale",
        "correcto",
        "confirmo",
        "acepto",
        "perfecto",
        "sip",
    }
)
NO = frozenset({"no", "nope", "nah", "dont", "not", "never", "nel", "nunca"})
YES_PHRASES = (
    ["of", "course"],
    ["i", "agree"],
    ["go", "ahead"],
    ["that", "fine"],
    ["thats", "fine"],
    ["por", "supuesto"],
    ["de", "acuerdo"],
    ["esta", "bien"],
)
ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "last": -1,
    "primera": 1,
    "primero": 1,
    "segunda": 2,
    "segundo": 2,
    "tercera": 3,
    "tercero": 3,
    "cuarta": 4,
    "cuarto": 4,
    "quinta": 5,
    "quinto": 5,
    "ultima": -1,
    "ultimo": -1,
}
CHOICE_FILLERS = frozenset(
    {
        "the",
        "one",
        "option",
        "number",
        "choice",
        "please",
        "pls",
        "i",
        "ll",
        "take",
        "want",
        "la",
        "el",
        "los",
        "las",
        "opcion",
        "numero",
        "por",
        "favor",
        "quiero",
    }
)
NAME_MARKS = frozenset(" .'-’")


def parse_contact(text: str) -> tuple[str, str] | None:
    """(kind, normalised value) for a phone number (default region US) or e-mail address."""
    text = text.strip()
    if "@" in text:
        try:
            return "email", validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            return None
    try:
        number = phonenumbers.parse(text, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return "phone", phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def show_contact(contact: str, kind: str) -> str:
    """A stored contact the way people write it: (501) 555-0147 at home, +44 20 7946 0000 abroad."""
    if kind != "phone":
        return contact
    try:
        number = phonenumbers.parse(contact, REGION)
    except phonenumbers.NumberParseException:
        return contact
    home = phonenumbers.region_code_for_number(number) == REGION
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)


def is_question(text: str) -> bool:
    """A question mark, or a question word at the start (after "hmm", "ok", "wait" and the like)."""
    if "?" in text or "¿" in text:
        return True
    said = words(text)
    while said and said[0] in FILLERS:
        said = said[1:]
    if not said:
        return False
    return said[0] in ASKING or (said[0] in AUXILIARIES and len(said) >= 3)


def looks_like_name(text: str) -> bool:
    """Letters with the marks names use (Mary-Jane O'Neil, Dr. José García), a few words long."""
    text = text.strip()
    return (
        any(ch.isalpha() for ch in text)
        and len(text.split()) <= NAME_WORDS
        and all(ch.isalpha() or ch in NAME_MARKS for ch in text)
        and not is_question(text)
    )


def yes_or_no(text: str) -> bool | None:
    """True for "yes contact me", False for "no thanks", None for anything else."""
    said = words(text)
    if not said or len(said) > CHOICE_WORDS or "?" in text:
        return None
    if said[0] in NO or said[:2] == ["do", "not"]:
        return False
    if said[0] in YES or said[:2] in YES_PHRASES:
        return True
    return None


def _stems(text: str) -> list[str]:
    return [stem(w) for w in words(text)]


def pick(text: str, options: Sequence[Button], loose: bool = True) -> Button | None:
    """The option a typed answer names: by position ("the first one", "2", "the last one")
    or by its label. ``loose`` also accepts a label within a short sentence
    ("weekday mornings please"); otherwise the text must be the label."""
    said = words(text)
    if not said or not options or len(said) > CHOICE_WORDS or "?" in text:
        return None
    rest = [w for w in said if w not in CHOICE_FILLERS]
    if len(rest) == 1 and (rest[0] in ORDINALS or rest[0].isdigit()):
        n = ORDINALS.get(rest[0]) or int(rest[0])
        index = n - 1 if n > 0 else len(options) + n
        return options[index] if 0 <= index < len(options) else None
    typed = _stems(text)
    for option in options:
        name = option.label
        label = _stems(name)
        if typed == label or "".join(said) == "".join(words(name)):
            return option
        meaning = [w for w in label if w not in STOPWORDS]
        if loose and meaning and all(w in typed for w in meaning):
            return option
    return None


def mentioned(text: str, choices: dict[str, Iterable[str]]) -> list[str]:
    """The choices whose names or keywords the text contains ("pores and fine lines")."""
    typed = _stems(text)
    found = []
    for key, names in choices.items():
        for name in names:
            phrase = [w for w in _stems(name) if w not in STOPWORDS]
            if phrase and any(typed[i : i + len(phrase)] == phrase for i in range(len(typed) - len(phrase) + 1)):
                found.append(key)
                break
    return found
