"""Floors on understanding, a little under the measured figures, on three labelled sets:
the team's own tests/questions.yaml; tests/client-questions-blind.jsonl, written from the
clinic's page and the labelling rules only by someone who had not seen our content or the
development set (the honest measure of how we do on phrasing nobody tuned for); and the
clinic's client-question development set in ../shared/eval when it is there (CI has it
beside the clone)."""

from pathlib import Path

import pytest

from cli.accuracy import Case, evaluate, load_cases, right

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "client-questions.jsonl"
BLIND_SET = Path(__file__).resolve().parent / "client-questions-blind.jsonl"

OWN_FLOORS = {
    "answer": 0.95,
    "booking": 0.9,
    "human": 1.0,
    "medical": 1.0,
    "urgent": 1.0,
    "out_of_scope": 0.95,
    "smalltalk": 1.0,
    "clinic": 1.0,
}
BLIND_FLOORS = {"answer": 0.93, "booking": 0.8, "human": 1.0, "medical": 1.0, "urgent": 1.0, "out_of_scope": 0.95}
DEV_FLOORS = {"answer": 0.95, "booking": 0.95, "human": 0.95, "medical": 1.0, "urgent": 1.0, "out_of_scope": 0.95}


@pytest.fixture(scope="module")
def cases():
    return load_cases()


def test_the_set_is_big_and_varied(cases):
    kinds = {c.kind for c in cases}
    assert len(cases) >= 200
    assert kinds >= set(OWN_FLOORS)
    assert sum(c.lang == "es" for c in cases) >= 20


def test_grading_rule_follows_the_sets_readme():
    answer = Case(q="q", kind="answer", must_mention_any=("collagen",))
    assert right(answer, {"kind": "answer", "text": "It builds COLLAGEN."})
    assert not right(answer, {"kind": "answer", "text": "It is quick."})
    assert not right(answer, {"kind": "clarify", "text": "collagen"})
    assert right(Case(q="q", kind="booking"), {"kind": "human"})
    assert right(Case(q="q", kind="medical"), {"kind": "urgent"})
    assert not right(Case(q="q", kind="urgent"), {"kind": "medical"})
    assert right(Case(q="q", kind="out_of_scope"), {"kind": "clinic"})
    assert not right(Case(q="q", kind="out_of_scope"), {"kind": "answer"})


def _check(report, floors):
    misses = "\n".join(f"{c.q!r}: {c.kind}/{c.topic} -> {k}/{t}" for c, k, t in report.misses)
    for kind, floor in floors.items():
        assert report.rate(kind) >= floor, f"{kind}: {report.rate(kind):.1%} < {floor:.0%}\n{misses}"


async def test_accuracy_floors_on_our_own_set(core, cases):
    _check(await evaluate(core, cases), OWN_FLOORS)


async def test_accuracy_floors_on_the_blind_set(core):
    _check(await evaluate(core, load_cases(BLIND_SET)), BLIND_FLOORS)


@pytest.mark.skipif(not DEV_SET.is_file(), reason="the shared development set is not beside this clone")
async def test_accuracy_floors_on_the_development_set(core):
    _check(await evaluate(core, load_cases(DEV_SET)), DEV_FLOORS)


SPANISH_FLOOR = 0.95
"""Issue 16: Spanish questions get the right outcome at least this often, and every answer is in Spanish."""


def _spanish(report):
    misses = "\n".join(f"{c.q!r}: {c.kind}/{c.topic} -> {k}/{t}" for c, k, t in report.misses)
    assert report.overall >= SPANISH_FLOOR, f"{report.overall:.1%} < {SPANISH_FLOOR:.0%}\n{misses}"
    assert report.answers["es"] > 0 and report.in_language["es"] == report.answers["es"]


async def test_spanish_questions_are_answered_in_spanish_on_our_own_set(core, cases):
    _spanish(await evaluate(core, [c for c in cases if c.lang == "es"]))


@pytest.mark.skipif(not DEV_SET.is_file(), reason="the shared development set is not beside this clone")
async def test_spanish_questions_are_answered_in_spanish_on_the_development_set(core):
    _spanish(await evaluate(core, [c for c in load_cases(DEV_SET) if c.lang == "es"]))
