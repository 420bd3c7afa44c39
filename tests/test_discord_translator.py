"""Discord slash commands carry Spanish names and descriptions for Spanish-language apps (issue 16)."""

from tests.discord_harness import APP_ID, start

SPANISH = ("es-ES", "es-419")


async def test_slash_commands_are_localized_in_spanish(core, recorder):
    client = await start(core, recorder)
    puts = {p: body for m, p, body in recorder.calls if m == "PUT"}
    commands = puts[f"/applications/{APP_ID}/commands"]  # the client commands, global for DMs and the server
    by_name = {c["name"]: c for c in commands}
    for locale in SPANISH:
        assert by_name["book"]["description_localizations"][locale] == "Pedir una consulta"
        assert by_name["language"]["name_localizations"][locale] == "idioma"
    assert "es-ES" not in by_name["book"]["name_localizations"]  # a name without a Spanish one keeps its own
    assert set(by_name["menu"]["description_localizations"]) == set(SPANISH)
    await client.close()


async def test_the_language_command_offers_the_choice(core, recorder):
    from core.events import Event

    replies = await core.handle(Event(platform="discord", chat_id="9", user_id="9", text="/language"))
    assert [b.action for b in replies[0].buttons] == ["lang:en", "lang:es"]
