"""`run.py accuracy`: how well the bot classifies a labelled set of client questions.

The set lives in tests/questions.yaml; a test enforces the same floors that this
command prints, so a content edit that hurts matching is caught before release.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from cli.ask import as_json, ask
from core.engine import Core

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "questions.yaml"


@dataclass(frozen=True)
class Case:
    q: str
    kind: str
    topic: str | None = None


@dataclass
class Report:
    total: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    misses: list[tuple[Case, str, str | None]] = field(default_factory=list)
    got_kinds: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def answer_accuracy(self) -> float:
        return self.right["answer"] / self.total["answer"] if self.total["answer"] else 1.0

    @property
    def urgent_recall(self) -> float:
        return self.right["urgent"] / self.total["urgent"] if self.total["urgent"] else 1.0

    @property
    def out_of_scope_answered(self) -> float:
        n = self.total["fallback"]
        return self.got_kinds["fallback"]["answer"] / n if n else 0.0

    def summary(self) -> str:
        lines = ["kind        right / total   accuracy"]
        for kind in sorted(self.total):
            lines.append(f"{kind:<11} {self.right[kind]:>5} / {self.total[kind]:<5}   {self.right[kind] / self.total[kind]:6.1%}")
        lines.append("")
        lines.append(f"answerable questions with the right topic: {self.answer_accuracy:.1%} (target >= 90%)")
        lines.append(f"urgent lines classed urgent:               {self.urgent_recall:.1%} (target 100%)")
        lines.append(f"out-of-scope lines given an answer:        {self.out_of_scope_answered:.1%} (target <= 5%)")
        return "\n".join(lines)


def load_cases(path: Path = QUESTIONS) -> list[Case]:
    return [Case(**item) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


async def evaluate(core: Core, cases: list[Case]) -> Report:
    report = Report()
    for n, case in enumerate(cases):
        got = as_json(await ask(core, case.q, chat_id=f"eval-{n}"))
        report.total[case.kind] += 1
        report.got_kinds[case.kind][got["kind"]] += 1
        ok = got["kind"] == case.kind and (case.kind != "answer" or got["topic"] == case.topic)
        if ok:
            report.right[case.kind] += 1
        else:
            report.misses.append((case, got["kind"], got["topic"]))
    return report
