"""Channel modes over real sockets: what o v b i k l m n t s let people do, or not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.irc.message import Message
from support.channels import join, numeric
from support.client import IrcClient
from support.servers import ThreadServer

Connect = Callable[..., IrcClient]


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """No lobby and no flood limit: these tests make their own channels, quickly."""
    return make_server(lobby=None, limits={"flood_enabled": False})


def mode(op: IrcClient, line: str, *watchers: IrcClient) -> Message:
    """`op` sends MODE `line`; returns its echo, once every watcher has seen it too."""
    op.send(f"MODE {line}")
    change = op.expect("MODE")
    for watcher in watchers:
        assert watcher.expect("MODE").params == change.params
    return change


def said(client: IrcClient) -> list[tuple[str, ...]]:
    """The PRIVMSGs that reached `client` up to now (proved by a PING round trip)."""
    return [m.params for m in client.sync() if m.command == "PRIVMSG"]


def test_op_gives_and_takes_op(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#o", alice, bob)
    change = mode(alice, "#o +o bob", bob)
    assert change.params == ("#o", "+o", "bob") and change.source.startswith("alice!")
    bob.send("TOPIC #o :bob may now")
    assert alice.expect("TOPIC").params == ("#o", "bob may now")
    mode(bob, "#o -o alice", alice)
    alice.send("TOPIC #o :alice may not")
    assert numeric(alice, "482")[1] == "#o"


def test_non_op_cannot_change_modes_and_nobody_hears_of_it(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#o", alice, bob)
    bob.send("MODE #o +o bob")
    assert numeric(bob, "482")[1] == "#o"
    bob.send("MODE #o +s")
    assert numeric(bob, "482")[1] == "#o"
    assert not [m for m in alice.sync() if m.command == "MODE"]
    bob.send("MODE #o")
    assert numeric(bob, "324")[1:] == ["#o", "+nt"]


def test_mode_on_someone_not_there_gets_441(connect: Connect) -> None:
    alice, _bob = connect("alice"), connect("bob")
    join("#o", alice)
    alice.send("MODE #o +v bob")
    assert numeric(alice, "441")[1:3] == ["bob", "#o"]
    alice.send("MODE #o +v ghost")
    assert numeric(alice, "401")[1] == "ghost"


def test_ban_blocks_joining_and_speaking(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#b", alice, bob, carol)
    assert mode(alice, "#b +b bob", bob, carol).params == ("#b", "+b", "bob!*@*")
    bob.send("PRIVMSG #b :can I?")
    assert numeric(bob, "404")[1] == "#b"
    carol.send("PRIVMSG #b :carol can")
    assert alice.expect("PRIVMSG").params == ("#b", "carol can")  # bob's never came
    bob.send("PART #b")
    bob.expect("PART")
    bob.send("JOIN #b")
    assert numeric(bob, "474")[1] == "#b"
    mode(alice, "#b -b bob!*@*", carol)
    join("#b", bob)


def test_ban_on_a_host_mask_catches_every_nick(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#b", alice)
    mode(alice, "#b +b *!*@127.0.0.1")
    bob.send("JOIN #b")
    assert numeric(bob, "474")[1] == "#b"
    bob.send("NICK robert")
    bob.expect("NICK")
    bob.send("JOIN #b")
    assert numeric(bob, "474")[1] == "#b"


def test_ban_list_query_shows_masks_to_anyone(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#b", alice, bob)
    mode(alice, "#b +bb spam *!*@bad.example", bob)
    bob.send("MODE #b +b")
    entries = [m.params for m in bob.collect_until("368") if m.command == "367"]
    assert [e[1:4] for e in entries] == [
        ("#b", "spam!*@*", "alice"),
        ("#b", "*!*@bad.example", "alice"),
    ]
    bob.send("MODE #b b")
    assert numeric(bob, "368")[1] == "#b"


def test_invite_only_keeps_out_the_uninvited_until_lifted(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#i", alice)
    mode(alice, "#i +i")
    bob.send("JOIN #i")
    assert numeric(bob, "473")[1] == "#i"
    mode(alice, "#i -i")
    join("#i", bob)


def test_key_keeps_out_the_wrong_key(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#k", alice)
    mode(alice, "#k +k sesame")
    bob.send("JOIN #k")
    assert numeric(bob, "475")[1] == "#k"
    bob.send("JOIN #k open")
    assert numeric(bob, "475")[1] == "#k"
    bob.send("JOIN #k sesame")
    assert bob.expect("JOIN").params == ("#k",)
    carol.send("MODE #k")
    assert numeric(carol, "324")[1:] == ["#k", "+ntk", "*"]  # outsiders don't see it
    bob.send("MODE #k")
    assert numeric(bob, "324")[1:] == ["#k", "+ntk", "sesame"]
    mode(alice, "#k -k sesame", bob)
    join("#k", carol)


def test_limit_turns_away_joiners_when_full(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#l", alice)
    mode(alice, "#l +l 2")
    join("#l", bob)
    carol.send("JOIN #l")
    assert numeric(carol, "471")[1] == "#l"
    bob.send("PART #l")
    bob.expect("PART")
    join("#l", carol)
    alice.send("MODE #l +l nonsense")
    assert numeric(alice, "696")[1:4] == ["#l", "l", "nonsense"]


def test_moderated_channel_silences_the_unvoiced(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#m", alice, bob, carol)
    mode(alice, "#m +m", bob, carol)
    bob.send("PRIVMSG #m :quiet?")
    assert numeric(bob, "404")[1] == "#m"
    assert said(carol) == []
    mode(alice, "#m +v bob", bob, carol)
    bob.send("PRIVMSG #m :voiced")
    alice.send("PRIVMSG #m :op speaks")
    heard = {carol.expect("PRIVMSG").params for _ in range(2)}
    assert heard == {("#m", "voiced"), ("#m", "op speaks")}
    mode(alice, "#m -v bob", bob, carol)
    bob.send("PRIVMSG #m :again?")
    assert numeric(bob, "404")[1] == "#m"


def test_no_external_messages_until_n_is_lifted(connect: Connect) -> None:
    alice, outsider = connect("alice"), connect("outsider")
    join("#n", alice)
    outsider.send("PRIVMSG #n :from outside")
    assert numeric(outsider, "404")[1] == "#n"  # +n is on by default
    assert said(alice) == []
    mode(alice, "#n -n")
    outsider.send("PRIVMSG #n :let in")
    assert alice.expect("PRIVMSG").params == ("#n", "let in")


def test_topic_lock_lifted_lets_anyone_set_it(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#t", alice, bob)
    mode(alice, "#t -t", bob)
    bob.send("TOPIC #t :anyone's now")
    assert alice.expect("TOPIC").params == ("#t", "anyone's now")


def test_secret_channel_is_hidden_from_outsiders(connect: Connect) -> None:
    alice, bob, outsider = connect("alice"), connect("bob"), connect("outsider")
    alice.send("JOIN #open,#hidden")
    alice.expect(lambda m: m.command == "366" and m.params[1] == "#hidden")
    join("#hidden", bob)
    mode(alice, "#hidden +s", bob)
    outsider.send("LIST")
    rows = [m.params[1] for m in outsider.collect_until("323") if m.command == "322"]
    assert rows == ["#open"]
    outsider.send("WHOIS alice")
    whois = {m.command: m.params for m in outsider.collect_until("318")}
    assert whois["319"][-1] == "@#open"
    outsider.send("NAMES #hidden")
    assert [m.command for m in outsider.collect_until("366")] == ["366"]
    bob.send("LIST")
    assert {m.params[1] for m in bob.collect_until("323") if m.command == "322"} == {
        "#open",
        "#hidden",
    }
    bob.send("NAMES #hidden")
    assert numeric(bob, "353")[1:3] == ["@", "#hidden"]  # `@` marks a secret channel


def test_several_changes_in_one_mode_line(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#x", alice, bob)
    change = mode(alice, "#x +ovl bob bob 5", bob)
    assert change.params == ("#x", "+ovl", "bob", "bob", "5")
    alice.send("NAMES #x")
    assert numeric(alice, "353")[-1].split() == ["@alice", "@bob"]
    alice.send("MODE #x")
    assert numeric(alice, "324")[1:] == ["#x", "+ntl", "5"]
