"""The staff guide's and the README's commands work exactly as written after the Quick start
(issue #17, item 6): staff copy them into a terminal, without activating anything."""

import os
import re
import shlex
import shutil
import subprocess

import pytest

from tests.conftest import CONTENT, ROOT, checked

MEDSPA = ROOT / ".venv" / "bin" / "medspa"
pytestmark = pytest.mark.skipif(not MEDSPA.exists(), reason="needs the Quick start's .venv")


def guide_commands():
    text = ROOT.joinpath("docs", "editing-content.md").read_text()
    return [line for block in re.findall(r"```sh\n(.+?)```", text, re.DOTALL) for line in block.splitlines() if line.strip()]


def readme_commands():
    table = ROOT.joinpath("README.md").read_text().split("## Commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE)


@pytest.fixture
def trial(tmp_path):
    """A settings file pointing at a copy of the content and empty data, so the commands run as
    written without touching the repository's files."""
    shutil.copytree(CONTENT, tmp_path / "content")
    config = tmp_path / "config.toml"
    config.write_text(f'[content]\ndir = "{tmp_path / "content"}"\n[storage]\ndir = "{tmp_path / "data"}"\n')
    return {**os.environ, "MEDSPA_CONFIG": str(config)}


def test_the_guide_has_the_commands_staff_need():
    commands = guide_commands()
    assert all(c.startswith(".venv/bin/medspa ") for c in commands)
    assert {c.split()[1] for c in commands} >= {"setup", "report", "ask", "check"}


@pytest.mark.parametrize("command", guide_commands())
def test_each_guide_command_runs_as_written(trial, command, medspa, monkeypatch):
    """Read as the shell reads it, run in this process (the entry point itself is run for real below)."""
    monkeypatch.setenv("MEDSPA_CONFIG", trial["MEDSPA_CONFIG"])
    monkeypatch.setattr("cli.main.check", checked)  # the same problems, computed once per content
    program, *argv = shlex.split(command)
    assert program == ".venv/bin/medspa" and not set(command) & set("|&;<>$`"), command  # a plain command staff can paste
    result = medspa(*argv, stdin="\n" * 20)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stdout.strip()


def test_every_readme_command_exists_as_written(trial, medspa):
    commands = readme_commands()
    assert all(c.startswith((".venv/bin/medspa ", ".venv/bin/python -m ")) for c in commands)
    names = sorted({c.split()[1] for c in commands if c.startswith(".venv/bin/medspa ")})
    for name in names:
        result = medspa(name, "--help")
        assert result.returncode == 0 and "usage: medspa" in result.stdout, result.stderr
    listed = subprocess.run([".venv/bin/medspa", "--help"], cwd=ROOT, env=trial, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and all(name in listed.stdout for name in names), listed.stdout + listed.stderr


def test_run_py_still_works(trial):
    result = subprocess.run([".venv/bin/python", "run.py", "--help"], cwd=ROOT, env=trial, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "setup" in result.stdout
