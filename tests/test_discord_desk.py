"""The staff desk as a Discord channel: one thread per ticket, staff role required."""

from __future__ import annotations

import pytest

from bots.discord.app import ClinicClient
from bots.discord.components import PREFIX
from core.engine import Core
from core.events import Address, Event, Reply
from core.outbox import PlatformOutbox
from core.settings import DeskSettings, DiscordSettings
from tests.conftest import ticking
from tests.discord_harness import (DESK_CHANNEL, DESK_THREAD, GUILD_ID, STAFF_ROLE, Recorder, click, feed, guild_create, message, ready,
                                   thread, user)

DESK = DeskSettings(platform="discord", discord_channel_id=DESK_CHANNEL, discord_staff_role_id=STAFF_ROLE)


class FakeTelegram:
    def __init__(self) -> None:
        self.sent: list[tuple[Address, Reply]] = []

    async def send_to(self, address: Address, reply: Reply) -> None:
        self.sent.append((address, reply))


@pytest.fixture
async def desk(knowledge, store, monkeypatch):
    recorder = Recorder()
    recorder.install(monkeypatch)
    outbox = PlatformOutbox()
    core = Core(knowledge, store, outbox, clock=ticking())
    client = ClinicClient(core, DiscordSettings(guild_id=GUILD_ID, sync_commands="off"), DESK)
    outbox.register("discord", client)
    outbox.desk = client
    telegram = FakeTelegram()
    outbox.register("telegram", telegram)
    await client.login("fake.token")
    client._connection.guild_ready_timeout = 0.01
    await feed(client, "READY", ready())
    await feed(client, "GUILD_CREATE", guild_create())
    await client.wait_until_ready()
    recorder.calls.clear()
    yield client, recorder, core, telegram
    await client.close()


def staff_says(text: str, roles=(STAFF_ROLE,), uid: int = 7, name: str = "dana") -> dict:
    return message(text, author=user(uid, name), channel_id=DESK_THREAD, guild=True, roles=list(roles))


async def test_a_telegram_client_is_served_from_a_discord_thread(desk, store):
    client, recorder, core, telegram = desk
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    [(path, created)] = recorder.posts("/threads")
    assert path == f"/channels/{DESK_CHANNEL}/threads" and created["name"] == "#1 Ann (telegram)" and created["type"] == 11
    await feed(client, "THREAD_CREATE", thread(created["name"]))
    [(card_path, card)] = recorder.messages()
    assert card_path == f"/channels/{DESK_THREAD}/messages" and card["content"].startswith("**Ticket #1**: Ann on telegram")
    assert [c["custom_id"] for row in card["components"] for c in row["components"]] == [f"{PREFIX}ticket:claim:1", f"{PREFIX}ticket:close:1"]

    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="what time can you call me?"))
    assert recorder.messages()[-1][1]["content"] == "**Ann:** what time can you call me?"

    await feed(client, "MESSAGE_CREATE", staff_says("Yes, for a day or two."))
    [(address, reply)] = telegram.sent
    assert (address.platform, address.chat_id) == ("telegram", "42") and reply.text == "**dana (Clinic team):** Yes, for a day or two."
    assert store.tickets()[0].desk_thread == str(DESK_THREAD)


async def test_non_staff_in_the_desk_are_ignored_and_cannot_press_desk_buttons(desk, store):
    client, recorder, core, telegram = desk
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    await feed(client, "THREAD_CREATE", thread())
    await feed(client, "MESSAGE_CREATE", staff_says("I'm not staff", roles=()))
    assert telegram.sent == []
    press = click(f"{PREFIX}ticket:close:1", channel_id=DESK_THREAD, uid=8)
    press["channel"] = thread()
    await feed(client, "INTERACTION_CREATE", press)
    [(_, callback)] = recorder.posts("/callback")
    assert callback["data"]["flags"] == 64 and callback["data"]["content"] == "Only the clinic's staff can use this."
    assert store.tickets()[0].status == "open"


async def test_staff_close_button_hands_the_client_back(desk, store, library):
    client, recorder, core, telegram = desk
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    await feed(client, "THREAD_CREATE", thread())
    press = click(f"{PREFIX}ticket:close:1", channel_id=DESK_THREAD, uid=7, roles=[STAFF_ROLE])
    press["channel"] = thread()
    await feed(client, "INTERACTION_CREATE", press)
    assert store.tickets()[0].status == "closed"
    assert telegram.sent[-1][1].text == library.messages.handoff.closed
    [(_, callback)] = recorder.posts("/callback")
    assert "Ticket #1 closed" in callback["data"]["content"]


async def test_a_telegram_clients_photo_is_uploaded_to_the_thread(desk):
    from core.events import Attachment

    client, recorder, core, telegram = desk
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", text="/human"))
    photo = Attachment(kind="photo", name="photo.jpg", data=b"IMAGE-BYTES", source_platform="telegram", source_chat="42", source_message="5")
    await core.handle(Event(platform="telegram", chat_id="42", user_id="42", display_name="Ann", attachment="photo", file=photo))
    path, payload = recorder.messages()[-1]
    assert path == f"/channels/{DESK_THREAD}/messages" and payload["content"] == "**Ann:** [photo]"
    assert [a["filename"] for a in payload["attachments"]] == ["photo.jpg"]
