"""Always-on accounts over real sockets: the nick stays when the last device leaves."""

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

PASSWORD = "looking-glass"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(
        lobby=None,
        limits={"flood_enabled": False, "always_on_clients": 2},
        opers=(Oper("boss", hash_password("hunter2")),),
    )


def guest(server: ThreadServer, nick: str, caps: tuple[str, ...] = ()) -> IrcClient:
    client = IrcClient(server.port)
    client.register(nick, caps=caps, lobby=False)
    return client


def nickserv(client: IrcClient, text: str) -> str:
    """NickServ's answer to `text`."""
    client.send(f"PRIVMSG NickServ :{text}")
    answer = client.expect(lambda m: m.command == "NOTICE" and m.source is not None
                           and m.source.startswith("NickServ"))  # fmt: skip
    return answer.params[1]


def always_on_user(server: ThreadServer, nick: str, *channels: str) -> IrcClient:
    """`nick` registers, joins `channels` and turns always-on on."""
    client = guest(server, nick)
    register_account(client, PASSWORD)
    for channel in channels:
        make_channel(client, channel)
    assert "stay online" in nickserv(client, "SET ALWAYS-ON ON")
    return client


def quit_(client: IrcClient) -> None:
    client.send("QUIT :bye")
    client.wait_closed()


def oper(client: IrcClient) -> None:
    client.send("OPER boss hunter2")
    client.expect("381")


def whois(client: IrcClient, nick: str) -> list[Message]:
    client.send(f"WHOIS {nick}")
    return client.collect_until("318")


def test_the_nick_stays_away_in_its_channels_when_the_last_device_quits(
    server: ThreadServer,
) -> None:
    alice = always_on_user(server, "alice", "#tea")
    bob = guest(server, "bob", ("away-notify",))
    bob.send("JOIN #tea")
    bob.expect("366")
    alice.send("MODE #tea +o bob")
    bob.expect("MODE")
    quit_(alice)
    away = bob.expect("AWAY")
    assert (away.source or "").startswith("alice!") and away.params == ("Not connected",)
    seen = bob.sync()
    assert not [m for m in seen if m.command == "QUIT"]
    bob.send("NAMES #tea")
    names = bob.collect_until("366")
    assert "@alice" in next(m for m in names if m.command == "353").params[-1].split()
    replies = whois(bob, "alice")
    assert [m.params[-1] for m in replies if m.command == "301"] == ["Not connected"]
    bob.send("WHO alice")
    who = bob.collect_until("315")
    assert next(m for m in who if m.command == "352").params[6].startswith("G")


def test_what_was_said_meanwhile_reaches_the_device_that_attaches(
    server: ThreadServer,
) -> None:
    alice = always_on_user(server, "alice", "#tea")
    bob = guest(server, "bob", ("away-notify",))
    bob.send("JOIN #tea")
    bob.expect("366")
    quit_(alice)
    bob.expect("AWAY")
    bob.send("PRIVMSG alice :are you there?")
    assert bob.expect("301").params[-1] == "Not connected"
    bob.send("PRIVMSG #tea :said while alice was away")
    bob.sync()
    phone = logged_in(server.port, "alice", "alice", PASSWORD, ("server-time", "batch"))
    burst = phone.collect_until("366")
    assert any(m.command == "JOIN" and m.params[0] == "#tea" for m in burst)
    kept = phone.expect(lambda m: m.command == "PRIVMSG" and m.params[0] == "alice")
    assert kept.params[1] == "are you there?" and (kept.source or "").startswith("bob!")
    assert "time" in kept.tags
    back = bob.expect("AWAY")
    assert back.params == () and (back.source or "").startswith("alice!")
    phone.send("CAP REQ draft/chathistory")
    phone.expect("CAP")
    phone.send("CHATHISTORY LATEST #tea * 10")
    lines = phone.collect_until("BATCH")  # (the batch's start)
    lines = phone.collect_until_match(lambda m: m.command == "BATCH" and m.params[0][0] == "-")
    assert "said while alice was away" in [m.params[1] for m in lines if m.command == "PRIVMSG"]
    assert not [m for m in bob.sync() if m.command in ("QUIT", "JOIN")]


def test_nobody_else_takes_or_attaches_to_the_kept_nick(server: ThreadServer) -> None:
    alice = always_on_user(server, "alice")
    quit_(alice)
    squatter = IrcClient(server.port)
    squatter.send("NICK alice")
    squatter.send("USER x 0 * :x")
    assert squatter.expect("433").params[1] == "alice"
    mallory = guest(server, "mallory")
    register_account(mallory, "other-password")
    quit_(mallory)
    intruder = sasl_started(server.port, "mallory", "other-password")
    intruder.expect("903")
    intruder.send("NICK alice")
    intruder.send("USER x 0 * :x")
    intruder.send("CAP END")
    assert intruder.expect("433").params[1] == "alice"
    wrong = sasl_started(server.port, "alice", "not-the-password")
    assert wrong.expect(lambda m: m.command in ("903", "904")).command == "904"


def test_operators_list_and_end_them_and_others_cannot(server: ThreadServer) -> None:
    quit_(always_on_user(server, "alice", "#tea"))
    watcher = guest(server, "bob")
    watcher.send("JOIN #tea")
    watcher.expect("366")
    watcher.send("ALWAYSON LIST")
    assert watcher.expect("481")
    boss = guest(server, "boss", ("standard-replies",))
    oper(boss)
    boss.send("ALWAYSON LIST")
    listed = boss.collect_until_match(lambda m: "ALWAYSON_COUNT" in m.params)
    users = [m.params[-1] for m in listed if "ALWAYSON_USER" in m.params]
    assert len(users) == 1 and users[0].startswith("alice (alice): no device")
    boss.send("ALWAYSON END bob")
    assert boss.expect("FAIL").params[:2] == ("ALWAYSON", "NOT_ALWAYS_ON")
    boss.send("ALWAYSON END nobody")
    assert boss.expect("FAIL").params[:2] == ("ALWAYSON", "NO_SUCH_NICK")
    boss.send("ALWAYSON END alice :cleaning up")
    assert "ALWAYSON_ENDED" in boss.expect("NOTE").params
    gone = watcher.expect("QUIT")
    assert (gone.source or "").startswith("alice!") and "boss" in gone.params[0]
    assert whois(watcher, "alice")[0].command == "401"
    # the account is still there: a later login brings the channel back, as for anyone
    alice = logged_in(server.port, "alice", "alice", PASSWORD)
    assert alice.expect("JOIN").params[0] == "#tea"


def test_kill_takes_a_kept_user_offline(server: ThreadServer) -> None:
    quit_(always_on_user(server, "alice", "#tea"))
    boss = guest(server, "boss")
    oper(boss)
    boss.send("JOIN #tea")
    boss.expect("366")
    boss.send("KILL alice :bye")
    assert "Killed" in boss.expect("QUIT").params[0]


def test_a_full_server_says_so_and_the_user_then_leaves_as_usual(server: ThreadServer) -> None:
    dave = always_on_user(server, "dave")  # chose it while there was room
    quit_(always_on_user(server, "alice"))
    quit_(always_on_user(server, "carol"))  # the second of two the server keeps
    assert "as many always-on users as it may (2)" in nickserv(dave, "SET ALWAYS-ON ON")
    bob = guest(server, "bob")
    assert whois(bob, "alice")[0].command == "311"
    quit_(dave)
    assert whois(bob, "dave")[0].command == "401"


def test_turned_off_quitting_quits(server: ThreadServer) -> None:
    alice = always_on_user(server, "alice", "#tea")
    assert "go offline" in nickserv(alice, "SET ALWAYS-ON false")
    bob = guest(server, "bob")
    bob.send("JOIN #tea")
    bob.expect("366")
    quit_(alice)
    assert bob.expect("QUIT").params[0] == "Quit: bye"


def test_set_takes_only_on_or_off_and_needs_a_login(server: ThreadServer) -> None:
    bob = guest(server, "bob")
    assert "Usage" in nickserv(bob, "SET ALWAYS-ON ON")
    register_account(bob, PASSWORD)
    assert "takes ON or OFF" in nickserv(bob, "SET ALWAYS-ON maybe")
    assert "stay online" in nickserv(bob, "SET always-on yes")


def test_the_owner_under_another_nick_ghosts_the_kept_one(server: ThreadServer) -> None:
    quit_(always_on_user(server, "alice", "#tea"))
    bob = guest(server, "bob")
    bob.send("JOIN #tea")
    bob.expect("366")
    other = logged_in(server.port, "alice_", "alice", PASSWORD)
    assert "has been disconnected" in nickserv(other, "GHOST alice")
    assert bob.expect("QUIT").params[0] == "GHOST command used by alice_"
    other.send("NICK alice")
    assert other.expect("NICK").params[0] == "alice"


def test_ending_a_connected_always_on_user_closes_its_devices_for_good(
    server: ThreadServer,
) -> None:
    alice = always_on_user(server, "alice", "#tea")
    bob = guest(server, "bob")
    bob.send("JOIN #tea")
    bob.expect("366")
    boss = guest(server, "boss")
    oper(boss)
    boss.send("ALWAYSON END alice")
    assert boss.expect("NOTICE").params[1] == "alice is offline now"  # (no standard-replies)
    closing = alice.wait_closed()
    assert closing[-1].command == "ERROR" and "Always-on ended by boss" in closing[-1].params[0]
    assert bob.expect("QUIT").params[0] == "Quit: Always-on ended by boss"
    assert whois(bob, "alice")[0].command == "401"


def test_odd_alwayson_commands_get_a_clear_fail(server: ThreadServer) -> None:
    boss = guest(server, "boss", ("standard-replies",))
    oper(boss)
    for line in ("ALWAYSON", "ALWAYSON END", "ALWAYSON FROB x", "ALWAYSON END " + "x" * 400):
        boss.send(line)
        reply = boss.expect(lambda m: m.command in ("461", "FAIL"))
        assert reply.command == "461" or reply.params[1] in ("INVALID_PARAMS", "NO_SUCH_NICK")
    boss.send("ALWAYSON list")
    assert boss.expect("NOTE").params[-1] == "0 always-on users with no device (at most 2)"


def test_identify_from_another_nick_takes_the_kept_user_back_even_with_multiclient_off(
    server: ThreadServer,
) -> None:
    alice = always_on_user(server, "alice", "#tea")
    assert "will not join" in nickserv(alice, "SET MULTICLIENT OFF")
    bob = guest(server, "bob", ("away-notify",))
    bob.send("JOIN #tea")
    bob.expect("366")
    quit_(alice)
    bob.expect("AWAY")
    bob.send("PRIVMSG alice :kept for you")
    bob.expect("301")
    phone = guest(server, "phone")
    phone.send(f"PRIVMSG NickServ :IDENTIFY alice {PASSWORD}")
    moved = phone.expect("NICK")
    assert moved.params == ("alice",)
    kept = phone.expect(lambda m: m.command == "PRIVMSG" and m.params[0] == "alice")
    assert kept.params[1].endswith("] kept for you")  # (dated: no server-time here)
    assert bob.expect("AWAY").params == ()  # back: one device again
    phone.send("PRIVMSG #tea :back on my phone")
    assert bob.expect("PRIVMSG").params == ("#tea", "back on my phone")
    assert not [m for m in bob.sync() if m.command == "QUIT" and nick_of(m) == "alice"]


def nick_of(message: Message) -> str:
    return (message.source or "").split("!")[0]
