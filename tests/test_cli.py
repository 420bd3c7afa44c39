"""run.py commands as staff and tools use them: in this process through cli.main.main(argv), and two
smoke tests as real processes (a fresh checkout's chat, serve without tokens)."""

import io
import json
import subprocess
import sys

from bots.terminal import chat, format_reply, terminal_locale, to_event
from core.events import Button, Reply, ReplyKind
from tests.conftest import ROOT


def test_ask_json_has_the_documented_shape(medspa):
    result = medspa("ask", "--json", "downtime??")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"kind", "topic", "confidence", "text", "buttons"}
    assert (data["kind"], data["topic"]) == ("answer", "downtime")
    assert {"label": "Book a consultation", "action": "book"} in data["buttons"]


def test_ask_reads_one_question_per_line_from_stdin(medspa):
    result = medspa("ask", stdin="does it hurt\ndo you do botox\nthe redness is spreading\n")
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert kinds == ["answer", "fallback", "urgent"]


def test_ask_prints_the_reply_as_a_person_sees_it(medspa):
    result = medspa("ask", "pores")
    assert result.stdout.startswith("Enlarged pores\nMicroneedling helps reduce enlarged pores")
    assert "**" not in result.stdout and "  [3] Book a consultation" in result.stdout


def test_ask_explain_shows_candidate_scores(medspa):
    result = medspa("ask", "--explain", "weeks")
    assert "decision:         clarify" in result.stdout
    assert "initial-series" in result.stdout and "treatment-intervals" in result.stdout
    assert "semantic lexical" in result.stdout and "out_of_scope" in result.stdout  # every outcome, both signals


def test_accuracy_command_prints_per_kind_figures(medspa):
    result = medspa("accuracy")
    assert result.returncode == 0
    assert "answer " in result.stdout and "urgent " in result.stdout and "overall " in result.stdout


def test_terminal_buttons_are_numbered_and_chosen_by_number_or_text():
    reply = Reply(
        kind=ReplyKind.MENU,
        text="Pick **one**:",
        buttons=(Button(label="Pores", action="faq:pores"), Button(label="Site", url="https://x")),
    )
    assert format_reply(reply) == "Pick one:\n  [1] Pores\n  [2] Site -> https://x"
    buttons = list(reply.buttons)
    assert to_event("1", buttons).action == "faq:pores"
    assert to_event("pores", buttons).action == "faq:pores"
    assert to_event("3", buttons).text == "3"


async def test_terminal_chat_session(core):
    stdin = io.StringIO("downtime??\n3\n/quit\n")
    stdout = io.StringIO()
    await chat(core.handle, stdin, stdout)
    out = stdout.getvalue()
    assert "Hi! I'm the virtual assistant of Doctors Med Spa" in out
    assert "Downtime and getting back to your day" in out
    assert "Let's book your consultation" in out  # button 3 under the answer is "Book a consultation"
    assert out.rstrip().endswith("Bye!")


def test_chat_starts_from_a_fresh_checkout_without_tokens(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "chat"],
        cwd=tmp_path,
        input="what is microneedling\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "collagen induction therapy" in result.stdout


def test_serve_without_tokens_says_how_to_set_one_and_points_to_chat():
    result = subprocess.run(
        [sys.executable, "run.py", "serve"], cwd=ROOT, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"}
    )
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in result.stderr and "DISCORD_BOT_TOKEN" in result.stderr and ".venv/bin/medspa chat" in result.stderr


def test_serve_refuses_malformed_tokens_without_echoing_them(medspa, monkeypatch, caplog):
    for name, value in (("TELEGRAM_BOT_TOKEN", "12345-not-a-token-secretvalue"), ("DISCORD_BOT_TOKEN", "secretvalue-without-dots")):
        for unset in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"):
            monkeypatch.delenv(unset, raising=False)
        monkeypatch.setenv(name, value)
        result = medspa("serve")
        assert result.returncode == 2 and f"{name} is set but does not look like a token" in result.stderr
        assert value not in result.stderr + result.stdout + caplog.text


async def test_terminal_handoff_loop_without_tokens(knowledge, tmp_path):
    from bots.terminal import TerminalDesk
    from core.conversation.engine import Core
    from core.storage.store import Store

    stdout = io.StringIO()
    store = Store(tmp_path / "data", fsync=False)
    core = Core(knowledge, store, TerminalDesk(stdout))
    stdin = io.StringIO(
        "/human\nis this pink normal?\n/staff 1 Yes, for a day or two.\n/staff 1 /note called her\n/staff 1 /close\npores\n/quit\n"
    )
    await chat(core.handle, stdin, stdout)
    await store.aclose()
    out = stdout.getvalue()
    assert "[staff desk] **Ticket #1**" not in out and "[staff desk] Ticket #1: Client on terminal, asked for a person" in out
    assert "[staff desk] Client: is this pink normal?" in out
    assert "bot> Staff (Clinic team): Yes, for a day or two." in out
    assert "Note added to ticket #1 (not sent to the client)." in out and "called her" not in out.split("Note added")[1]
    assert "bot> Our team has closed this conversation." in out
    assert out.rstrip().endswith("Bye!") and "Enlarged pores" in out


async def test_terminal_chat_follows_the_conversations_language(core):
    stdin = io.StringIO("¿duele el microneedling?\n/quit\n")
    stdout = io.StringIO()
    await chat(core.handle, stdin, stdout, locale=terminal_locale({"LANG": "es_MX.UTF-8"}))
    out = stdout.getvalue()
    assert "¡Hola! Soy el asistente virtual" in out and "[1] English" in out
    assert "¿Duele el microneedling?" in out


def test_terminal_locale_comes_from_the_environment():
    assert terminal_locale({"LANG": "es_MX.UTF-8"}) == "es-MX"
    assert terminal_locale({"LC_ALL": "C.UTF-8", "LANG": "es_ES.UTF-8"}) is None
    assert terminal_locale({}) is None


def test_output_cut_short_by_a_pipe_ends_quietly():
    """`medspa ask ... | head -c 20` once printed a BrokenPipeError traceback at staff."""
    command = [sys.executable, "run.py", "ask", "--json", "downtime?"]
    ask = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    ask.stdout.close()  # the reader is gone before the answer is printed
    _, err = ask.communicate(timeout=120)
    assert ask.returncode == 0 and b"Traceback" not in err
