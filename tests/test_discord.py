"""The Discord adapter on a real discord.py client, logged in against recorded HTTP."""

from __future__ import annotations

import re

from bots.discord.app import intents
from bots.discord.components import PREFIX
from core.settings import DiscordSettings
from tests.discord_harness import (
    APP_ID,
    DM_CHANNEL,
    GUILD_ID,
    OTHER_CHANNEL,
    SUPPORT_CHANNEL,
    buttons,
    click,
    client_settings,
    components,
    feed,
    message,
    slash,
    start,
    user,
)

SETTINGS = client_settings()


async def test_client_commands_are_published_for_dms_and_the_server(core, recorder, library):
    client = await start(core, recorder)
    puts = {p: body for m, p, body in recorder.calls if m == "PUT"}
    commands, in_server = puts[f"/applications/{APP_ID}/commands"], puts[f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands"]
    assert [c["name"] for c in commands] == list(library.messages.commands) and in_server == []  # no copies to show twice
    assert {"privacy", "forget"} <= {c["name"] for c in commands}
    assert all(c["contexts"] == [0, 1] and c["integration_types"] == [0] for c in commands)
    [ask] = [c for c in commands if c["name"] == "ask"]
    assert ask["options"][0]["name"] == "question" and ask["options"][0]["description"] == library.messages.ask_option
    await client.close()


async def test_help_lists_only_commands_that_exist(core, recorder):
    client = await start(core, recorder)
    published = {c["name"] for m, _, body in recorder.calls if m == "PUT" for c in body}
    await feed(client, "INTERACTION_CREATE", slash("help"))
    [(_, help_)] = recorder.posts("/callback")
    named = set(re.findall(r"/([a-z]+)", help_["data"]["content"]))
    assert named and named <= published
    await client.close()


async def test_privacy_and_forget_work_as_slash_commands_in_dms(client, recorder, library):
    await feed(client, "INTERACTION_CREATE", slash("privacy"))
    await feed(client, "INTERACTION_CREATE", slash("forget"))
    privacy, forget = (p["data"] for _, p in recorder.posts("/callback"))
    assert privacy["content"].startswith(library.messages.privacy.split("\n")[0][:20])
    assert buttons(forget) == [f"{PREFIX}forget:confirm", f"{PREFIX}forget:keep"]


async def test_a_client_whose_app_is_in_spanish_is_answered_in_spanish(client, recorder, library):
    await feed(client, "INTERACTION_CREATE", slash("menu", locale="es-419"))
    [(_, payload)] = recorder.posts("/callback")
    assert payload["data"]["content"].startswith(library.in_language("es").messages.menu_intro)


async def test_an_unknown_or_outdated_command_gets_the_current_list(client, recorder, library, caplog):
    await feed(client, "INTERACTION_CREATE", slash("start-over"))
    [(_, payload)] = recorder.posts("/callback")
    assert payload["data"]["content"].startswith("Type a question in your own words")
    assert "ERROR" not in caplog.text and library.messages.error_apology not in payload["data"]["content"]


def test_message_content_intent_only_for_the_support_channel():
    assert intents(SETTINGS).message_content and not intents(DiscordSettings()).message_content
    assert intents(DiscordSettings()).dm_messages


async def test_dm_free_text_is_answered_with_persistent_buttons(client, recorder):
    await feed(client, "MESSAGE_CREATE", message("downtime??"))
    [(path, payload)] = recorder.messages()
    assert path == f"/channels/{DM_CHANNEL}/messages"
    assert payload["content"].startswith("**Downtime and getting back to your day**\nDowntime is **minimal**.")
    assert buttons(payload) == [
        f"{PREFIX}faq:aftercare-overview",
        f"{PREFIX}faq:session-length",
        f"{PREFIX}book",
        f"{PREFIX}human",
        f"{PREFIX}menu",
    ]
    assert payload["allowed_mentions"] == {"parse": []}


async def test_support_channel_and_mentions_are_answered_other_channels_and_bots_ignored(client, recorder):
    await feed(client, "MESSAGE_CREATE", message("pores", channel_id=SUPPORT_CHANNEL, guild=True))
    await feed(client, "MESSAGE_CREATE", message("pores", channel_id=OTHER_CHANNEL, guild=True))
    await feed(client, "MESSAGE_CREATE", message("pores", author=user(77, "otherbot", bot=True)))
    mention = message(
        f"<@{APP_ID}> does it hurt", channel_id=OTHER_CHANNEL, guild=True, mentions=[{**user(int(APP_ID), "clinicbot", bot=True)}]
    )
    await feed(client, "MESSAGE_CREATE", mention)
    sent = recorder.messages()
    assert [path for path, _ in sent] == [f"/channels/{SUPPORT_CHANNEL}/messages", f"/channels/{OTHER_CHANNEL}/messages"]
    assert sent[0][1]["content"].startswith("**Enlarged pores**")
    assert sent[1][1]["content"].startswith("**Does microneedling hurt?**")
    assert "message_id" in sent[0][1]["message_reference"]


async def test_mentions_and_markup_from_clients_are_escaped(client, recorder):
    await feed(client, "INTERACTION_CREATE", slash("ask", [{"name": "question", "type": 3, "value": "<@&1> @here **big pores**"}]))
    await feed(client, "MESSAGE_CREATE", message("/start", author=user(43, "@everyone_*x*")))
    (_, answer), (_, greeting), (_, menu) = recorder.messages()
    assert answer["content"].startswith("**Enlarged pores**")
    assert greeting["content"].startswith("Hi @\u200beveryone\\_\\*x\\*! I'm the virtual assistant of **Doctors Med Spa**")
    assert all(payload["allowed_mentions"]["parse"] == [] for _, payload in recorder.messages())


async def test_each_slash_command(client, recorder, library):
    for name in ("menu", "cancel", "help"):
        await feed(client, "INTERACTION_CREATE", slash(name))
    await feed(client, "INTERACTION_CREATE", slash("ask", [{"name": "question", "type": 3, "value": "how long is the downtime"}]))
    await feed(client, "INTERACTION_CREATE", slash("book"))
    await feed(client, "INTERACTION_CREATE", slash("human", uid=44, channel_id=SUPPORT_CHANNEL))
    callbacks = [payload for path, payload in recorder.posts("/callback")]
    assert [c["type"] for c in callbacks] == [4] * 6
    menu, cancel, help_, ask, book, human = (c["data"] for c in callbacks)
    assert menu["content"] == library.messages.menu_intro and f"{PREFIX}menu:benefits" in buttons(menu)
    assert "Let's book your consultation" in book["content"] and f"{PREFIX}book:cancel" in buttons(book)
    assert "I've passed your conversation to our team (ticket **\\#1**)" in human["content"]
    assert help_["content"].startswith("Type a question in your own words")
    assert cancel["content"] == library.messages.nothing_to_cancel and cancel.get("flags") == 64
    assert ask["content"].startswith("**Downtime")


async def test_button_click_answers_and_survives_a_restart(core, recorder):
    first = await start(core, recorder)
    await first.close()
    restarted = await start(core, recorder)  # a new process: nothing in memory but the dynamic item
    recorder.calls.clear()
    await feed(restarted, "INTERACTION_CREATE", click(f"{PREFIX}faq:pores", label="Pores"))
    [(path, payload)] = recorder.posts("/callback")
    assert payload["type"] == 4 and payload["data"]["content"].startswith("**Enlarged pores**")
    await feed(restarted, "INTERACTION_CREATE", click(f"{PREFIX}menu:aftercare"))
    assert f"{PREFIX}faq:aftercare-cleansing" in buttons(recorder.posts("/callback")[-1][1]["data"])
    await restarted.close()


async def test_stale_and_foreign_buttons_get_an_ephemeral_note(client, recorder, library):
    await feed(client, "INTERACTION_CREATE", click(f"{PREFIX}faq:retired-topic"))
    [(_, stale)] = recorder.posts("/callback")
    recorder.calls.clear()
    await feed(client, "INTERACTION_CREATE", click("someone-elses-button"))
    [(_, foreign)] = recorder.posts("/callback")
    for payload in (stale, foreign):
        assert payload["type"] == 4 and payload["data"]["flags"] == 64
        assert payload["data"]["content"].startswith(library.messages.stale_button)


async def test_attachments_and_stickers_get_a_polite_reply(client, recorder, library):
    photo = message(
        "",
        attachments=[
            {
                "id": "1",
                "filename": "a.png",
                "size": 10,
                "url": "https://x/a.png",
                "proxy_url": "https://x/a.png",
                "content_type": "image/png",
            }
        ],
    )
    sticker = message("", sticker_items=[{"id": "2", "name": "hi", "format_type": 1}])
    await feed(client, "MESSAGE_CREATE", photo)
    await feed(client, "MESSAGE_CREATE", sticker)
    assert [p["content"] for _, p in recorder.messages()] == [library.messages.non_text] * 2


async def test_long_replies_are_split_under_2000(client, recorder, core):
    from bots.discord.convert import to_messages
    from core.events import Reply, ReplyKind

    parts = to_messages(
        Reply(
            kind=ReplyKind.ANSWER,
            text="\n\n".join(f"Para {n} " + "word " * 120 for n in range(10)),
            buttons=core.knowledge.replies.fallback().buttons,
        )
    )
    assert len(parts) == 4 and all(len(p.content) <= 2000 for p in parts)
    assert all(p.view is None for p in parts[:-1]) and parts[-1].view is not None


async def test_errors_get_a_neutral_apology(client, recorder, library, monkeypatch, caplog):
    async def broken(event, deliver=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(client.core, "handle", broken)
    await feed(client, "INTERACTION_CREATE", slash("menu"))
    await feed(client, "INTERACTION_CREATE", click(f"{PREFIX}faq:pores"))
    await feed(client, "MESSAGE_CREATE", message("pores"))
    replies = [p for _, p in recorder.messages()]
    assert [r["content"] for r in replies] == [library.messages.error_apology] * 3
    assert "boom" in caplog.text


async def test_booking_with_a_modal_form_and_select_menus(client, recorder, store):
    from tests.discord_harness import interaction
    from tests.discord_harness import message as gateway_message

    await feed(client, "INTERACTION_CREATE", slash("book"))
    [(_, start)] = recorder.posts("/callback")
    assert [c.get("custom_id") for c in components(start["data"])] == [f"{PREFIX}form:book:form", f"{PREFIX}book:cancel"]
    assert components(start["data"])[0]["label"] == "Fill in the form"

    await feed(client, "INTERACTION_CREATE", click(f"{PREFIX}form:book:form", label="Fill in the form"))
    modal = recorder.posts("/callback")[-1][1]
    assert modal["type"] == 9
    inputs = components(modal["data"])
    assert [i["label"] for i in inputs] == ["Name", "Contact", "Preferred times"] and inputs[2]["required"] is False
    assert [i["custom_id"] for i in inputs] == ["name", "contact", "times"]

    values = {"Name": "Ann Lee", "Contact": "ann@example.com", "Preferred times": "Friday mornings"}
    submitted = [{"type": 1, "components": [{"type": 4, "custom_id": i["custom_id"], "value": values[i["label"]]}]} for i in inputs]
    await feed(client, "INTERACTION_CREATE", interaction(5, {"custom_id": modal["data"]["custom_id"], "components": submitted}))
    concerns = recorder.posts("/callback")[-1][1]["data"]
    [select] = [c for c in components(concerns) if c["type"] == 3]
    assert select["custom_id"] == f"{PREFIX}sel:multi:concerns" and select["max_values"] == len(select["options"])
    assert "book:concern:pores" in [o["value"] for o in select["options"]]
    assert [c.get("custom_id") for c in components(concerns) if c["type"] == 2] == [
        f"{PREFIX}book:concern:other",
        f"{PREFIX}book:concerns-done",
        f"{PREFIX}book:cancel",
    ]
    draft = store.conversation(f"discord:{DM_CHANNEL}").booking
    assert (draft.name, draft.contact, draft.times) == ("Ann Lee", "ann@example.com", "Friday mornings")

    earlier = gateway_message("concerns", components=[{"type": 1, "components": [select]}])
    await feed(
        client,
        "INTERACTION_CREATE",
        interaction(
            3,
            {"custom_id": select["custom_id"], "component_type": 3, "values": ["book:concern:pores", "book:concern:firmness"]},
            message_payload=earlier,
        ),
    )
    settled = recorder.posts("/callback")[-1][1]
    assert settled["type"] == 7 and all(c["disabled"] for c in components(settled["data"]))  # the concerns step is done
    consent = recorder.messages()[-1][1]
    assert consent["content"].startswith("May our team **contact you**")
    assert store.conversation(f"discord:{DM_CHANNEL}").booking.concerns == ["pores", "firmness"]
