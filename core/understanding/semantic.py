"""The semantic signal: how close a message's meaning is to each outcome's examples.

A sentence encoder places "any side effects?" near "what can go wrong after
treatment" although they share no word, which is where the lexical signal is
blind. Each outcome scores the mean of its two closest examples: one stray
example cannot win alone, and a class with many examples is not favoured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.understanding.classes import OutcomeClass
from core.understanding.encoder import EmbeddingCache, Encoder

LEFT_OUT = -1.0
"""The similarity given to an example left out; below ``IGNORED`` so it never counts."""
IGNORED = -0.5
"""A second-best similarity below this is no evidence: the outcome's best counts twice."""


@dataclass(frozen=True)
class Similarities:
    """Each outcome's score and closest example, in the order the outcomes were given."""

    scores: np.ndarray
    examples: np.ndarray
    """The texts, as an array of str objects."""


class SemanticIndex:
    """Every example's vector in one matrix, grouped by outcome, so one
    matrix-vector product scores a message against all of them and one reduction
    per group finds each outcome's best two."""

    def __init__(self, classes: Sequence[OutcomeClass], encoder: Encoder, cache: EmbeddingCache | None = None) -> None:
        self.encoder = encoder
        self._texts = [list(c.examples) for c in classes]
        flat = [t for texts in self._texts for t in texts]
        self._vectors = cache.embed(encoder, flat) if cache is not None else encoder.encode(flat)
        self._flat = np.array(flat, dtype=object)
        counts = np.array([len(texts) for texts in self._texts])
        self._starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        """Row of each outcome's first example; every outcome has at least one."""
        self._counts = counts
        self._class_row = {c.id: row for row, c in enumerate(classes)}

    def _row(self, example: tuple[str, int]) -> int:
        return int(self._starts[self._class_row[example[0]]]) + example[1]

    def vector(self, text: str, example: tuple[str, int] | None = None) -> np.ndarray:
        """The message's vector; an example's own is already in the index (the content
        check asks about every example, and encoding them all again would take seconds)."""
        if example is not None and self._texts[self._class_row[example[0]]][example[1]] == text:
            return self._vectors[self._row(example)]
        return self.encoder.encode_one(text)

    def scores(self, vector: np.ndarray, without: tuple[str, int] | None = None) -> Similarities:
        """Each outcome's score for a message vector; ``without`` leaves one example
        out, so the content check can ask how a message *like* it would fare."""
        # einsum, not `@`: a matrix-vector product this small is faster on one core, and
        # BLAS's worker threads, fighting the event loop for two cores, made it 50x slower.
        sims = np.einsum("ed,d->e", self._vectors, vector)
        if without is not None:
            sims[self._row(without)] = LEFT_OUT
        best = np.maximum.reduceat(sims, self._starts)
        first_best = np.flatnonzero(sims == np.repeat(best, self._counts))
        first_best = first_best[np.searchsorted(first_best, self._starts)]
        sims[first_best] = LEFT_OUT
        second = np.maximum.reduceat(sims, self._starts)  # LEFT_OUT for an outcome with a single example
        second = np.where(second < IGNORED, best, second)
        means = (best.astype(np.float64) + second) / 2  # exact: no rounding of float32 sums
        return Similarities(means, self._flat[first_best])
