"""The README's Quick start is what CI runs, so it cannot silently rot."""

import re

from tests.conftest import ROOT


def quick_start_commands():
    section = ROOT.joinpath("README.md").read_text().split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_is_exactly_two_commands_and_ci_runs_the_test_one():
    chat, tests = quick_start_commands()
    assert chat.endswith("run.py chat")
    assert tests.endswith("pytest")
    assert tests in ROOT.joinpath(".ci", "run").read_text()
