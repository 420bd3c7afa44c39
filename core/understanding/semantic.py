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

TOP_K = 2


@dataclass(frozen=True)
class Similarity:
    class_id: str
    score: float
    example: str


class SemanticIndex:
    """Every example's vector in one matrix, so one matrix-vector product scores a
    message against all of them; a (class, example) grid of row numbers then
    gathers each class's similarities for its top-k."""

    def __init__(self, classes: Sequence[OutcomeClass], encoder: Encoder, cache: EmbeddingCache | None = None) -> None:
        self.encoder = encoder
        self.ids = [c.id for c in classes]
        self._texts = [list(c.examples) for c in classes]
        flat = [t for texts in self._texts for t in texts]
        self._vectors = cache.embed(encoder, flat) if cache is not None else encoder.encode(flat)
        width = max(len(texts) for texts in self._texts)
        self._rows = np.full((len(classes), width), len(flat), dtype=np.int64)
        """Row of each (class, example) in the matrix; padding points one past the end."""
        start = 0
        for row, texts in enumerate(self._texts):
            self._rows[row, : len(texts)] = np.arange(start, start + len(texts))
            start += len(texts)
        self._class_row = {cid: row for row, cid in enumerate(self.ids)}

    def vector(self, text: str, example: tuple[str, int] | None = None) -> np.ndarray:
        """The message's vector; an example's own is already in the index (the content
        check asks about every example, and encoding them all again would take seconds)."""
        if example is not None and self._texts[self._class_row[example[0]]][example[1]] == text:
            return self._vectors[self._rows[self._class_row[example[0]], example[1]]]
        return self.encoder.encode_one(text)

    def scores(self, vector: np.ndarray, without: tuple[str, int] | None = None) -> dict[str, Similarity]:
        """Each outcome's score for a message vector; ``without`` leaves one example
        out, so the content check can ask how a message *like* it would fare."""
        # einsum, not `@`: a matrix-vector product this small is faster on one core, and
        # BLAS's worker threads, fighting the event loop for two cores, made it 50x slower.
        flat = np.append(np.einsum("ed,d->e", self._vectors, vector), -1.0)  # the extra entry is what padding reads
        if without is not None:
            flat[self._rows[self._class_row[without[0]], without[1]]] = -1.0
        sims = flat[self._rows]
        k = min(TOP_K, sims.shape[1])
        top = -np.partition(-sims, k - 1, axis=1)[:, :k]
        top = np.where(top < -0.5, top.max(axis=1, keepdims=True), top)  # a class with a single example
        means = top.mean(axis=1)
        best = sims.argmax(axis=1)
        return {
            cid: Similarity(cid, float(means[row]), self._texts[row][best[row]])
            for row, cid in enumerate(self.ids)
        }
