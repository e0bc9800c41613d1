"""French wording shared by the staff pages and the corridor screen: dates, times, counts, « de ».

One module so that both faces say a date, a count or « d'Aurélie » the same way. Pure functions,
no I/O; the screen-only install ships it (``api*`` is in the package list).

Rules chosen here, in one place:

- **Plural**: French puts 0 and 1 in the singular (« 0 candidat », « 1 candidat »), and so their
  negatives (« -1 jour »); from 2 on, the plural. In short: singular when ``abs(n) < 2``.
- **Day of month**: the first is an ordinal, « 1er décembre »; the others are plain numbers.
- **Elision** (``de``): « de » becomes « d' » before a vowel, accented ones included
  (« d'Aurélie », « d'Émilie », « d'Œnone »); before « Y » only when a consonant follows, as the
  Y is then heard as a vowel (« d'Yves », « d'Yvonne » but « de Yasmine », « de Yann »); before
  « H » only for the first names of ``MUTE_H_NAMES`` (« d'Hélène », « d'Hugo »), since an h may
  be aspirated and a wrong « d' » reads worse than a plain « de ». A leading article contracts:
  « Le Fournil » → « du Fournil », « Les Halles » → « des Halles »; « La Poste » and
  « L'Équipe » stay (« de La Poste », « de L'Équipe »).
- **Agreement** (``agree``): an adjective takes « e » for a feminine noun and « s » in the
  plural (« très urgent » → « très urgentes »); a phrase starting with « à » (« à pourvoir »)
  never changes.
- **Singular of a plural phrase** (``singular``): the screen is given units in the plural
  (« offres TPE pourvues »); for 0 or 1 each lower-case word loses its final « s » or « x »
  (« offre TPE pourvue »), words in capitals (« TPE », « CV ») and short words stay.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
# Abbreviations as the staff pages show them on a phone (French typographic usage).
WEEKDAYS_SHORT = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
MONTHS_SHORT = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip

# First names whose h is mute, so « de » elides: a short list on purpose (see the module's rules).
MUTE_H_NAMES = frozenset(
    {"hélène", "henri", "henriette", "hervé", "hugo", "hugues", "hubert", "hortense", "honorine"}
)
_VOWELS = frozenset("aeiou")
_LIGATURE_VOWELS = frozenset("æœ")


def month_name(month: int) -> str:
    """The month's name, ``1`` → « janvier »."""
    return MONTHS[month - 1]


def day_number(d: date) -> str:
    """The day of the month as written before the month: « 1er », « 2 », « 31 »."""
    return "1er" if d.day == 1 else str(d.day)


def long_date(d: date, *, weekday: bool = True, year: bool = False) -> str:
    """« mercredi 9 décembre », « 1er décembre » (``weekday=False``), « … 2026 » (``year=True``)."""
    text = f"{day_number(d)} {month_name(d.month)}"
    if weekday:
        text = f"{WEEKDAYS[d.weekday()]} {text}"
    if year:
        text = f"{text} {d.year}"
    return text


def short_date(d: date, *, year: bool = False) -> str:
    """« mer. 9 déc. », « lun. 1er déc. », and « … 2027 » with ``year=True``."""
    text = f"{WEEKDAYS_SHORT[d.weekday()]} {day_number(d)} {MONTHS_SHORT[d.month - 1]}"
    return f"{text} {d.year}" if year else text


def clock(t: datetime) -> str:
    """The screen's 24-hour clock, « 09:05 »."""
    return f"{t.hour:02d}:{t.minute:02d}"


def hour_minute(t: datetime) -> str:
    """A time in running text, « 14 h 05 », « 9 h 00 »."""
    return f"{t.hour} h {t.minute:02d}"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """« 0 candidat », « 1 candidat », « 2 candidats »: singular while ``abs(n) < 2``."""
    word = singular if abs(n) < 2 else (plural_form or singular + "s")
    return f"{n} {word}"


def singular(phrase: str) -> str:
    """The singular of a plural phrase: « offres TPE pourvues » → « offre TPE pourvue »."""
    words = []
    for word in phrase.split(" "):
        if len(word) > 3 and word.islower() and word[-1] in "sx" and word[-2] not in "sx":
            word = word[:-1]
        words.append(word)
    return " ".join(words)


def count(n: int, plural_phrase: str) -> str:
    """« 0 offre TPE pourvue », « 1 offre TPE pourvue », « 19 offres TPE pourvues »."""
    return f"{n} {plural_phrase if abs(n) >= 2 else singular(plural_phrase)}"


def agree(adjective: str, n: int, *, feminine: bool = False) -> str:
    """An adjective agreeing with ``n`` things: « très urgentes », « urgent », « à pourvoir »."""
    if adjective.startswith("à "):
        return adjective
    if feminine and not adjective.endswith("e"):
        adjective += "e"
    if abs(n) >= 2 and adjective[-1] not in "sx":
        adjective += "s"
    return adjective


def days(n: int) -> str:
    """A duration in days as the staff pages say it: « aujourd'hui », « 1 jour », « 12 jours »."""
    return "aujourd'hui" if n <= 0 else plural(n, "jour")


def days_left(n: int) -> str:
    """Days left in a challenge: « défi terminé », « dernier jour », « encore 3 jours »."""
    if n < 0:
        return "défi terminé"
    if n == 0:
        return "dernier jour"
    return f"encore {plural(n, 'jour')}"


def _base(letter: str) -> str:
    # « É » → « e »: the letter without its accent, lower case.
    return unicodedata.normalize("NFD", letter)[0].casefold()


def elides(word: str) -> bool:
    """Whether « de » / « le » elide before ``word`` (see the module's rules for Y and H)."""
    if not word:
        return False
    first = _base(word[0])
    if first in _VOWELS or word[0].casefold() in _LIGATURE_VOWELS:
        return True
    if first == "y":
        return len(word) > 1 and _base(word[1]) not in _VOWELS | {"y"}
    if first == "h":
        return word.split()[0].strip(",.;:!?").casefold() in MUTE_H_NAMES
    return False


def de(name: str) -> str:
    """« de » before a name: « de Karim », « d'Aurélie », « d'Émilie », « du Fournil »."""
    name = name.strip()
    head, _, rest = name.partition(" ")
    if rest and head.casefold() == "le":
        return f"du {rest}"
    if rest and head.casefold() == "les":
        return f"des {rest}"
    return f"d'{name}" if elides(name) else f"de {name}"


# Nouns that make an account's name a team's rather than a person's, with the article they take
# after « de »: « l'Équipe support », « la Direction », « du Service entreprises ».
TEAM_NOUNS = {
    "équipe": "l'",
    "accueil": "l'",
    "agence": "l'",
    "direction": "la ",
    "cellule": "la ",
    "service": "le ",
    "secrétariat": "le ",
    "pôle": "le ",
}


def de_account(name: str) -> str:
    """« de » before a staff account's name, which may be a person's or a team's.

    « d'Aurélie Fabre », « de Karim Benali », and for a team « de l'Équipe support »,
    « de la Direction », « du Service entreprises »: a team name takes its article.
    """
    name = name.strip()
    article = TEAM_NOUNS.get(name.partition(" ")[0].casefold())
    if article is None:
        return de(name)
    return f"du {name}" if article == "le " else f"de {article}{name}"
