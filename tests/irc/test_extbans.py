"""Channel list masks: hostmasks completed, `a:account` masks checked and matched."""

from __future__ import annotations

import pytest

from parley.irc.extbans import list_mask, list_mask_matches

PREFIX = "nick!user@host.example"


def test_hostmasks_are_completed_and_account_masks_kept() -> None:
    assert list_mask("bob") == "bob!*@*"
    assert list_mask("a.example") == "*!*@a.example"
    assert list_mask("a:Bob") == "a:Bob"
    assert list_mask("a:*") == "a:*"
    assert list_mask("A:bob") == "*!*@A:bob"  # the letter is case-sensitive, as EXTBAN's are


@pytest.mark.parametrize("mask", ["a:", "a:1abc", "a:b c", "a:b!c@d", "a:\ufffd", "a:b\x00"])
def test_account_masks_no_account_could_match_are_refused(mask: str) -> None:
    assert list_mask(mask) is None


def test_account_masks_match_only_the_logged_in() -> None:
    assert list_mask_matches("a:bob", PREFIX, "Bob")
    assert list_mask_matches("a:DAN{x}", PREFIX, "dan[X]")
    assert list_mask_matches("a:*", PREFIX, "anyone")
    assert not list_mask_matches("a:*", PREFIX, None)
    assert not list_mask_matches("a:nick", PREFIX, None)  # the nick is not the account
    assert not list_mask_matches("a:bob", PREFIX, "bobby")
    assert list_mask_matches("nick!*@*", PREFIX, None)
    long_name = "b" * 10_000  # matching stays linear however long the name
    assert not list_mask_matches("a:*b*b*b*b*b*c", PREFIX, long_name)
