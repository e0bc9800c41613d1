"""Untrusted text made safe to store and show: the one cleaning rule for the API and the pages.

Names, titles, stories and e-mails come from phones, copy-pastes and attackers. Before any
length or "required" check, a text is normalised (NFC) and stripped of what a person cannot
see but a screen still obeys: control characters, direction overrides (U+202E turns "gpj.exe"
around), zero-width and other invisible characters. What is left is what the corridor shows.

    >>> clean_text("  Boulangerie\\u200b  du\\u202e Rempart ")
    'Boulangerie du Rempart'
    >>> clean_text("\\u200b\\u2060")
    ''
    >>> clean_text("Ligne 1\\r\\nLigne 2", multiline=True)
    'Ligne 1\\nLigne 2'

Pure functions only; ``api.models.fields`` and ``admin.forms`` both call ``clean_text``.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that are not format controls (category Cf) yet draw nothing: Hangul fillers,
# the blank braille pattern, combining grapheme joiner, Khmer inherent vowels.
_INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")
# Joiners shape emoji sequences (👩‍💻) and Persian or Indic words: kept only between two visible
# characters, where they have something to join.
_JOINERS = frozenset("\u200c\u200d")
# Line breaks of every kind: a newline in a multi-line text, a space in a one-line text.
_BREAKS = re.compile(r"\r\n|[\r\n\u2028\u2029\x85\x0b\x0c]")
_TAG_BASE = "\U0001f3f4"  # 🏴, the black flag that subdivision flags (🏴󠁧󠁢󠁳󠁣󠁴󠁿) are built on
_SPACES = re.compile(r"\s{2,}")
_VISIBLE_CATEGORIES = frozenset("LNPS")


def _is_tag(ch: str) -> bool:
    return "\U000e0020" <= ch <= "\U000e007f"


def _dropped(ch: str, *, multiline: bool) -> bool:
    """True for a character that is never kept (joiners and tags are decided by context)."""
    if ch in "\n\t":
        return not multiline
    if ch in _INVISIBLE:
        return True
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs") or (category == "Cf" and ch not in _JOINERS and not _is_tag(ch)):
        return True
    code = ord(ch)
    # Noncharacters: never meant to be exchanged.
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def is_visible(ch: str) -> bool:
    """True for a character that draws something: a letter, digit, punctuation or symbol."""
    return unicodedata.category(ch)[0] in _VISIBLE_CATEGORIES and ch not in _INVISIBLE


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` as it should be stored and shown; ``""`` when nothing visible is left.

    NFC-normalises; removes control characters (but newlines and tabs in a multi-line text),
    format characters (bidirectional controls, zero-width spaces, soft hyphens, BOM…) and other
    invisible ones; keeps emoji whole (joiners between two visible characters, variation
    selectors, flag tags); in a one-line text turns line breaks and tabs into spaces and
    collapses runs of spaces; strips both ends.
    """
    text = _BREAKS.sub("\n" if multiline else " ", value)
    if not multiline:
        text = text.replace("\t", " ")
    kept = [ch for ch in text if not _dropped(ch, multiline=multiline)]
    out: list[str] = []
    for i, ch in enumerate(kept):
        if ch in _JOINERS:
            after = kept[i + 1] if i + 1 < len(kept) else ""
            if not (out and _joinable(out[-1]) and after and _joinable(after)):
                continue
        elif _is_tag(ch) and not (out and (out[-1] == _TAG_BASE or _is_tag(out[-1]))):
            continue
        out.append(ch)
    # After the removals: a combining accent may now follow its letter directly.
    text = unicodedata.normalize("NFC", "".join(out))
    if not multiline:
        text = _SPACES.sub(" ", text)
    text = text.strip()
    return text if any(is_visible(ch) for ch in text) else ""


def _joinable(ch: str) -> bool:
    return not ch.isspace() and ch not in _JOINERS
