"""Typo correction against the words the content actually uses.

Correcting only towards known words keeps it safe: a misspelt "pregant" becomes
"pregnant", but a word the content never mentions stays as typed and so cannot
pull a question towards an unrelated topic. Real English words are never
"corrected" either ("taxes" must not become "takes"); pyspellchecker's word
frequency list tells which words are real.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

from core.understanding.text import stem, words

MIN_LENGTH = 5
"""Short words are left alone both ways: "plus" must never become "pus"."""
COMMON_WORD = 1e-7
"""Usage frequency above which a word is taken to be real English, not a typo."""


@cache
def _english() -> SpellChecker:
    return SpellChecker(distance=1)


def is_english(word: str) -> bool:
    return _english().word_usage_frequency(word) >= COMMON_WORD


class Vocabulary:
    def __init__(self, texts: Iterable[str]) -> None:
        self.known = frozenset(w for text in texts for w in words(text))
        self._known_stems = frozenset(stem(w) for w in self.known)
        self._choices = sorted(w for w in self.known if len(w) >= MIN_LENGTH)
        self.correct = lru_cache(maxsize=32768)(self._correct)

    def _correct(self, word: str) -> str:
        """The nearest known word within one edit (two for long words), else the word itself."""
        if word in self.known or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        if stem(word) in self._known_stems or is_english(word):
            return word
        budget = 1 if len(word) <= 6 else 2
        found = process.extractOne(word, self._choices, scorer=OSA.distance, score_cutoff=budget)
        return found[0] if found else word

    def words(self, text: str) -> list[str]:
        return [self.correct(w) for w in words(text)]
