"""A Spanish-speaking client, start to finish (issue 16): greeting, a question, a menu button,
a booking to confirmation, a request for a person, an urgent message. Every text the client
reads is Spanish; what staff read stays English and says the client speaks Spanish."""

from core.events import Reply, ReplyKind
from core.understanding.language import read_language
from tests.conftest import press, say, staff, to_client, to_desk

ENGLISH_BUTTON = "English"
"""The one English word a Spanish client sees: the button that switches to English."""


def spanish(replies: list[Reply]) -> list[Reply]:
    """Assert every text and button label in ``replies`` reads as Spanish; return them."""
    for reply in replies:
        assert _reads_spanish(reply.text), reply.text
        for button in reply.buttons:
            assert button.label == ENGLISH_BUTTON or _reads_spanish(button.label) or _neutral(button.label), button.label
    return replies


def _reads_spanish(text: str) -> bool:
    reading = read_language(text)
    return reading is None or reading.language == "es"


def _neutral(label: str) -> bool:
    """Labels that read the same in both languages ("No", "Menú") or name a picked option."""
    return label in ("No", "Menú", "Consulta") or label.startswith("✓ ")


async def test_a_whole_conversation_in_spanish(core, store, outbox, library):
    [hello] = spanish(await say(core, "hola, buenas tardes"))
    assert hello.kind is ReplyKind.SMALLTALK and hello.text == library.in_language("es").messages.greeting_again
    assert store.conversation("test:c1").language == "es"

    [answer] = spanish(await say(core, "¿podré volver al trabajo al día siguiente?"))
    assert answer.kind is ReplyKind.ANSWER and answer.topic == "downtime"
    assert answer.text.startswith("**Tiempo de recuperación")

    [section] = spanish(await press(core, "menu:benefits"))
    assert section.text == "**Lo que el microneedling puede hacer por su piel**: elija una pregunta."
    [pores] = spanish(await press(core, "faq:pores"))
    assert "poros" in pores.text and "no un consejo médico" in pores.text

    # booking, typed in Spanish from start to confirmation
    spanish(await say(core, "quiero pedir una cita"))
    [contact] = spanish(await say(core, "Ana María López"))
    assert contact.prompt.field == "contact"
    [times] = spanish(await say(core, "(501) 555-0147"))
    assert times.prompt.field == "times" and "Sábados" in [b.label for b in times.buttons]
    [concerns] = spanish(await say(core, "el martes por la mañana"))
    assert concerns.prompt.field == "concerns"
    [consent] = spanish(await say(core, "poros y arrugas"))
    assert consent.prompt.field == "consent"
    [summary] = spanish(await say(core, "sí, claro"))
    assert "- **Horarios preferidos:** el martes por la mañana" in summary.text
    assert "- **Quiere mejorar:** Líneas y textura, Poros" in summary.text
    [confirmed] = spanish(await say(core, "sí"))
    assert "Su número de referencia es **MN-" in confirmed.text and "TODO" not in confirmed.text
    [request] = store.bookings()
    assert (request.language, request.times, request.concerns) == ("es", "el martes por la mañana", ["Lines & texture", "Pores"])
    [(_, lead)] = [(a, r) for a, r in outbox.sent if r.kind is ReplyKind.BOOKING]
    assert "- Preferred times: el martes por la mañana (read as: Tuesday morning)" in lead.text
    assert "- Wants to improve: Lines & texture, Pores" in lead.text and "- Language: Spanish" in lead.text

    # a person, then staff answer in the desk and close
    [opened] = spanish(await say(core, "quiero hablar con una persona"))
    assert opened.kind is ReplyKind.HUMAN and "caso **#1**" in opened.text
    [card] = to_desk(outbox)
    assert card.startswith("**Ticket #1**: Ann on test, asked for a person") and "\nLanguage: Spanish" in card
    await core.handle(staff("Hola Ana, con gusto le ayudo."))
    await core.handle(staff("/close"))
    signed, closed = to_client(outbox)
    assert signed == "**Dana (Equipo de la clínica):** Hola Ana, con gusto le ayudo."
    assert closed == "Nuestro equipo cerró esta conversación. Aquí sigo si tiene más preguntas."

    # an urgent message: the Spanish urgent reply, and an urgent ticket
    urgent, *ticket = spanish(await say(core, "me salió pus en la cara y tengo fiebre"))
    assert urgent.kind is ReplyKind.URGENT and "911" in urgent.text and "complicación" in urgent.text
    assert ticket and store.tickets()[-1].urgent
    assert "Language: Spanish" in to_desk(outbox, thread="2")[0]


async def test_a_single_english_word_does_not_switch_a_spanish_conversation(core, store):
    await say(core, "hola, ¿cómo funciona el microneedling?")
    for word in ("ok", "botox", "thanks"):
        spanish(await say(core, word))
        assert store.conversation("test:c1").language == "es"
    [answer] = await say(core, "how long does a session take?")
    assert answer.text.startswith("**How long a session takes**")  # a clear English sentence does
    assert store.conversation("test:c1").language == "en"


async def test_a_spanish_name_does_not_switch_an_english_booking(core, store):
    await say(core, "I'd like to book a consultation please")
    [contact] = await say(core, "María José Hernández")
    assert contact.text.startswith("Thanks! How can our team reach you?")
    assert store.conversation("test:c1").language == "en"


async def test_the_client_switches_language_by_command_or_button(core, store, library):
    [choice] = await say(core, "/idioma")
    assert [(b.label, b.action) for b in choice.buttons] == [("English", "lang:en"), ("Español", "lang:es")]
    done, menu = await press(core, "lang:es")
    assert done.text == library.in_language("es").messages.language_set and menu.text.startswith("¿Qué le gustaría saber")
    conversation = store.conversation("test:c1")
    assert (conversation.language, conversation.language_chosen) == ("es", True)
    [answer] = await say(core, "how long does a session take?")  # a chosen language stays
    assert answer.text.startswith("**Cuánto dura una sesión**")
    done, _ = await say(core, "/language en")
    assert done.text.startswith("Okay, I'll answer in English")
    again, _ = await say(core, "/idioma español")
    assert again.text.startswith("Muy bien")


async def test_the_language_can_be_changed_while_a_ticket_is_open(core, outbox):
    await say(core, "talk to a person")
    done, _ = await say(core, "/idioma es")
    assert done.text.startswith("Muy bien")
    await core.handle(staff("/close"))
    assert to_client(outbox)[-1].startswith("Nuestro equipo cerró esta conversación")


async def test_the_apps_language_decides_until_the_client_writes(core, store):
    from core.events import Event

    greeting, menu = await core.handle(
        Event(platform="test", chat_id="c1", user_id="c1", display_name="Ana", text="/start", locale="es-MX")
    )
    assert greeting.text.startswith("¡Hola, Ana! Soy el asistente virtual") and [b.action for b in greeting.buttons] == ["lang:en"]
    assert store.conversation("test:c1").language is None  # a hint, not a choice
    [answer] = await core.handle(Event(platform="test", chat_id="c1", user_id="c1", text="does it hurt at all?", locale="es"))
    assert answer.text.startswith("**Does microneedling hurt?**")


async def test_an_english_welcome_offers_spanish(core):
    greeting, _ = await say(core, "/start")
    assert [(b.label, b.action) for b in greeting.buttons] == [("Español", "lang:es")]


async def test_commands_are_described_in_each_language(core):
    assert core.languages() == ("en", "es")
    assert core.commands()["language"].startswith("Cambiar a español")
    spanish_commands = core.commands("es")
    assert "idioma" in spanish_commands and "language" not in spanish_commands
    assert spanish_commands["book"] == "Pedir una consulta"
