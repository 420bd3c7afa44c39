"""The shipped content: complete, faithful to the clinic's page, and honest about gaps."""

import re

import pytest

from core.content.models import MIN_EXAMPLES, is_placeholder
from core.conversation.engine import Core
from core.events import ReplyKind
from core.outbox import LogOutbox
from core.understanding.knowledge import Knowledge
from core.understanding.text import words
from tests.conftest import CONTENT, ROOT, say, ticking

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


CLINIC_QUESTIONS = {
    "contact": "what is your phone number",
    "hours": "what are your opening hours",
    "location": "where are you located",
    "price": "how much does it cost",
}
URGENT = "my face is swollen and there is pus"
FILLED = {
    "phone": "(501) 555-0100",
    "address": "1 Main Street",
    "prices": "Microneedling is $300 a session.",
    "callback_time": "within one business day",
}
FILLED_DAYS = {
    "monday": "09:00-17:00",
    "tuesday": "09:00-17:00",
    "wednesday": "09:00-17:00",
    "thursday": "09:00-17:00",
    "friday": "09:00-17:00",
    "saturday": "closed",
    "sunday": "closed",
}


def _clinic_as(library, filled: bool):
    """The shipped clinic details with every fact either filled in or left a placeholder."""
    clinic = library.clinic
    facts = FILLED if filled else {name: "TODO: fill in" for name in FILLED}
    days = FILLED_DAYS if filled else {day: "TODO: e.g. 09:00-17:00" for day in FILLED_DAYS}
    return library.model_copy(
        update={"clinic": clinic.model_copy(update={**facts, "hours": clinic.hours.model_copy(update={"days": days})})}
    )


@pytest.mark.parametrize("variant", ["shipped", "all filled in", "all placeholders"])
async def test_clinic_facts_reach_clients_only_once_filled_in(knowledge, store, variant):
    """Whatever staff have filled in so far: a placeholder never reaches a client, and a filled-in
    fact is what the client is told."""
    if variant != "shipped":
        knowledge = Knowledge(_clinic_as(knowledge.library, filled=variant == "all filled in"))
    library, clinic = knowledge.library, knowledge.library.clinic
    core = Core(knowledge, store, LogOutbox(), clock=ticking())
    replies = {detail: await say(core, question, chat=detail) for detail, question in CLINIC_QUESTIONS.items()}
    urgent = await say(core, URGENT, chat="urgent")
    greeting = await say(core, "/start", chat="greeting")
    for reply in [r for rs in (*replies.values(), urgent, greeting) for r in rs]:
        assert "TODO" not in reply.text and "{" not in reply.text, reply.text
    assert all(rs[0].kind is ReplyKind.CLINIC for rs in replies.values())
    unknown = library.messages.clinic.unknown
    for detail, value in (("contact", clinic.phone), ("location", clinic.address), ("price", clinic.prices)):
        shown = replies[detail][0].text
        assert (value in shown) if not is_placeholder(value) else (shown == unknown), (detail, shown)
    assert (not is_placeholder(clinic.phone)) == (clinic.phone in urgent[0].text)
    hours = replies["hours"][0].text
    if clinic.hours.describe():
        assert clinic.hours.describe() in hours
    else:
        assert hours == unknown
    if variant == "all filled in":
        assert "- Monday: 9:00 AM to 5:00 PM" in hours and "- Sunday: closed" in hours


def test_the_clinic_keeps_its_time_zone(library):
    assert library.clinic.hours.timezone == "America/Chicago"


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


def test_the_fast_yaml_parser_reads_every_content_file_as_pyyaml_does():
    """libyaml parses the content (it is several times faster); what it reads must be what
    PyYAML's own loader, whose errors we explain to staff, would read."""
    import frontmatter
    import yaml

    from core.content.loader import _parse

    files = [p for p in CONTENT.rglob("*") if p.suffix in (".yaml", ".md")]
    for path in files:
        text = path.read_text(encoding="utf-8")
        header = frontmatter.YAMLHandler().split(text)[0] if path.suffix == ".md" else text
        assert _parse(header)[1] == yaml.safe_load(header), path
    assert len(files) > 60
