"""Argument parsing for run.py. Each command composes the bot the same way (cli.compose)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bots.terminal import TerminalDesk, chat, terminal_locale
from cli import accuracy, check_report, data, leads, report
from cli.ask import as_json, as_text, ask, ask_many, dumps, explain, scratch_dir
from cli.compose import StartupError, build_core, configure_logging, load_knowledge, running, storage_problems_to
from cli.serve import serve
from cli.setup import setup
from core.content import ContentErrors, load_library
from core.content.checks import DRAFT, as_dicts, check
from core.desk.unanswered_groups import group
from core.settings import Settings, SettingsError, load_settings
from core.storage.store import StorageError, Store


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Doctors Med Spa microneedling support bot.")
    parser.add_argument("--config", type=Path, help="settings file (default: $MEDSPA_CONFIG, else config.toml beside run.py, if present)")
    sub = parser.add_subparsers(dest="command", required=True)

    chat_ = sub.add_parser("chat", help="chat with the bot in this terminal (no tokens needed)")
    chat_.add_argument("--content", type=Path, help="content folder (default: from settings)")

    ask_ = sub.add_parser("ask", help="print the bot's reply to a question (one per line from stdin if none given)")
    ask_.add_argument("question", nargs="?", help="the question; omit to read questions from stdin")
    ask_.add_argument("--json", action="store_true", help="print JSON: kind, topic, confidence, text, buttons")
    ask_.add_argument("--explain", action="store_true", help="show how each topic scored")
    ask_.add_argument("--content", type=Path, help="content folder (default: from settings)")

    serve_ = sub.add_parser("serve", help="run the bot on every platform whose token is set in the environment")
    serve_.add_argument("--content", type=Path, help="content folder (default: from settings)")

    check_ = sub.add_parser("check", help="check the content files; exit 1 on errors")
    check_.add_argument("content", nargs="?", type=Path, help="content folder (default: from settings)")
    check_.add_argument("--json", action="store_true", help="print problems as JSON")
    check_.add_argument("--strict", action="store_true", help="warnings fail the check too")
    check_.add_argument("--details", action="store_true", help="list every example the routing analysis sends elsewhere")

    report_ = sub.add_parser("report", help="reports for staff")
    report_.add_argument("which", choices=["unanswered"])
    report_.add_argument("--since", type=float, metavar="DAYS", help="only the last DAYS days")
    report_.add_argument("--csv", action="store_true", help="print CSV for a spreadsheet")

    leads_ = sub.add_parser("leads", help="confirmed consultation requests")
    leads_.add_argument("--since", type=float, metavar="DAYS", help="only the last DAYS days")
    leads_.add_argument("--csv", action="store_true", help="print CSV for a spreadsheet")

    setup_ = sub.add_parser("setup", help="fill in the clinic's phone, address, hours, prices and call-back time in clinic.yaml")
    setup_.add_argument("content", nargs="?", type=Path, help="content folder (default: from settings)")

    sub.add_parser("data", help="list damaged data the bot set aside for repair; exit 1 if there is any")

    acc = sub.add_parser("accuracy", help="measure accuracy on a labelled question set")
    acc.add_argument(
        "--set",
        dest="questions",
        type=Path,
        default=accuracy.QUESTIONS,
        metavar="FILE",
        help="labelled set: YAML like tests/questions.yaml or JSON Lines like the client-question set",
    )
    acc.add_argument("--lang", help="only the messages in this language (en, es)")
    acc.add_argument("--content", type=Path, help="content folder (default: from settings)")
    acc.add_argument("--misses", action="store_true", help="list every question classed wrongly")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config)
        if args.command == "serve":
            configure_logging(settings.logging.level)
            return asyncio.run(serve(settings, args.content or settings.content.dir))
        configure_logging("WARNING")  # the terminal is these commands' user interface
        if args.command == "check":
            return _check(args, settings)
        if args.command == "report":
            return _report(args, settings)
        if args.command == "leads":
            return _leads(args, settings)
        if args.command == "setup":
            return setup(args.content or settings.content.dir)
        if args.command == "data":
            return data.run(settings.storage.dir)
        return asyncio.run(_run(args, settings))
    except (StartupError, SettingsError, StorageError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `medspa report ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush is quiet too
        return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    content = args.content or settings.content.dir
    if args.command == "chat":
        desk = TerminalDesk()
        store = Store(settings.storage.dir, fsync=settings.storage.fsync, on_failure=storage_problems_to(desk))
        core = build_core(content, store, desk, settings)
        async with running(core, content):
            await chat(core.handle, locale=terminal_locale(os.environ))
        return 0
    with scratch_dir() as scratch:
        store = Store(scratch, fsync=False)
        try:  # the store is closed whether or not the content loads
            return await _scratch_command(build_core(content, store), args)
        finally:
            await store.aclose()


async def _scratch_command(core, args: argparse.Namespace) -> int:
    """Commands whose conversations are throwaway: ask and accuracy."""
    if args.command == "ask":
        return await _ask(core, args)
    cases = [c for c in accuracy.load_cases(args.questions) if not args.lang or c.lang == args.lang]
    result = await accuracy.evaluate(core, cases)
    print(result.summary())
    if args.misses:
        print("\nmisses (expected -> got):")
        for case, kind, topic in result.misses:
            print(f"  {case.q!r}: {case.kind}{'/' + case.topic if case.topic else ''} -> {kind}{'/' + topic if topic else ''}")
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


def _check(args: argparse.Namespace, settings: Settings) -> int:
    root = args.content or settings.content.dir
    if not root.is_dir():
        raise StartupError(f"{root}: no such content folder")
    problems = check(root, date.today())
    count = Counter(p.severity for p in problems)
    if args.json:
        print(json.dumps(as_dicts(problems), indent=2, ensure_ascii=False))
    else:
        for line in check_report.lines(problems, args.details):
            print(line)
        drafts = f", {count[DRAFT]} draft(s) not shown to clients" if count[DRAFT] else ""
        print(f"{count['error']} error(s), {count['warning']} warning(s){drafts} in {root}")
    return 1 if count["error"] or (args.strict and count["warning"]) else 0


def _since(days: float | None) -> datetime | None:
    return datetime.now(UTC) - timedelta(days=days) if days else None


def _clinic_zone(settings: Settings) -> str:
    """The clinic's time zone from clinic.yaml; UTC (named as such in the output) when the
    content cannot be read, since a list of call-backs must never be blocked by a content typo."""
    try:
        return load_library(settings.content.dir).clinic.hours.timezone
    except ContentErrors:
        return "UTC"


def _leads(args: argparse.Namespace, settings: Settings) -> int:
    table = leads.rows(Store(settings.storage.dir, readonly=True).bookings(_since(args.since)), _clinic_zone(settings))
    print(leads.as_csv(table) if args.csv else leads.as_text(table), end="" if args.csv else "\n")
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    since = _since(args.since)
    entries = list(Store(settings.storage.dir, readonly=True).unanswered(since))
    knowledge = load_knowledge(settings.content.dir)
    groups = group(entries, knowledge.classifier.lexical.common_stems(), knowledge.classifier.semantic.encoder.encode)
    table = report.rows(groups, knowledge)
    print(report.as_csv(table) if args.csv else report.as_text(table), end="" if args.csv else "\n")
    return 0
