"""Removing personal details from text before it is stored for staff reports.

Phone numbers are found with Google's libphonenumber (the phonenumbers package),
which knows real numbering plans instead of guessing from digit counts.
"""

from __future__ import annotations

import re

import phonenumbers

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DEFAULT_REGION = "US"


def redact(text: str, name: str = "") -> str:
    """``text`` with phone numbers, e-mail addresses and the client's name replaced by tags."""
    text = EMAIL.sub("[email]", text)
    matches = list(phonenumbers.PhoneNumberMatcher(text, DEFAULT_REGION, leniency=phonenumbers.Leniency.POSSIBLE))
    for match in reversed(matches):
        text = text[: match.start] + "[phone]" + text[match.end :]
    for part in sorted({p for p in re.split(r"\W+", name) if len(p) >= 2}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", "[name]", text, flags=re.IGNORECASE)
    return text
