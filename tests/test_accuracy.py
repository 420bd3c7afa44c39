"""Floors on the labelled question set (tests/questions.yaml); `run.py accuracy` prints the same."""

import pytest

from cli.accuracy import evaluate, load_cases


@pytest.fixture(scope="module")
def cases():
    return load_cases()


def test_the_set_is_big_and_varied(cases):
    kinds = {c.kind for c in cases}
    assert len(cases) >= 150
    assert kinds >= {"answer", "fallback", "booking", "human", "medical", "urgent", "smalltalk"}


async def test_accuracy_floors(core, cases):
    report = await evaluate(core, cases)
    misses = "\n".join(f"{c.q!r}: {c.kind}/{c.topic} -> {k}/{t}" for c, k, t in report.misses)
    assert report.answer_accuracy >= 0.90, misses
    assert report.urgent_recall == 1.0, misses
    assert report.out_of_scope_answered <= 0.05, misses
    assert report.right["medical"] == report.total["medical"], misses
