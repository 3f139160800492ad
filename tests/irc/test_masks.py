"""Glob masks: the two-pointer matcher agrees with a plain reference and stays linear."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from parley.irc.casemap import fold
from parley.irc.masks import mask_matches, match_steps


def reference_match(mask: str, name: str) -> bool:
    """Glob matching by its definition, memoized over positions (slow, obviously right)."""
    pattern, text = fold(mask), fold(name)

    @cache
    def at(p: int, t: int) -> bool:
        if p == len(pattern):
            return t == len(text)
        c = pattern[p]
        if c == "*":
            return at(p + 1, t) or (t < len(text) and at(p, t + 1))
        return t < len(text) and (c == "?" or c == text[t]) and at(p + 1, t + 1)

    return at(0, 0)


# Few letters, so random masks and names often match; `[`/`{` and `A`/`a` fold together.
MASKS = st.text(alphabet="aAb[{!@*?", max_size=12)
NAMES = st.text(alphabet="aAb[{!@*?", max_size=16)


@settings(max_examples=2000)
@given(MASKS, NAMES)
def test_matcher_agrees_with_the_reference(mask: str, name: str) -> None:
    assert mask_matches(mask, name) == reference_match(mask, name)


@given(NAMES)
def test_a_name_matches_itself_when_it_has_no_wildcards(name: str) -> None:
    literal = name.replace("*", "").replace("?", "")
    assert mask_matches(literal, literal.upper())


def test_usual_masks() -> None:
    assert mask_matches("*!*@host.example", "Alice!alice@HOST.example")
    assert mask_matches("al?ce!*@*", "alice!a@h")
    assert not mask_matches("al?ce!*@*", "alce!a@h")
    assert mask_matches("nick[a]!*@*", "NICK{A}!u@h")  # rfc1459 folding
    assert mask_matches("*", "")
    assert not mask_matches("", "x")
    assert mask_matches("a*", "a*")  # a star in the name is an ordinary character


def _bound(mask: str, name: str) -> int:
    """The matcher's promise: about one pass over the name per character of the mask."""
    return (len(mask) + 1) * (len(name) + 1)


@pytest.mark.parametrize(
    "mask",
    ["*a" * 12 + "*b", "*a" * 12 + "*b*", "*a?" * 12 + "*b*", "?*a" * 12 + "*b?*a"],
    ids=["tail", "middle", "question-marks", "mixed"],
)
def test_pathological_mask_takes_a_bounded_number_of_steps(mask: str) -> None:
    name = "a" * 5000
    matched, steps = match_steps(mask, name)
    assert not matched
    assert steps <= _bound(mask, name)
    # A regular expression tries about C(5000, 12) ways here; this is one pass per segment.
    assert steps <= 3 * len(name) * mask.count("*")


def test_thousands_of_stars_cost_no_more_than_one() -> None:
    name = "a" * 5000
    mask = "*" * 3000 + "a" + "*" * 3000 + "b"
    matched, steps = match_steps(mask, name)
    assert not matched
    assert steps <= _bound("*a*b", name)


@settings(max_examples=500)
@given(st.text(alphabet="ab*?", max_size=30), st.text(alphabet="ab", max_size=200))
def test_steps_never_exceed_mask_times_name(mask: str, name: str) -> None:
    assert match_steps(mask, name)[1] <= _bound(mask, name)
