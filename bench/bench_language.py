"""Which offline language detector reads clients' messages best, English or Spanish. Prints figures; asserts nothing.

    python -m bench.bench_language [--set FILE] [--short WORDS]

Each message of a labelled set (``lang`` en or es) is read as the first message of
a conversation. Compared: lingua restricted to the two languages (what the bot
uses), the same with the bot's rule on top (neutral words such as "microneedling"
left out, and no decision below the confidence a first message needs), and
langdetect when it is installed (``pip install langdetect``; seeded, the more
likely of en and es among its guesses). Figures are given for every message and
for short ones, where detectors differ most. Latency is per message, models loaded.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from lingua import Language

from core.understanding.language import ENGLISH, _detector, settle

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "client-questions.jsonl"
Detect = Callable[[str], str]
ONE_OR_TWO_WORDS = [
    {"q": q, "lang": "es"}
    for q in ("hola", "gracias", "sí", "ayuda", "cita", "perfecto", "duele?", "buenas tardes", "precio?", "hablar con alguien")
] + [{"q": q, "lang": "en"} for q in ("hello", "hi", "thanks", "help", "book", "agent", "menu", "yes", "does it hurt", "price?")]
"""The very short messages a chat opens with, where the development set has few examples."""


def lingua_plain(text: str) -> str:
    return "es" if _detector().detect_language_of(text) == Language.SPANISH else "en"


def bot_rule(text: str) -> str:
    return settle(None, text) or ENGLISH


def langdetect_pick() -> Detect | None:
    try:
        from langdetect import DetectorFactory, LangDetectException, detect_langs
    except ImportError:
        return None
    DetectorFactory.seed = 0

    def detect(text: str) -> str:
        try:
            guesses = {g.lang: g.prob for g in detect_langs(text)}
        except LangDetectException:
            return "en"
        return "es" if guesses.get("es", 0) > guesses.get("en", 0) else "en"

    return detect


def measure(name: str, detect: Detect, rows: list[dict], short: int) -> str:
    detect(rows[0]["q"])  # load models before timing
    started = time.perf_counter()
    got = [detect(r["q"]) for r in rows]
    per_message = (time.perf_counter() - started) / len(rows) * 1000
    parts = []
    for label, keep in (("all", lambda r: True), (f"<= {short} words", lambda r: len(r["q"].split()) <= short)):
        chosen = [(r, g) for r, g in zip(rows, got, strict=True) if keep(r)]
        right = sum(r["lang"] == g for r, g in chosen)
        spanish = [(r, g) for r, g in chosen if r["lang"] == "es"]
        parts.append(f"{label}: {right}/{len(chosen)} (es {sum(g == 'es' for _, g in spanish)}/{len(spanish)})")
    return f"{name:<24} {'   '.join(parts)}   {per_message:.2f} ms/message"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="path", type=Path, default=DEV_SET)
    parser.add_argument("--short", type=int, default=6, help="messages of at most this many words count as short")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.path.read_text(encoding="utf-8").splitlines() if line.strip()]
    other = langdetect_pick()
    for title, chosen in (
        (f"{len(rows)} messages from {args.path.name}", rows),
        (f"{len(ONE_OR_TWO_WORDS)} one- or two-word openers", ONE_OR_TWO_WORDS),
    ):
        print(f"{title}; right / total (Spanish ones read as Spanish)")
        print(measure("lingua", lingua_plain, chosen, args.short))
        print(measure("lingua + the bot's rule", bot_rule, chosen, args.short))
        print(measure("langdetect", other, chosen, args.short) if other else "langdetect               not installed")


if __name__ == "__main__":
    main()
