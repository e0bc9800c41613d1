"""The whole command line speaks French: every command's help, argparse's own words, its errors."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from api.cli import build_parser
from api.cli_french import ARGPARSE_FRENCH

# Words that give an English sentence away, and that French help never uses.
ENGLISH_WORDS = re.compile(
    r"\b(the|and|with|without|default|show|run|render|exit|screen|settings|instead|fetch|"
    r"turn|file|this|from|one|own|more|log|list)\b",
    re.IGNORECASE,
)


def _parsers(
    parser: argparse.ArgumentParser, name: str = "couloir"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def _texts(parser: argparse.ArgumentParser) -> Iterator[str]:
    """Every sentence a person reads in one command's help."""
    yield parser.description or ""
    yield parser.epilog or ""
    for group in parser._action_groups:
        yield group.title or ""
        yield group.description or ""
    for action in parser._actions:
        if action.help not in (None, argparse.SUPPRESS):
            yield str(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                yield str(choice.help or "")


COMMANDS = list(_parsers(build_parser()))


@pytest.mark.parametrize("name,parser", COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_explains_itself_in_french(
    name: str, parser: argparse.ArgumentParser
) -> None:
    english = [text for text in _texts(parser) if ENGLISH_WORDS.search(text)]
    assert not english, f"{name} : {english}"
    shown = parser.format_help()
    assert shown.startswith("usage : ")
    english_only = [words for words, french in ARGPARSE_FRENCH.items() if words != french]
    assert not [words for words in english_only if words.strip() and words in shown]


def _couloir(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "args,expected",
    [
        (["serve", "--port", "huit"], "--port : valeur invalide (nombre entier attendu) : 'huit'"),
        (["user", "add", "a@b.fr"], "arguments obligatoires manquants : --name, --role, --agency"),
        (["serve", "--bavard"], "arguments inconnus : --bavard"),
        (["dort"], "choix invalide : 'dort'"),
    ],
)
def test_a_mistyped_command_is_told_in_french(args: list[str], expected: str) -> None:
    result = _couloir(*args)
    assert result.returncode == 2
    assert "erreur : " in result.stderr
    assert expected in result.stderr
    assert result.stderr.startswith("usage : ")
