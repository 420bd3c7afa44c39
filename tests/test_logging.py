"""Logs at INFO never contain what clients wrote, their phone numbers or e-mail addresses."""

import logging

from tests.conftest import press, say


async def test_info_logs_hold_no_message_text_or_contact_details(core, caplog):
    caplog.set_level(logging.INFO)
    await say(core, "my skin is peachfuzz-special, is that a problem? call 501-555-0123")
    for step in ("book", "Zanzibar Quill", "zq@example.com", "book:time:any"):
        await (press if step == "book" or ":" in step else say)(core, step)
    await say(core, "the redness is spreading")
    assert caplog.records, "the core should log what it did"
    text = caplog.text
    for secret in ("peachfuzz", "501-555-0123", "Zanzibar", "zq@example.com", "redness", "test:c1"):
        assert secret not in text
