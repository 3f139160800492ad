"""Smaller things clients use: HELP, messages to a channel's operators (STATUSMSG),
the list of one's invitations, and channels without CTCP (+C)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.channels import join
from support.client import IrcClient
from support.servers import ThreadServer

Connect = Callable[..., IrcClient]


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def test_help_has_an_index_a_page_per_command_and_a_clear_miss(connect: Connect) -> None:
    alice = connect("alice")
    for command in ("HELP", "HELPOP"):
        alice.send(command)
        index = alice.collect_until("706")
        assert index[0].command == "704" and len(index) > 5
        assert all(m.command == "705" for m in index[1:-1])
        alice.send(f"{command} privmsg")
        page = alice.collect_until("706")
        assert page[0].params[1] == "privmsg" and "PRIVMSG <target>" in page[0].params[2]
    alice.send("HELP " + "X" * 400)  # an unknown subject is named back, cut short
    miss = alice.expect("524")
    assert miss.params[1] == "X" * 32
    alice.send("HELP \u0663")
    assert alice.expect("524").params[1] == "\u0663"


def test_statusmsg_reaches_operators_or_voiced_and_is_kept_by_nobody(connect: Connect) -> None:
    op, voiced, plain = connect("op"), connect("voiced"), connect("plain")
    join("#tea", op, voiced, plain)
    op.send("MODE #tea +v voiced")
    voiced.expect("MODE")
    plain.expect("MODE")
    plain.send("PRIVMSG @#tea :psst ops")
    plain.send("PRIVMSG +#tea :psst voices")
    assert op.expect("PRIVMSG").params == ("@#tea", "psst ops")
    assert op.expect("PRIVMSG").params == ("+#tea", "psst voices")
    # the second line came after the first: had the first reached voiced, it came before
    assert voiced.expect("PRIVMSG").params == ("+#tea", "psst voices")
    assert plain.sync() == []  # no echo without echo-message, no error either
    late = connect("late")
    join("#tea", late)
    late.send("CHATHISTORY LATEST #tea * 10")
    assert not [m for m in late.sync() if m.command == "PRIVMSG"]  # not in history


def test_statusmsg_follows_the_channels_rules(connect: Connect) -> None:
    op, outsider = connect("op"), connect("outsider")
    join("#tea", op)
    outsider.send("PRIVMSG @#tea :from outside")  # +n: members only
    assert outsider.expect("404").params[1] == "#tea"
    outsider.send("PRIVMSG @#nope :hello")
    assert outsider.expect("403").params[1] == "@#nope"
    outsider.send("PRIVMSG @ :lone")
    assert outsider.expect("401").params[1] == "@"


def test_invite_alone_lists_the_live_invitations(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#one", alice)
    join("#two", alice)
    alice.send("INVITE bob #two")
    alice.send("INVITE bob #one")
    bob.expect("INVITE")
    bob.expect("INVITE")
    bob.send("INVITE")
    listed = bob.collect_until("337")
    assert [m.params[1] for m in listed if m.command == "336"] == ["#one", "#two"]
    alice.send("PART #one")  # the channel ends: its invitation goes with it
    alice.expect("PART")
    bob.send("INVITE")
    assert [m.params[1] for m in bob.collect_until("337") if m.command == "336"] == ["#two"]
    bob.send("INVITE alice")
    assert bob.expect("461").params[1] == "INVITE"


def test_no_ctcp_mode_lets_actions_through_and_refuses_the_rest(connect: Connect) -> None:
    op, user = connect("op"), connect("user")
    join("#quiet", op, user)
    op.send("MODE #quiet +C")
    assert user.expect("MODE").params == ("#quiet", "+C")
    user.send("PRIVMSG #quiet :\x01ACTION waves\x01")
    user.send("PRIVMSG #quiet :\x01VERSION\x01")
    refused = user.expect("404")
    assert refused.params[1] == "#quiet" and "CTCP" in refused.params[2]
    user.send("NOTICE #quiet :\x01PING 1\x01")  # refused without a reply, as notices are
    user.send("PRIVMSG #quiet :after")
    assert op.expect("PRIVMSG").params == ("#quiet", "\x01ACTION waves\x01")
    assert op.expect(lambda m: m.command in ("PRIVMSG", "NOTICE")).params == ("#quiet", "after")
    assert [m.command for m in user.sync()] == []
    op.send("MODE #quiet")
    assert "C" in op.expect("324").params[2]
