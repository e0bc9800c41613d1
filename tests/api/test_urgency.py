"""The urgency rule: boundaries and invariants, on generated inputs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.domain.urgency import LABELS, UrgencyThresholds, compute_level, describe, level_from_label

TODAY = date(2026, 11, 28)
DEFAULT = UrgencyThresholds()


def level(days_open: int, to_start: int | None = None, candidates: int = 0, **kw: int) -> int:
    return compute_level(
        start_date=None if to_start is None else TODAY + timedelta(days=to_start),
        opened_on=TODAY - timedelta(days=days_open),
        candidates=candidates,
        today=TODAY,
        thresholds=DEFAULT,
        **kw,
    )


def test_labels_are_the_agents_words() -> None:
    assert LABELS == ("à pourvoir", "à surveiller", "urgent", "très urgent")


@pytest.mark.parametrize(
    ("days_open", "expected"),
    [(0, 0), (13, 0), (14, 1), (29, 1), (30, 2), (44, 2), (45, 3), (400, 3)],
)
def test_age_boundaries(days_open: int, expected: int) -> None:
    assert level(days_open) == expected


@pytest.mark.parametrize(
    ("to_start", "expected"),
    [(60, 0), (22, 0), (21, 1), (8, 1), (7, 2), (0, 2), (-1, 3)],
)
def test_start_date_boundaries(to_start: int, expected: int) -> None:
    assert level(0, to_start) == expected


def test_two_candidates_relieve_by_one_level_but_not_below_zero() -> None:
    assert level(50, candidates=2) == 2
    assert level(0, candidates=5) == 0


def test_override_wins_whatever_the_dates() -> None:
    assert level(0, override=3) == 3
    assert level(400, to_start=-10, override=0) == 0


ages = st.integers(min_value=0, max_value=800)
starts = st.one_of(st.none(), st.integers(min_value=-30, max_value=400))
counts = st.integers(min_value=0, max_value=20)


@given(ages, starts, counts)
def test_level_is_always_a_known_level(days_open: int, to_start: int | None, cand: int) -> None:
    assert level(days_open, to_start, cand) in range(4)


@given(ages, starts, counts, st.integers(min_value=1, max_value=60))
def test_waiting_longer_never_makes_an_offer_less_urgent(
    days_open: int, to_start: int | None, cand: int, more: int
) -> None:
    assert level(days_open + more, to_start, cand) >= level(days_open, to_start, cand)


@given(
    ages, st.integers(min_value=-30, max_value=400), counts, st.integers(min_value=1, max_value=60)
)
def test_a_nearer_start_never_makes_an_offer_less_urgent(
    days_open: int, to_start: int, cand: int, nearer: int
) -> None:
    assert level(days_open, to_start - nearer, cand) >= level(days_open, to_start, cand)


@given(ages, starts, counts)
def test_more_candidates_never_make_an_offer_more_urgent(
    days_open: int, to_start: int | None, cand: int
) -> None:
    assert level(days_open, to_start, cand + 1) <= level(days_open, to_start, cand)


def test_thresholds_must_increase() -> None:
    with pytest.raises(ValueError):
        UrgencyThresholds(watch_after_days_open=40, urgent_after_days_open=30)


def test_every_level_has_a_label_a_shape_and_a_colour() -> None:
    shapes = {describe(n).icon for n in range(4)}
    colours = {describe(n).colour for n in range(4)}
    assert len(shapes) == 4 and len(colours) == 4
    assert [level_from_label(lab) for lab in LABELS] == [0, 1, 2, 3]
    assert level_from_label("3") == 3 and level_from_label("bientôt") is None
