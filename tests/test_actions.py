"""The action id codec: every id is built and read in ``core/conversation/actions.py``, and the strings stay
those sent before (buttons pressed after a restart still work) (issue #18, item 3)."""

from core.conversation import actions
from core.events import MAX_ACTION_BYTES


def test_ids_are_the_strings_buttons_already_carry():
    built = [
        actions.faq("downtime"),
        actions.section("benefits"),
        actions.language("es"),
        actions.forget("confirm"),
        actions.book(),
        actions.book("confirm"),
        actions.book("concern", "pores"),
        actions.ticket("claim", 12),
        actions.lead("contacted", "MN-AB12-CD34"),
        actions.MENU,
        actions.HUMAN,
    ]
    assert built == [
        "faq:downtime",
        "menu:benefits",
        "lang:es",
        "forget:confirm",
        "book",
        "book:confirm",
        "book:concern:pores",
        "ticket:claim:12",
        "lead:contacted:MN-AB12-CD34",
        "menu",
        "human",
    ]
    assert all(len(a.encode()) <= MAX_ACTION_BYTES for a in built)


def test_parsing_gives_back_what_was_built():
    assert actions.parse(actions.book("concern", "pores")) == ("book", "concern:pores")
    claim = actions.parse(actions.ticket("claim", 12))
    assert (claim.verb, claim.step, claim.value) == ("ticket", "claim", "12")
    assert actions.parse("faq:") is None and actions.parse("nonsense:1") is None and actions.parse("menu") == ("menu", "")
