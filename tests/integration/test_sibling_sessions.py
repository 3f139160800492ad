"""Several devices on one account over real sockets: what one says the others see, once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.irc.message import Message
from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.accounts import logged_in, sasl_started
from support.client import IrcClient
from support.privacy import make_channel, register_account
from support.servers import ThreadServer
from support.waiting import wait_until

PASSWORD = "looking-glass"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(
        lobby=None,
        limits={"flood_enabled": False, "sessions_per_account": 3},
        opers=(Oper("boss", hash_password("hunter2")),),
    )


def guest(server: ThreadServer, nick: str, caps: tuple[str, ...] = ()) -> IrcClient:
    client = IrcClient(server.port)
    client.register(nick, caps=caps, lobby=False)
    return client


def device(port: int, nick: str, caps: tuple[str, ...] = ()) -> IrcClient:
    """One more device of `nick`'s account: logs in, asks for the nick, gets the burst."""
    return logged_in(port, nick, nick, PASSWORD, caps)


def owner(server: ThreadServer, caps: tuple[str, ...] = ()) -> IrcClient:
    alice = guest(server, "alice", caps)
    register_account(alice, PASSWORD)
    return alice


def said(messages: list[Message], command: str = "PRIVMSG") -> list[tuple[str, ...]]:
    return [(m.source or "", *m.params) for m in messages if m.command == command]


def lines_to(client: IrcClient, target: str) -> list[str]:
    """The texts of every PRIVMSG and NOTICE to `target` that `client` has read."""
    return [
        m.params[1]
        for m in client.received
        if m.command in ("PRIVMSG", "NOTICE") and m.params[0] == target
    ]


def prefix_nick(message: Message) -> str:
    return (message.source or "").split("!")[0]


def test_each_device_sees_the_others_channel_lines_once_and_in_order(
    server: ThreadServer,
) -> None:
    desk = owner(server, ("echo-message",))
    make_channel(desk, "#tea")
    bob = guest(server, "bob")
    bob.send("JOIN #tea")
    bob.expect("366")
    phone = device(server.port, "alice")  # no echo-message: its own lines come back not
    phone.collect_until("366")
    desk.sync()
    for text in ("one", "two", "three"):
        phone.send(f"PRIVMSG #tea :{text}")
    phone.sync()  # (two connections: the order between them is the order the server read)
    desk.send("PRIVMSG #tea :four")
    desk.send("NOTICE #tea :five")
    desk.sync()  # then the lines of both are on their way to the others
    phone.sync()
    bob.sync()
    seen_by_desk = lines_to(desk, "#tea")
    seen_by_phone = lines_to(phone, "#tea")
    seen_by_bob = lines_to(bob, "#tea")
    assert seen_by_desk == ["one", "two", "three", "four", "five"]  # its own two echoed
    assert seen_by_phone == ["four", "five"]
    assert seen_by_bob == ["one", "two", "three", "four", "five"]


def test_private_messages_reach_every_device_both_ways(server: ThreadServer) -> None:
    desk = owner(server)  # neither device asked for echo-message
    bob = guest(server, "bob")
    phone = device(server.port, "alice")
    bob.send("PRIVMSG alice :hi")
    heard = desk.expect("PRIVMSG")
    assert heard.params == ("alice", "hi") and prefix_nick(heard) == "bob"
    assert phone.expect("PRIVMSG").params == ("alice", "hi")
    phone.send("PRIVMSG bob :from the phone")
    got = bob.expect("PRIVMSG")
    assert got.params == ("bob", "from the phone") and prefix_nick(got) == "alice"
    shown = desk.expect("PRIVMSG")  # the sibling sees what its person said, to whom
    assert shown.params == ("bob", "from the phone") and shown.source == got.source
    desk.send("NOTICE bob :n")
    assert bob.expect("NOTICE").params == ("bob", "n")
    assert phone.expect("NOTICE").params == ("bob", "n")
    assert said(phone.sync()) == [] and said(desk.sync()) == []  # nothing twice
    assert said(bob.sync()) == []


def test_tagmsg_and_a_multiline_batch_reach_the_sibling(server: ThreadServer) -> None:
    caps = ("message-tags", "batch", "draft/multiline", "server-time")
    desk = owner(server, caps)
    bob = guest(server, "bob", caps)
    phone = device(server.port, "alice", caps)
    phone.send("@+typing=active TAGMSG bob")
    assert bob.expect("TAGMSG").tags["+typing"] == "active"
    mirrored = desk.expect("TAGMSG")
    assert mirrored.params == ("bob",) and mirrored.tags["+typing"] == "active"
    phone.send(
        "BATCH +m draft/multiline bob\r\n@batch=m PRIVMSG bob :line one\r\n"
        "@batch=m PRIVMSG bob :line two\r\nBATCH -m"
    )
    for reader in (bob, desk):
        lines = reader.collect_until_match(lambda m: m.command == "BATCH" and m.params[0][0] == "-")
        assert [m.params[1] for m in lines if m.command == "PRIVMSG"] == ["line one", "line two"]
        assert all(prefix_nick(m) == "alice" for m in lines if m.command == "PRIVMSG")
    assert said(phone.sync()) == []  # the phone did not ask for echo-message


def test_a_message_to_oneself_reaches_each_device_once(server: ThreadServer) -> None:
    desk = owner(server, ("echo-message",))
    phone = device(server.port, "alice")
    phone.send("PRIVMSG alice :note to self")
    assert [m.params for m in phone.sync() if m.command == "PRIVMSG"] == [("alice", "note to self")]
    assert [m.params for m in desk.sync() if m.command == "PRIVMSG"] == [("alice", "note to self")]


def test_away_on_one_device_is_the_persons(server: ThreadServer) -> None:
    desk = owner(server, ("away-notify",))
    make_channel(desk, "#tea")
    phone = device(server.port, "alice")
    phone.collect_until("366")
    bob = guest(server, "bob", ("away-notify",))
    bob.send("JOIN #tea")
    bob.expect("366")
    desk.sync()
    phone.send("AWAY :on the train")
    phone.expect("306")
    assert desk.expect("AWAY").params == ("on the train",)
    assert bob.expect("AWAY").params == ("on the train",)
    bob.send("PRIVMSG alice :there?")
    assert bob.expect("301").params[1:] == ("alice", "on the train")
    desk.send("AWAY")
    desk.expect("305")
    assert bob.expect("AWAY").params == ()
    assert [m for m in phone.sync() if m.command in ("305", "306")] == []  # each its own


def test_closing_one_keeps_the_nick_and_closing_all_sends_one_quit(server: ThreadServer) -> None:
    desk = owner(server)
    make_channel(desk, "#tea")
    make_channel(desk, "#cake")
    bob = guest(server, "bob")
    for channel in ("#tea", "#cake"):
        bob.send(f"JOIN {channel}")
        bob.expect("366")
    phone = device(server.port, "alice")
    phone.collect_until("366")
    phone.close()  # dropped, as a phone losing its network is

    def connections() -> list[str]:
        desk.send("WHOIS alice")
        return [m.params[2] for m in desk.collect_until("318") if m.command == "320"]

    wait_until(lambda: connections() == [], what="the phone's end")
    bob.send("WHOIS alice")
    assert bob.expect("311").params[1] == "alice"
    assert [m for m in bob.sync() if m.command == "QUIT"] == []
    desk.send("QUIT :bye")
    assert [m.params for m in desk.wait_closed() if m.command == "QUIT"] == [("Quit: bye",)]
    quits = [m for m in bob.collect_until("QUIT")]
    assert [m.params for m in quits if m.command == "QUIT"] == [("Quit: bye",)]
    assert [m for m in bob.sync() if m.command == "QUIT"] == []
    bob.send("WHOIS alice")
    assert bob.expect(lambda m: m.command in ("401", "311")).command == "401"


def test_one_session_more_than_the_limit_is_refused(server: ThreadServer) -> None:
    desk = owner(server)
    phone = device(server.port, "alice")
    tablet = device(server.port, "alice")  # three: the limit in this server
    fourth = sasl_started(server.port, "alice", PASSWORD)
    fourth.expect("903")
    fourth.send("NICK alice")
    fourth.send("USER alice 0 * :alice")
    fourth.send("CAP END")
    refused = fourth.expect("433")
    assert refused.params[1] == "alice" and "limit is 3" in refused.params[2]
    assert [m for m in fourth.sync() if m.command == "001"] == []
    bob = guest(server, "bob")
    bob.send("PRIVMSG alice :count")
    for reader in (desk, phone, tablet):
        assert reader.expect("PRIVMSG").params == ("alice", "count")
    assert [m for m in fourth.sync() if m.command == "PRIVMSG"] == []
    fourth.send("NICK alice_laptop")  # as a client of its own, under another nick, it may
    assert fourth.expect("001").params[0] == "alice_laptop"
    desk.send("WHOIS alice")
    assert desk.expect("320").params[2] == "has 3 connections"
    tablet.send("QUIT")
    tablet.wait_closed()
    desk.send("WHOIS alice")
    assert desk.expect("320").params[2] == "has 2 connections"


def test_whois_counts_for_the_user_and_operators_only(server: ThreadServer) -> None:
    desk = owner(server)
    phone = device(server.port, "alice")
    bob = guest(server, "bob")
    boss = guest(server, "boss")
    boss.send("OPER boss hunter2")
    boss.expect("381")
    for asker, expected in ((desk, ["has 2 connections"]), (boss, ["has 2 connections"])):
        asker.send("WHOIS alice")
        whois = asker.collect_until("318")
        assert [m.params[2] for m in whois if m.command == "320"] == expected
    bob.send("WHOIS alice")
    assert [m for m in bob.collect_until("318") if m.command == "320"] == []
    bob.send("WHOIS bob")  # one connection, the usual case: not worth a line
    assert [m for m in bob.collect_until("318") if m.command == "320"] == []
    phone.send("QUIT :later")
    left = phone.wait_closed()  # the device that leaves is told, and nobody else
    assert [m.params for m in left if m.command == "QUIT"] == [("Quit: later",)]
    desk.send("WHOIS alice")
    whois = desk.collect_until("318")
    assert [m for m in whois if m.command == "320"] == []
    assert [m for m in whois if m.command == "QUIT"] == []


def test_without_the_accounts_login_the_nick_is_refused(server: ThreadServer) -> None:
    desk = owner(server)
    wrong = sasl_started(server.port, "alice", "not-the-password")
    wrong.expect("904")
    guesser = IrcClient(server.port)  # no login at all
    for mallory in (wrong, guesser):
        mallory.send("NICK alice")
        mallory.send("USER mallory 0 * :m")
        mallory.send("CAP END")
        assert mallory.expect("433").params[1] == "alice"
        assert [m for m in mallory.sync() if m.command == "001"] == []
    bob = guest(server, "bob")
    bob.send("PRIVMSG alice :only yours")
    assert desk.expect("PRIVMSG").params == ("alice", "only yours")
    for mallory in (wrong, guesser):
        assert said(mallory.sync()) == []


def test_a_statusmsg_the_sender_does_not_reach_still_shows_on_its_devices(
    server: ThreadServer,
) -> None:
    bob = guest(server, "bob")
    make_channel(bob, "#tea")  # bob is its operator
    desk = owner(server)
    carol = guest(server, "carol")
    for member in (desk, carol):
        member.send("JOIN #tea")
        member.expect("366")
    phone = device(server.port, "alice")
    phone.collect_until("366")
    desk.send("PRIVMSG @#tea :to the operators")
    assert bob.expect("PRIVMSG").params == ("@#tea", "to the operators")
    assert phone.expect("PRIVMSG").params == ("@#tea", "to the operators")
    assert said(carol.sync()) == [] and said(desk.sync()) == []


def test_a_message_kept_for_an_offline_nick_shows_on_the_other_devices(
    server: ThreadServer,
) -> None:
    dora = guest(server, "dora")
    register_account(dora, PASSWORD)
    dora.send("QUIT")
    dora.wait_closed()
    desk = owner(server)
    phone = device(server.port, "alice")
    phone.send("PRIVMSG dora :for later")
    assert phone.expect("301").params[1] == "dora"
    shown = desk.expect("PRIVMSG")
    assert shown.params == ("dora", "for later") and prefix_nick(shown) == "alice"
    assert said(phone.sync()) == []


def test_a_join_on_one_device_shows_on_the_other(server: ThreadServer) -> None:
    desk = owner(server)
    phone = device(server.port, "alice")
    bob = guest(server, "bob")
    make_channel(bob, "#cake")
    bob.send("TOPIC #cake :lemon")
    bob.expect("TOPIC")
    phone.send("JOIN #cake")
    assert phone.expect("JOIN").params == ("#cake",)
    shown = desk.collect_until("366")  # the other device: the JOIN, topic and names
    assert [m.params for m in shown if m.command == "JOIN"] == [("#cake",)]
    assert [m.params[-1] for m in shown if m.command == "332"] == ["lemon"]
    names = next(m for m in shown if m.command == "353").params[-1].split()
    assert sorted(n.lstrip("@+") for n in names) == ["alice", "bob"]
    assert [m.params for m in bob.sync() if m.command == "JOIN"] == [("#cake",)]  # once
    bob.send("PRIVMSG #cake :welcome")
    for reader in (desk, phone):
        assert reader.expect("PRIVMSG").params == ("#cake", "welcome")
    desk.send("PART #cake")
    assert phone.expect("PART").params[0] == "#cake"


def test_a_third_users_private_messages_reach_both_once_in_order(server: ThreadServer) -> None:
    desk = owner(server)
    phone = device(server.port, "alice")
    bob = guest(server, "bob")
    for n in range(20):
        bob.send(f"PRIVMSG alice :{n}")
    bob.sync()
    for reader in (desk, phone):
        reader.collect_until_match(lambda m: m.params[-1:] == ("19",))
        from_bob = [m.params for m in reader.received if prefix_nick(m) == "bob"]
        assert from_bob == [("alice", str(n)) for n in range(20)]
        assert said(reader.sync()) == []


def test_both_devices_dropped_at_once_send_one_quit(server: ThreadServer) -> None:
    desk = owner(server)
    make_channel(desk, "#tea")
    make_channel(desk, "#cake")
    phone = device(server.port, "alice")
    phone.collect_until("366")
    bob = guest(server, "bob")
    for channel in ("#tea", "#cake"):
        bob.send(f"JOIN {channel}")
        bob.expect("366")
    desk.close()
    phone.close()
    quit_line = bob.expect("QUIT")
    assert prefix_nick(quit_line) == "alice"

    def gone() -> bool:
        bob.send("WHOIS alice")
        return bob.expect(lambda m: m.command in ("401", "311")).command == "401"

    wait_until(gone, what="alice's end")
    assert [m for m in bob.sync() if m.command == "QUIT"] == []
