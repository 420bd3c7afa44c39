"""Turning what clients type into comparable words, and making their words safe to echo.

Clients write "downtime??", "wat about pores", "it's 🔥"; matching works on
lowercase ASCII words with slang expanded and endings stemmed, so the content
files can stay in plain English.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

import snowballstemmer

MAX_INPUT_CHARS = 2000
"""Longer messages are cut to this before matching; nobody asks a question that long."""

_WORD = re.compile(r"[a-z0-9]+")
_APOSTROPHES = re.compile(r"[’'`´]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")

SLANG = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "ya": "you",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "thnx": "thanks",
    "ty": "thanks",
    "wat": "what",
    "wut": "what",
    "whats": "what",
    "hw": "how",
    "hrs": "hours",
    "hr": "hour",
    "mins": "minutes",
    "min": "minutes",
    "wks": "weeks",
    "wk": "week",
    "yr": "year",
    "yrs": "years",
    "abt": "about",
    "b4": "before",
    "bc": "because",
    "cuz": "because",
    "n": "and",
}
"""Chat shorthand, expanded before matching."""

STOPWORDS = frozenset(
    """a an the and or but if of to in on at for with by from about as into is are was were be been
    being am do does did doing have has had having i me my mine you your yours we our us it its it's
    this that these those there here what which who whom whose when where why how can could would should
    will shall may might must just so very really too also any some more most than then
    please get got gonna wanna like ok okay oh hi hey um uh yes no not im ive id dont cant wont
    doesnt didnt isnt arent""".split()
)


def clean(text: str) -> str:
    """Drop control characters and cap the length, keeping emoji and markup as typed."""
    return _CONTROL.sub(" ", text)[:MAX_INPUT_CHARS].strip()


def words(text: str) -> list[str]:
    """Lowercase ASCII words with accents folded and slang expanded."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = _APOSTROPHES.sub("", folded)
    return [SLANG.get(w, w) for w in _WORD.findall(folded)]


_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def content_words(text: str) -> list[str]:
    """Stems of the words that carry meaning, in order."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]


_TAG = re.compile(r"<[^>]{0,40}>|[*_`~|]+")


def plain(text: str) -> str:
    """The words of a message without markup a client pasted ("<b>downtime</b>",
    "**pain**"): it is noise to understanding, though it is kept as typed elsewhere."""
    return " ".join(_TAG.sub(" ", html.unescape(text)).split())


_MARKDOWN_SPECIAL = re.compile(r"([\\*_`\[\]])")


def escape_markdown(text: str) -> str:
    """Make client-supplied text inert inside the core's Markdown subset."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def split_message(text: str, limit: int) -> list[str]:
    """Cut ``text`` into parts of at most ``limit`` characters, at paragraph breaks
    where possible, then at line breaks, then at spaces, and only as a last resort
    mid-word. Markup never spans a paragraph, so each part renders on its own."""
    if len(text) <= limit:
        return [text]
    for separator in ("\n\n", "\n", " "):
        pieces = text.split(separator)
        if len(pieces) > 1:
            parts: list[str] = []
            current = ""
            for piece in pieces:
                candidate = f"{current}{separator}{piece}" if current else piece
                if len(candidate) <= limit:
                    current = candidate
                    continue
                if current:
                    parts.append(current)
                current = piece
            parts.append(current)
            return [p for part in parts for p in split_message(part, limit) if p.strip()]
    return [text[i : i + limit] for i in range(0, len(text), limit)]
