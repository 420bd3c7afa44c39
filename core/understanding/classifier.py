"""One score per outcome, from the lexical and the semantic signal together.

Neither signal is enough alone: words find rare, exact terms ("elastin",
"spf") and fail on paraphrase; the encoder finds paraphrase and is vague on
rare terms. Their weighted sum ranks every outcome, topics and non-topics
alike, so a medical question or a booking request competes with the topics
instead of slipping under a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from core.understanding.classes import Kind, OutcomeClass
from core.understanding.encoder import EmbeddingCache, Encoder
from core.understanding.lexical import Matcher
from core.understanding.rounding import rounded
from core.understanding.semantic import SemanticIndex
from core.understanding.vocabulary import Vocabulary

W_SEMANTIC, W_LEXICAL = 0.7, 0.3
BASELINE = 0.5
"""Share of a message's mean similarity to all outcomes taken off its semantic
scores. Long or Spanish messages sit close to everything (the encoder was trained
on English); what counts is how much closer they are to one outcome than to the
rest."""


class Score(NamedTuple):
    """One outcome's score for a message. A named tuple, not a frozen dataclass: one
    is made for every outcome for each message, and a dataclass took three times as
    long to make, a fifth of a message's time with ten times the content."""

    class_id: str
    kind: Kind
    score: float
    semantic: float
    lexical: float
    example: str
    """The closest example message, for --explain and the content check."""


class Classifier:
    def __init__(
        self, classes: Sequence[OutcomeClass], vocabulary: Vocabulary, encoder: Encoder, cache: EmbeddingCache | None = None
    ) -> None:
        self._ids = np.array([c.id for c in classes], dtype=object)
        self._kinds = np.array([c.kind for c in classes], dtype=object)
        self._id_order = np.argsort(sorted(range(len(classes)), key=lambda n: classes[n].id))
        """Each outcome's place in id order, the tie-break between equal scores."""
        self._titles = {c.id: c.title for c in classes}
        self._sections = {c.id: c.section for c in classes if c.section}
        self.lexical = Matcher(list(classes), vocabulary)
        self.semantic = SemanticIndex(classes, encoder, cache)

    def title(self, class_id: str) -> str:
        return self._titles.get(class_id, "")

    def siblings(self, a: str, b: str) -> bool:
        """Two topics of one menu section, i.e. two parts of one subject."""
        return a in self._sections and self._sections.get(a) == self._sections.get(b)

    def scores(self, text: str, without: tuple[str, int] | None = None) -> list[Score]:
        """Every outcome, best first (ties by id)."""
        left_out = self.lexical.example_index[without] if without is not None else None
        lexical = self.lexical.scores(text, without=left_out)
        semantic = self.semantic.scores(self.semantic.vector(text, without), without)
        # Python's sum, in order: np.sum adds pairwise, and a last bit can move a rounded score.
        baseline = BASELINE * sum(semantic.scores.tolist()) / len(semantic.scores)
        combined = rounded(W_SEMANTIC * (semantic.scores - baseline) + W_LEXICAL * lexical, 4)
        order = np.lexsort((self._id_order, -combined))
        columns = (self._ids, self._kinds, combined, semantic.scores, lexical, semantic.examples)
        return list(map(Score, *(column[order].tolist() for column in columns)))
