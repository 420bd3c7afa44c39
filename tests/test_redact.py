"""Personal details are removed before unanswered questions are stored."""

from core.storage.redact import redact
from tests.conftest import say


def test_phone_numbers_emails_and_name_are_replaced():
    text = "I'm Ann Lee, call 501-555-0123 or (501) 555 0199 or +44 20 7946 0958, mail ann.lee+spa@example.co.uk"
    assert redact(text, "Ann Lee") == "I'm [name] [name], call [phone] or [phone] or [phone], mail [email]"


def test_ordinary_numbers_and_other_words_stay():
    text = "every 6-8 weeks, 3 sessions in 2024, is Annabel ok?"
    assert redact(text, "Ann") == text


async def test_stored_unanswered_questions_are_redacted(core, store):
    await say(core, "do you do botox? my number is 501-555-0123, Ann")
    [entry] = store.unanswered()
    assert entry.text == "do you do botox? my number is [phone], [name]"
