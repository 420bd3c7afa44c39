"""Reading a conversation's language (issue 16), and Spanish days and times."""

import subprocess
import sys
from datetime import datetime

import pytest

import core.conversation.engine  # noqa: F401 - declares the client commands
from core.conversation.commands import CLIENT, named, parse_command
from core.conversation.spanish_times import in_english, opening, week_in_spanish
from core.understanding.language import chosen, read_language, settle
from tests.conftest import ROOT


@pytest.mark.parametrize("text", ["hola", "buenas tardes", "¿cuánto cuesta el microneedling?", "gracias", "sí"])
def test_a_first_spanish_message_sets_spanish(text):
    assert settle(None, text) == "es"


@pytest.mark.parametrize("text", ["hi", "thanks", "how long does it take?", "does microneedling hurt"])
def test_a_first_english_message_sets_english(text):
    assert settle(None, text) == "en"


@pytest.mark.parametrize("text", ["ok", "botox", "👍", "12", "hello", "agent", "menu"])
def test_a_message_that_reads_either_way_decides_nothing(text):
    assert settle(None, text) is None


@pytest.mark.parametrize("text", ["ok", "botox", "thanks", "yes", "ok thanks", "SPF 50?", "microneedling"])
def test_a_word_or_two_of_english_never_flips_a_spanish_conversation(text):
    assert settle("es", text) == "es"


@pytest.mark.parametrize("text", ["gracias", "sí", "ok gracias", "hola"])
def test_a_word_or_two_of_spanish_never_flips_an_english_conversation(text):
    assert settle("en", text) == "en"


def test_a_clear_sentence_switches():
    assert settle("es", "how long is the recovery after microneedling?") == "en"
    assert settle("en", "quiero saber cuánto dura la sesión") == "es"


def test_neutral_words_do_not_pull_spanish_towards_english():
    reading = read_language("cuanto cuesta el microneedling?")
    assert reading.language == "es" and reading.words == 3 and reading.confidence > 0.9


def test_languages_named_after_the_command():
    assert [chosen(t) for t in ("es", "Español", "spanish", "en", "inglés", "English", "", "klingon")] == [
        "es",
        "es",
        "es",
        "en",
        "en",
        "en",
        None,
        None,
    ]
    assert named("language", CLIENT).name_in("es") == "idioma" and parse_command("/idioma").name == "language"
    assert named("book", CLIENT).name_in("es") == "book"


@pytest.mark.parametrize(
    ("spanish", "english"),
    [
        ("el martes por la mañana", "Tuesday morning"),
        ("lunes o miércoles después de las 3", "Monday, Wednesday, after 3 PM"),
        ("los sábados", "Saturdays"),
        ("entre semana por la tarde", "weekday afternoons"),
        ("Mañanas entre semana", "weekday mornings"),
        ("mañana a las 10", "tomorrow, at 10 AM"),
        ("el jueves en la tarde antes de las 5:30", "Thursday afternoon, before 5:30 PM"),
        ("fines de semana", "weekends"),
        ("a cualquier hora", "any time"),
        ("no sé, llámenme", ""),
    ],
)
def test_spanish_days_and_times_read_in_english(spanish, english):
    assert in_english(spanish) == english


def test_days_said_in_spanish():
    assert opening(datetime(2026, 11, 24, 9, 0)) == "martes 9:00 AM"
    assert week_in_spanish("- Monday: 9:00 AM to 5:00 PM\n- Sunday: closed") == "- Lunes: 9:00 AM a 5:00 PM\n- Domingo: cerrado"


def test_detector_benchmark_runs(tmp_path):
    sample = tmp_path / "sample.jsonl"
    sample.write_text('{"q": "hola, una pregunta", "lang": "es"}\n{"q": "one question please", "lang": "en"}\n')
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_language", "--set", str(sample)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "lingua + the bot's rule  all: 2/2" in result.stdout
