"""The command line speaks French: argparse's own words (usage, help, errors) translated once.

argparse looks its messages up through ``gettext`` at the moment it prints them, and Python
ships no French catalogue for it; ``speak_french()`` puts this one in its place. Every
``couloir`` command (``api.cli``, ``display.cli``) builds its parser with ``FrenchParser``.

    >>> speak_french()
    >>> import argparse
    >>> argparse._("the following arguments are required: %s") % "--name"
    'arguments obligatoires manquants : --name'
"""

from __future__ import annotations

import argparse
from typing import Any

ARGPARSE_FRENCH: dict[str, str] = {
    "usage: ": "usage : ",
    "positional arguments": "arguments",
    "options": "options",
    "show this help message and exit": "affiche cette aide et quitte",
    "show program's version number and exit": "affiche la version et quitte",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s : %(message)s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "one of the arguments %s is required": "un de ces arguments est obligatoire : %s",
    "unrecognized arguments: %s": "arguments inconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "choix invalide : %(value)r (au choix : %(choices)s)"
    ),
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s attendu) : %(value)r",
    "expected one argument": "une valeur attendue",
    "expected at most one argument": "une valeur au plus",
    "expected at least one argument": "une valeur au moins",
    "not allowed with argument %s": "incompatible avec %s",
    "ignored explicit argument %r": "valeur en trop ignorée : %r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "option ambiguë : %(option)s peut désigner %(matches)s"
    ),
    "unexpected option string: %s": "option inattendue : %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "commande inconnue %(parser_name)r (au choix : %(choices)s)"
    ),
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
}
# Messages with a count: (singular, plural) → French (singular, plural).
ARGPARSE_FRENCH_PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("expected %s argument", "expected %s arguments"): (
        "%s valeur attendue",
        "%s valeurs attendues",
    ),
}
# Type names argparse shows in « valeur invalide (… attendu) ».
TYPE_NAMES = {"int": "nombre entier", "float": "nombre"}


def _translate(message: str) -> str:
    return ARGPARSE_FRENCH.get(message, message)


def _translate_plural(singular: str, plural: str, count: int) -> str:
    french = ARGPARSE_FRENCH_PLURALS.get((singular, plural))
    if french is None:
        return singular if count == 1 else plural
    return french[0] if count == 1 else french[1]


def speak_french() -> None:
    """Make argparse print its own messages in French (idempotent)."""
    argparse._ = _translate  # type: ignore[attr-defined]
    argparse.ngettext = _translate_plural  # type: ignore[attr-defined]


class FrenchHelpFormatter(argparse.HelpFormatter):
    """Shows a default where one matters, in French."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_text = action.help or ""
        default = action.default
        if (
            help_text
            and "%(default)" not in help_text
            and "défaut" not in help_text
            and default not in (None, False, argparse.SUPPRESS)
            and action.option_strings
        ):
            help_text += " (par défaut : %(default)s)"
        return help_text


class FrenchParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are in French, subcommands included."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        speak_french()
        kwargs.setdefault("formatter_class", FrenchHelpFormatter)
        super().__init__(*args, **kwargs)
        self._optionals.title = "options"

    def _get_value(self, action: argparse.Action, arg_string: str) -> Any:
        try:
            return super()._get_value(action, arg_string)
        except argparse.ArgumentError as exc:
            name = getattr(action.type, "__name__", "")
            if name in TYPE_NAMES:
                exc.message = f"valeur invalide ({TYPE_NAMES[name]} attendu) : {arg_string!r}"
            raise
