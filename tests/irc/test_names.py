"""parley.irc casemapping, masks, mode strings and ISUPPORT lines."""

from __future__ import annotations

from parley.irc.casemap import fold, valid_channel, valid_nick
from parley.irc.isupport import isupport_lines
from parley.irc.masks import mask_matches, normalize_mask
from parley.irc.modes import ChannelModeTypes, ModeChange, format_mode_changes, parse_mode_changes

TYPES = ChannelModeTypes(lists="beI", always="k", when_set="l", flags="imnst", prefixes="ov")


def test_rfc1459_folds_brackets_and_tilde() -> None:
    assert fold("Nick[A]\\~") == "nick{a}|^"


def test_nick_shapes() -> None:
    assert valid_nick("alice", 30)
    assert valid_nick("[bot]_-9", 30)
    assert not valid_nick("9lives", 30)
    assert not valid_nick("a b", 30)
    assert not valid_nick("a" * 31, 30)
    assert not valid_nick("", 30)
    assert not valid_nick("#chan", 30)


def test_channel_shapes() -> None:
    assert valid_channel("#lobby", 64)
    assert not valid_channel("lobby", 64)
    assert not valid_channel("#a,b", 64)
    assert not valid_channel("#", 64)
    assert not valid_channel("#" + "x" * 64, 64)


def test_masks_match_globs_ignoring_case() -> None:
    assert mask_matches("*!*@*.example.org", "Bob!b@host.EXAMPLE.org")
    assert mask_matches("b?b!*@*", "bob!x@y")
    assert not mask_matches("b?b!*@*", "bobby!x@y")
    assert mask_matches("nick[1]!*@*", "NICK{1}!u@h")


def test_partial_masks_are_completed() -> None:
    assert normalize_mask("bob") == "bob!*@*"
    assert normalize_mask("*.example.org") == "*!*@*.example.org"
    assert normalize_mask("u@h") == "*!u@h"
    assert normalize_mask("n!u") == "n!u@*"


def test_mode_string_splits_into_changes_with_their_arguments() -> None:
    changes, unknown = parse_mode_changes("+ov-k+lX", ["alice", "bob", "key", "10"], TYPES)
    assert changes == [
        ModeChange(True, "o", "alice"),
        ModeChange(True, "v", "bob"),
        ModeChange(False, "k", "key"),
        ModeChange(True, "l", "10"),
    ]
    assert unknown == ["X"]


def test_limit_takes_an_argument_only_when_set() -> None:
    changes, _ = parse_mode_changes("-l+n", ["ignored"], TYPES)
    assert changes == [ModeChange(False, "l"), ModeChange(True, "n")]


def test_list_mode_without_argument_asks_for_the_list() -> None:
    changes, _ = parse_mode_changes("+b", [], TYPES)
    assert changes == [ModeChange(True, "b", None)]


def test_applied_changes_are_grouped_by_sign() -> None:
    changes = [ModeChange(True, "o", "a"), ModeChange(True, "n"), ModeChange(False, "v", "b")]
    assert format_mode_changes(changes) == ["+on-v", "a", "b"]


def test_isupport_puts_thirteen_tokens_a_line() -> None:
    tokens = {f"K{i}": (i if i % 2 else None) for i in range(20)}
    lines = list(isupport_lines(tokens))
    assert [len(line) for line in lines] == [13, 7]
    assert lines[0][0] == "K0" and lines[0][1] == "K1=1"
