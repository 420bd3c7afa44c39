"""Argument parsing for run.py. Each command composes the bot the same way (cli.compose)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bots.terminal import chat
from cli import accuracy
from cli.ask import as_json, as_text, ask, ask_many, dumps, explain, scratch_dir
from cli.compose import StartupError, build_core, configure_logging
from core.settings import SettingsError, load_settings
from core.storage import Store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description="Doctors Med Spa microneedling support bot.")
    parser.add_argument("--config", type=Path, help="settings file (default: config.toml beside run.py, if present)")
    sub = parser.add_subparsers(dest="command", required=True)

    chat = sub.add_parser("chat", help="chat with the bot in this terminal (no tokens needed)")
    chat.add_argument("--content", type=Path, help="content folder (default: from settings)")

    ask_ = sub.add_parser("ask", help="print the bot's reply to a question (one per line from stdin if none given)")
    ask_.add_argument("question", nargs="?", help="the question; omit to read questions from stdin")
    ask_.add_argument("--json", action="store_true", help="print JSON: kind, topic, confidence, text, buttons")
    ask_.add_argument("--explain", action="store_true", help="show how each topic scored")
    ask_.add_argument("--content", type=Path, help="content folder (default: from settings)")

    acc = sub.add_parser("accuracy", help="measure accuracy on a labelled question set")
    acc.add_argument("questions", nargs="?", type=Path, default=accuracy.QUESTIONS)
    acc.add_argument("--content", type=Path, help="content folder (default: from settings)")
    acc.add_argument("--misses", action="store_true", help="list every question classed wrongly")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        configure_logging("WARNING")  # the terminal is these commands' user interface
        return asyncio.run(_run(args, settings))
    except (StartupError, SettingsError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


async def _run(args: argparse.Namespace, settings) -> int:
    content = args.content or settings.content.dir
    if args.command == "chat":
        core = build_core(content, Store(settings.storage.dir, fsync=settings.storage.fsync))
        try:
            await chat(core.handle)
        finally:
            await core.store.aclose()
        return 0
    with scratch_dir() as scratch:
        core = build_core(content, Store(scratch, fsync=False))
        try:
            return await _scratch_command(core, args)
        finally:
            await core.store.aclose()


async def _scratch_command(core, args: argparse.Namespace) -> int:
    """Commands whose conversations are throwaway: ask and accuracy."""
    if args.command == "ask":
        return await _ask(core, args)
    report = await accuracy.evaluate(core, accuracy.load_cases(args.questions))
    print(report.summary())
    if args.misses:
        print("\nmisses (expected -> got):")
        for case, kind, topic in report.misses:
            print(f"  {case.q!r}: {case.kind}/{case.topic} -> {kind}/{topic}")
    return 0


async def _ask(core, args: argparse.Namespace) -> int:
    if args.question is None:
        for result in await ask_many(core, (line.rstrip("\n") for line in sys.stdin)):
            print(dumps(result))
        return 0
    replies = await ask(core, args.question)
    print(dumps(as_json(replies)) if args.json else as_text(replies))
    if args.explain:
        print("\n" + explain(core.knowledge, args.question))
    return 0
