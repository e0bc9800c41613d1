"""Links to France Travail's public site."""

from __future__ import annotations

PUBLIC_PAGE = "https://candidat.francetravail.fr/offres/recherche/detail/{number}"


def france_travail_page(number: str | None) -> str | None:
    """The offer's page on France Travail's site, or None for an offer not linked.

    >>> france_travail_page("186XWJK")
    'https://candidat.francetravail.fr/offres/recherche/detail/186XWJK'
    """
    return PUBLIC_PAGE.format(number=number) if number else None
