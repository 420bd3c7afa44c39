"""One score per outcome, from the lexical and the semantic signal together.

Neither signal is enough alone: words find rare, exact terms ("elastin",
"spf") and fail on paraphrase; the encoder finds paraphrase and is vague on
rare terms. Their weighted sum ranks every outcome, topics and non-topics
alike, so a medical question or a booking request competes with the topics
instead of slipping under a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.understanding.classes import Kind, OutcomeClass
from core.understanding.encoder import EmbeddingCache, Encoder
from core.understanding.lexical import Matcher
from core.understanding.semantic import SemanticIndex
from core.understanding.vocabulary import Vocabulary

W_SEMANTIC, W_LEXICAL = 0.7, 0.3
BASELINE = 0.5
"""Share of a message's mean similarity to all outcomes taken off its semantic
scores. Long or Spanish messages sit close to everything (the encoder was trained
on English); what counts is how much closer they are to one outcome than to the
rest."""


@dataclass(frozen=True)
class Score:
    class_id: str
    kind: Kind
    score: float
    semantic: float
    lexical: float
    example: str
    """The closest example message, for --explain and the content check."""


class Classifier:
    def __init__(self, classes: Sequence[OutcomeClass], vocabulary: Vocabulary, encoder: Encoder,
                 cache: EmbeddingCache | None = None) -> None:
        self.kinds = {c.id: c.kind for c in classes}
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
        """Every outcome, best first."""
        left_out = self.lexical.example_index[without] if without is not None else None
        lexical = {c.class_id: c for c in self.lexical.rank(text, limit=None, without=left_out)}
        semantic = self.semantic.scores(self.semantic.vector(text, without), without)
        baseline = BASELINE * sum(sim.score for sim in semantic.values()) / len(semantic)
        out = []
        for cid, sim in semantic.items():
            lex = lexical[cid].score if cid in lexical else 0.0
            combined = W_SEMANTIC * (sim.score - baseline) + W_LEXICAL * lex
            out.append(Score(cid, self.kinds[cid], round(combined, 4), sim.score, lex, sim.example))
        out.sort(key=lambda s: (-s.score, s.class_id))
        return out
