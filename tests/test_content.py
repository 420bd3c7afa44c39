"""The shipped content: complete, faithful to the clinic's page, and honest about gaps."""

import re

from core.content.models import MIN_EXAMPLES, is_placeholder
from core.text import words
from tests.conftest import ROOT

SOURCE = ROOT / "docs" / "source" / "microneedling-page.txt"
"""A copy of the clinic's page, the only source of facts for the content."""

TOPICS_BY_SOURCE_FACT = {
    "micro-injuries": ["sterile", "outermost layer"],
    "healing-response": ["healing response"],
    "collagen-elastin": ["collagen", "elastin"],
    "product-absorption": ["microchannels"],
    "cell-renewal": ["regeneration"],
    "comfort": ["comfortable", "minimally invasive"],
    "session-length": ["under an hour"],
    "downtime": ["minimal"],
    "texture-fine-lines": ["fine lines"],
    "scars-stretch-marks": ["stretch marks", "acne"],
    "firmness": ["firmer"],
    "pores": ["pores"],
    "sun-damage": ["pigmentation"],
    "aftercare-cleansing": ["lukewarm", "24–72"],
    "aftercare-moisturizer": ["non-comedogenic"],
    "aftercare-sun-protection": ["broad-spectrum", "SPF", "direct sunlight"],
    "aftercare-hands-off": ["touch or rub"],
    "aftercare-aesthetician-advice": ["recommendations"],
    "customized-plans": ["personalized treatment plan"],
    "initial-series": ["about every four weeks"],
    "treatment-intervals": ["six to eight weeks"],
    "maintenance": ["once or twice a year"],
    "consultation": ["consultation"],
}


def test_every_fact_of_the_source_has_its_topic(library):
    for topic_id, phrases in TOPICS_BY_SOURCE_FACT.items():
        body = library.topics[topic_id].body
        for phrase in phrases:
            assert phrase in body, f"{topic_id} should mention {phrase!r}"


def test_every_topic_has_enough_examples_and_is_in_the_menu(library):
    in_menu = [t for s in library.menu.sections for t in s.topics]
    assert sorted(in_menu) == sorted(library.topics)
    for topic in library.topics.values():
        assert len(topic.examples) >= MIN_EXAMPLES, topic.id


def test_the_cut_off_sentence_is_marked_for_staff_review(library):
    review = library.topics["initial-series"].review
    assert review is not None and "every four" in review.note
    assert [t.id for t in library.topics.values() if t.review] == ["initial-series"]


def test_facts_missing_from_the_source_are_placeholders(library):
    clinic = library.clinic
    for value in (clinic.phone, clinic.address, clinic.prices, clinic.callback_time, *clinic.hours.days.values()):
        assert is_placeholder(value)
    assert clinic.hours.timezone == "America/Chicago"


def test_no_invented_figures_in_topics(library):
    """Prices and phone numbers are not in the source, so no topic may contain them."""
    for topic in library.topics.values():
        assert not re.search(r"\$\s?\d|\(\d{3}\)|\d{3}-\d{4}", topic.body), topic.id


def test_content_is_written_in_our_own_words(library):
    """No run of 8 words from the clinic's page is copied into a topic."""
    source = words(SOURCE.read_text(encoding="utf-8"))
    shingles = {tuple(source[i : i + 8]) for i in range(len(source) - 7)}
    for topic in library.topics.values():
        body = words(topic.body)
        copied = [" ".join(body[i : i + 8]) for i in range(len(body) - 7) if tuple(body[i : i + 8]) in shingles]
        assert copied == [], f"{topic.id} copies the source: {copied[0]}"

