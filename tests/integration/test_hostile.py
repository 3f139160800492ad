"""What a hostile user meets, command by command, against a real server on real sockets.

Each test sends what an attacker (or a careless client) really sends and checks
what they get back: the limit's numeric, a refusal, a pause, a hang-up, never a
`400 Internal error`, a line over 512 bytes or a stalled server. docs/security.md
lists the limits these tests hold the server to.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import socket
import ssl
from collections.abc import Callable, Iterator

import pytest

from parley.irc.message import Message, encode
from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.channels import join
from support.client import Closed, IrcClient
from support.servers import ThreadServer

Connect = Callable[..., IrcClient]
MAX_LINE = 512  # bytes with CRLF, tags aside (modern IRC)


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """No flood control unless a test turns it on: these tests send fast, on purpose."""
    return make_server(limits={"flood_enabled": False})


def wire_length(message: Message) -> int:
    """The bytes a message takes on the wire, CRLF included and tags aside."""
    return len(encode(Message(message.command, message.params, message.source)))


def no_internal_error(client: IrcClient) -> None:
    """Nothing the client sent made a handler fail, and it still gets answers."""
    client.sync()
    failed = [m for m in client.received if m.command == "400" and "Internal" in m.params[-1]]
    assert failed == [], failed


def raw_socket(port: int, source: str = "127.0.0.1") -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))


def hung_up(sock: socket.socket) -> bool:
    """Whether the server closed `sock` (reads to EOF; True on a reset too)."""
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except OSError:
        return True
    return True


# -- lines: length, tags, bytes ---------------------------------------------------


def test_line_of_the_longest_allowed_length_reaches_others_within_512_bytes(
    connect: Connect,
) -> None:
    alice, bob = connect("alice"), connect("bob")
    head = "PRIVMSG #lobby :"
    alice.send(head + "y" * (510 - len(head)))  # 510 bytes and CRLF: accepted
    got = bob.expect("PRIVMSG")
    assert wire_length(got) <= MAX_LINE  # cut to fit behind alice's prefix, not refused
    assert got.params[1] == "y" * len(got.params[1]) and len(got.params[1]) > 400
    join("#two", alice, bob)
    alice.send("PART #two :" + "é" * 248)  # two bytes a letter: cut between letters
    part = bob.expect("PART")
    assert wire_length(part) <= MAX_LINE and set(part.params[1]) == {"é"}
    alice.send("QUIT :" + "ö" * 250)
    quit_ = bob.expect("QUIT")
    assert wire_length(quit_) <= MAX_LINE
    error = alice.wait_closed()[-1]  # her own last line fits too
    assert error.command == "ERROR" and wire_length(error) <= MAX_LINE
    assert error.params[0].startswith("Closing link: (Quit: ööö")


def test_overlong_line_gets_417_even_before_registration(connect: Connect) -> None:
    client = connect()
    client.send("NICK " + "n" * 600)
    assert client.expect("417")
    client.register("fine")  # the connection goes on


def test_line_sent_in_pieces_is_measured_whole(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.sock.sendall(b"PRIVMSG #lobby :" + b"z" * 284)
    for _ in range(40):  # the line goes on in pieces of 300 bytes: 12 kB without a newline
        alice.sock.sendall(b"z" * 300)
    alice.sock.sendall(b"\r\n")
    assert alice.expect("417")
    assert not [m for m in bob.sync() if m.command == "PRIVMSG"]  # no piece of it got out
    alice.send("PING :after")
    assert alice.expect("PONG").params[-1] == "after"


def test_tag_flood_gets_417_and_tags_within_the_limit_are_relayed_within_it(
    connect: Connect,
) -> None:
    alice = connect("alice", caps=("message-tags",))
    bob = connect("bob", caps=("message-tags", "server-time"))
    huge = ";".join(f"+t{i}={'v' * 40}" for i in range(120))  # ~5,400 bytes of tags
    alice.send(f"@{huge} PRIVMSG #lobby :hi")
    assert alice.expect("417")
    fits = ";".join(f"+t{i}={'v' * 40}" for i in range(85))  # ~3,800 bytes: allowed
    alice.send(f"@{fits} PRIVMSG #lobby :tagged")
    got = bob.expect("PRIVMSG")
    assert got.params[1] == "tagged" and got.tags["+t84"] == "v" * 40
    tag_bytes = len(encode(got)) - wire_length(got)
    assert tag_bytes <= 8191  # IRCv3: what a server may send, `@` and space included
    no_internal_error(alice)


def test_nul_inside_a_nick_is_refused_and_registration_goes_on(connect: Connect) -> None:
    client = connect()
    client.send(b"NICK ev\x00il\r\n")
    assert client.expect("400").params[-1].startswith("Malformed")
    client.register("good")


def test_invalid_utf8_nick_is_erroneous(connect: Connect) -> None:
    client = connect()
    client.send(b"NICK caf\xe9\r\n")
    assert client.expect("432")
    client.register("cafe")


def test_empty_targets_in_a_list_get_an_answer_not_an_internal_error(
    connect: Connect,
) -> None:
    alice = connect("alice")
    alice.send("PRIVMSG #lobby,,nobody :hello")
    assert alice.expect("401").params[1] in ("*", "nobody")
    alice.send("NAMES ,#lobby,")
    alice.send("KICK #lobby ,")
    alice.send("INVITE  #lobby")
    alice.send("WHOIS ::")
    alice.send("MODE #lobby +o :")
    no_internal_error(alice)


# -- registration and connections -------------------------------------------------


def test_commands_before_registration_get_451(connect: Connect) -> None:
    client = connect()
    for line in ("JOIN #lobby", "PRIVMSG #lobby :hi", "WHO *", "LIST", "MODE #lobby +i"):
        client.send(line)
        assert client.expect("451")
    client.register("late")


def test_registration_held_open_with_cap_times_out(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"registration_timeout": 1.0})
    client = IrcClient(server.port)
    client.send("CAP LS 302")  # and never CAP END
    client.send("NICK stuck")
    client.send("USER stuck 0 * :stuck")
    for i in range(10):  # chatter does not extend registration
        client.send(f"PING :{i}")
    messages = client.wait_closed(timeout=6)
    assert messages[-1].command == "ERROR" and "Registration timed out" in messages[-1].params[0]
    assert not any(m.command == "001" for m in messages)


def test_unregistered_connections_count_against_the_per_address_cap(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"connections_per_ip": 3})
    idle = [raw_socket(server.port) for _ in range(3)]  # connect and say nothing
    extra = IrcClient(server.port)
    closing = extra.wait_closed()
    assert closing and closing[-1].command == "ERROR"
    assert "Too many connections" in closing[-1].params[0]
    other = IrcClient(server.port, source="127.0.0.2")  # another address is not affected
    other.register("elsewhere")
    for sock in idle:
        sock.close()


def test_silent_tls_connections_are_capped_per_address_before_the_handshake(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(tls=True, limits={"connections_per_ip": 3})
    silent = [raw_socket(server.tls_port) for _ in range(3)]  # no ClientHello, ever
    fourth = raw_socket(server.tls_port)
    assert hung_up(fourth), "a fourth handshake-less connection from one address was kept"
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    other = IrcClient(server.tls_port, tls=True, context=context, source="127.0.0.2")
    other.register("tlsuser")
    for sock in silent:
        sock.close()


def test_flood_pauses_the_flooder_only(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(limits={"flood_burst": 5, "flood_rate": 25.0})
    flooder, bystander, listener = (IrcClient(server.port) for _ in range(3))
    flooder.register("flooder")
    bystander.register("bystander")
    listener.register("listener")
    flooder.send(b"".join(f"PRIVMSG #lobby :flood {i}\r\n".encode() for i in range(60)))
    bystander.send("PRIVMSG #lobby :me too")
    seen = [listener.expect("PRIVMSG") for _ in range(61)]
    texts = [m.params[1] for m in seen]
    assert texts.index("me too") < texts.index("flood 59")  # nobody waits for the flooder
    assert [t for t in texts if t != "me too"] == [f"flood {i}" for i in range(60)]
    flooder.send("PING :still here")  # paused, not dropped
    assert flooder.expect("PONG").params[-1] == "still here"


def test_many_unregistered_lines_do_not_register_or_break_anything(connect: Connect) -> None:
    client = connect()
    client.send(b"".join(b"CAP LS 302\r\n" for _ in range(200)))
    replies = [client.expect("CAP") for _ in range(200)]
    assert all(m.params[1] == "LS" for m in replies)
    client.send("CAP END")
    client.register("patient")


# -- channels ------------------------------------------------------------------------


def test_joining_too_many_channels_gets_405(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(lobby=None, limits={"channels_per_user": 3, "flood_enabled": False})
    alice = IrcClient(server.port)
    alice.register("alice", lobby=False)
    alice.send("JOIN " + ",".join(f"#c{i}" for i in range(20)))
    refused = [alice.expect("405") for _ in range(17)]
    assert [m.params[1] for m in refused] == [f"#c{i}" for i in range(3, 20)]
    alice.send("WHOIS alice")
    channels = alice.expect("319").params[-1].split()
    assert sorted(c.lstrip("@") for c in channels) == ["#c0", "#c1", "#c2"]


def test_channel_names_too_long_or_with_controls_are_refused(connect: Connect) -> None:
    alice = connect("alice")
    for name in ("#" + "c" * 80, "#evil\x1b[31m", "#rtl\u202eoverride", "#bell\x07"):
        alice.send(f"JOIN {name}")
        refusal = alice.expect(lambda m: m.command in ("403", "479", "JOIN"))
        assert refusal.command in ("403", "479"), f"joined {name!r}"
    alice.send("LIST")
    listed = [m.params[1] for m in alice.collect_until("323") if m.command == "322"]
    assert listed == ["#lobby"]


def test_join_zero_leaves_every_channel_and_others_see_it(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#one", alice, bob)
    alice.send("JOIN 0")
    parted = {bob.expect("PART").params[0] for _ in range(2)}
    assert parted == {"#lobby", "#one"}
    alice.send("WHOIS alice")
    assert not any(m.command == "319" for m in alice.collect_until("318"))


def test_kick_with_an_empty_reason_names_the_kicker(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#room", alice, bob)
    alice.send("KICK #room bob :")
    kick = bob.expect("KICK")
    assert kick.params == ("#room", "bob", "alice")
    no_internal_error(alice)


def test_kick_of_many_targets_stops_at_the_limit(connect: Connect) -> None:
    op = connect("op")
    victims = [connect(f"v{i}") for i in range(6)]
    join("#room", op, *victims)
    op.send("KICK #room " + ",".join(f"v{i}" for i in range(6)))
    op.sync()
    kicked = [m.params[1] for m in op.received if m.command == "KICK"]
    assert kicked == ["v0", "v1", "v2", "v3"]  # TARGMAX KICK:4; the rest are dropped


def test_mode_with_a_hundred_changes_applies_at_most_modes(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#room", alice, bob)
    alice.send("MODE #room +" + "b" * 100 + " " + " ".join(f"m{i}" for i in range(100)))
    change = bob.expect("MODE")
    assert wire_length(change) <= MAX_LINE
    alice.send("MODE #room +b")
    bans = [m.params[2] for m in alice.collect_until("368") if m.command == "367"]
    assert bans == [f"m{i}!*@*" for i in range(4)]  # ISUPPORT MODES=4


def test_modes_per_command_is_configured_and_advertised(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(lobby=None, limits={"modes_per_command": 2})
    alice, bob, carol = (IrcClient(server.port) for _ in range(3))
    alice.register("alice", lobby=False)
    assert any("MODES=2" in m.params for m in alice.received if m.command == "005")
    bob.register("bob", lobby=False)
    carol.register("carol", lobby=False)
    join("#room", alice, bob, carol)
    alice.send("MODE #room +vvi bob carol")  # the flag has no argument: it is not counted
    change = alice.expect("MODE")
    assert change.params == ("#room", "+vvi", "bob", "carol")
    alice.send("MODE #room -vvk bob carol key")  # the key is the third: ignored
    assert alice.expect("MODE").params == ("#room", "-vv", "bob", "carol")
    alice.send("MODE #room")
    assert "k" not in alice.expect("324").params[2]


def test_one_mode_line_asks_for_each_list_once(connect: Connect) -> None:
    alice = connect("alice")
    join("#room", alice)
    alice.send("MODE #room +b someone")
    alice.expect("MODE")
    alice.send("MODE #room " + "b" * 200 + "e" * 200)  # 400 list requests in one line
    alice.send("MODE #room +" + "x" * 300)  # 300 unknown letters
    got = alice.sync()
    assert [m.command for m in got] == ["367", "368", "349", "472"]


def test_ban_list_stops_at_its_cap(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(lobby=None, limits={"list_modes_per_channel": 5, "flood_enabled": False})
    alice = IrcClient(server.port)
    alice.register("alice", lobby=False)
    join("#room", alice)
    alice.send("MODE #room +bbbb a b c d")
    alice.send("MODE #room +bbbb e f g h")
    alice.send("MODE #room +b")
    bans = [m.params[2] for m in alice.collect_until("368") if m.command == "367"]
    assert len(bans) == 5 and bans[:4] == ["a!*@*", "b!*@*", "c!*@*", "d!*@*"]


def test_huge_ban_mask_is_answered_and_does_not_stall_the_server(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#room", alice)
    alice.send("MODE #room +b " + "*?" * 200 + "!*@*")
    alice.sync()
    bob.send("JOIN #room")  # the join is checked against the mask
    bob.expect(lambda m: m.command in ("366", "474"))
    bob.send("PING :quick")
    assert bob.expect("PONG").params[-1] == "quick"
    no_internal_error(alice)


def test_topic_and_away_are_cut_at_their_lengths(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#room", alice, bob)
    alice.send("TOPIC #room :" + "t" * 480)
    assert len(bob.expect("TOPIC").params[1]) == 390  # TOPICLEN
    alice.send("AWAY :" + "a" * 480)
    alice.expect("306")
    bob.send("WHOIS alice")
    assert len(bob.expect("301").params[-1]) == 390  # AWAYLEN


def test_names_answers_at_most_the_target_limit(connect: Connect) -> None:
    alice = connect("alice")
    for i in range(6):
        join(f"#n{i}", alice)
    alice.send("NAMES " + ",".join(f"#n{i}" for i in range(6)))
    answered = [m.params[2] for m in alice.collect_until("366") if m.command == "353"]
    assert answered == ["#n0", "#n1", "#n2", "#n3"]


def test_long_list_reaches_a_client_that_reads(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(
        lobby=None,
        limits={"flood_enabled": False, "channels_per_user": 400, "sendq_bytes": 16384},
    )
    maker, asker = IrcClient(server.port), IrcClient(server.port)
    maker.register("maker", lobby=False)
    asker.register("asker", lobby=False)
    for start in range(0, 300, 20):  # in rounds, each read before the next
        rooms = range(start, start + 20)
        maker.send(
            b"".join(f"JOIN #room{i}\r\nTOPIC #room{i} :{'t' * 80}\r\n".encode() for i in rooms)
        )
        maker.sync()
    asker.send("LIST")  # ~45 kB of replies, with 16 kB of send queue
    listed = [m for m in asker.collect_until("323") if m.command == "322"]
    assert len(listed) == 300
    asker.send("PING :still connected")
    assert asker.expect("PONG").params[-1] == "still connected"


# -- messages ----------------------------------------------------------------------


def test_empty_and_missing_messages_get_their_numerics(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("PRIVMSG #lobby :")
    assert alice.expect("412")
    alice.send("PRIVMSG #lobby")
    assert alice.expect("412")
    alice.send("PRIVMSG")
    assert alice.expect("411")
    alice.send("PRIVMSG nobody :hello?")
    assert alice.expect("401").params[1] == "nobody"
    alice.send("PRIVMSG #nowhere :hello?")
    assert alice.expect("403").params[1] == "#nowhere"
    alice.send("NOTICE nobody :errors are never answered to a NOTICE")
    alice.send("NOTICE #lobby :")
    assert alice.sync() == []


def test_too_many_targets_get_407_and_the_first_ones_their_message(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send("PRIVMSG bob,bob,bob,bob,bob,bob,bob :spam")
    refused = [alice.expect("407") for _ in range(3)]
    assert all(m.params[1] == "bob" for m in refused)
    got = [m for m in bob.sync() if m.command == "PRIVMSG"]
    assert len(got) == 4


def test_non_ascii_digits_are_not_numbers(connect: Connect) -> None:
    alice = connect("alice", caps=("draft/chathistory", "batch"))
    join("#room", alice)
    answers = {
        "MODE #room +l ²": "696",
        "LIST >²": "323",
        "WHOWAS alice ²": "369",
        "CHATHISTORY LATEST #room * ²": "FAIL",
        "CHATHISTORY TARGETS timestamp=2020-01-01T00:00:00.000Z "
        "timestamp=2099-01-01T00:00:00.000Z ٣": "FAIL",
        "CAP LS ²": "CAP",
    }
    for line, expected in answers.items():
        alice.send(line)
        got = alice.expect(lambda m, wanted=expected: m.command in (wanted, "400"))
        assert got.command == expected, f"{line!r}: {got}"
    alice.send("MODE #room")
    assert alice.expect("324").params[2] == "+nt"  # no limit was set
    no_internal_error(alice)


def test_whox_token_that_is_not_a_number_is_answered(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("WHO alice %tn,:x")
    got = alice.expect(lambda m: m.command in ("354", "315", "400"))
    assert got.command in ("354", "315")
    no_internal_error(alice)


def test_pathological_who_mask_does_not_stall_the_server(connect: Connect) -> None:
    victim = connect()
    victim.send("NICK victim")
    victim.send("USER victim 0 * :" + "a" * 44)
    victim.expect("366")
    attacker = connect("attacker")
    attacker.send("WHO " + "*a" * 9 + "*b")  # a regular expression backtracks for ~15 s
    assert attacker.expect("315")  # within the client's timeout, which then times out
    attacker.send("PING :responsive")
    assert attacker.expect("PONG").params[-1] == "responsive"


def test_chathistory_limit_is_capped(connect: Connect) -> None:
    alice = connect("alice", caps=("draft/chathistory", "batch", "message-tags"))
    alice.send(b"".join(f"PRIVMSG #lobby :line {i}\r\n".encode() for i in range(120)))
    alice.sync()
    alice.send("CHATHISTORY LATEST #lobby * 99999")
    lines = alice.collect_until_match(lambda m: m.command == "BATCH" and m.params[0][0] == "-")
    got = [m for m in lines if m.command == "PRIVMSG"]
    assert len(got) == 100 and got[-1].params[1] == "line 119"


def test_monitor_list_is_capped(connect: Connect) -> None:
    alice = connect("alice")
    for start in range(0, 150, 30):
        alice.send("MONITOR + " + ",".join(f"n{i}" for i in range(start, start + 30)))
    full = alice.expect("734")
    assert full.params[1] == "100"
    alice.send("MONITOR L")
    listed = [
        n for m in alice.collect_until("733") if m.command == "732" for n in m.params[-1].split(",")
    ]
    assert len(listed) == 100


def test_queries_with_many_names_stay_bounded(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("USERHOST " + " ".join(["alice"] * 12))
    assert alice.expect("302").params[-1].split() == ["alice=+alice@127.0.0.1"] * 5
    alice.send("ISON " + " ".join(["alice"] * 84))  # 509 bytes; the answer would be 527
    ison = alice.expect("303")
    assert wire_length(ison) <= MAX_LINE
    alice.send("WHOWAS " + ",".join(f"gone{i}" for i in range(60)))
    got = alice.collect_until_match(lambda m: m.command == "369" and m.params[1] == "gone59")
    assert [m.command for m in got].count("406") == 60
    no_internal_error(alice)


def test_setname_and_ping_misuse_get_clear_answers(connect: Connect) -> None:
    alice = connect("alice", caps=("setname",))
    alice.send("SETNAME :")
    assert alice.expect("FAIL").params[:2] == ("SETNAME", "INVALID_REALNAME")
    alice.send("SETNAME :" + "r" * 300)  # over NAMELEN (realname_length): refused, not cut
    assert alice.expect("FAIL").params[:2] == ("SETNAME", "INVALID_REALNAME")
    alice.send("SETNAME :" + "r" * 100)
    assert len(alice.expect("SETNAME").params[0]) == 100
    alice.send("PING")
    assert alice.expect("409")
    alice.send("PASS again")
    assert alice.expect("462")
    alice.send("USER again 0 * :again")
    assert alice.expect("462")


def test_an_invite_to_a_channel_not_yet_made_is_refused(connect: Connect) -> None:
    mallory, alice = connect("mallory"), connect("alice")
    mallory.send("INVITE mallory #vault")  # before anyone has made it
    assert mallory.expect(lambda m: m.command in ("403", "341")).command == "403"
    join("#vault", alice)
    alice.send("MODE #vault +i")
    alice.expect("MODE")
    mallory.send("JOIN #vault")
    assert mallory.expect(lambda m: m.command in ("473", "JOIN")).command == "473"


def test_an_invite_ends_with_the_channel(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#room", alice)
    alice.send("MODE #room +i")
    alice.expect("MODE")
    alice.send("INVITE bob #room")
    assert bob.expect("INVITE")
    alice.send("PART #room")  # the room is gone, and bob never came
    alice.expect("PART")
    join("#room", carol)  # a new #room, invite-only too
    carol.send("MODE #room +i")
    carol.expect("MODE")
    bob.send("JOIN #room")
    assert bob.expect(lambda m: m.command in ("473", "JOIN")).command == "473"


def test_invite_to_nobody_and_by_outsiders_is_refused(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#room", alice)
    bob.send("INVITE nobody #room")
    assert bob.expect("401")
    bob.send("INVITE bob #room")  # not a member: cannot invite, not even oneself
    assert bob.expect("442")


# -- history: what an attacker can read ---------------------------------------------------

HISTORY_CAPS = ("draft/chathistory", "batch", "message-tags", "server-time")


def latest(client: IrcClient, target: str) -> list[str]:
    """The texts CHATHISTORY LATEST gives `client` for `target`."""
    client.send(f"CHATHISTORY LATEST {target} * 50")
    lines = client.collect_until_match(
        lambda m: m.command == "FAIL" or (m.command == "BATCH" and m.params[0][0] == "-")
    )
    return [m.params[-1] for m in lines if m.command == "PRIVMSG"]


def test_recreating_an_emptied_secret_channel_shows_none_of_its_past(
    connect: Connect,
) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    join("#vault", alice)
    alice.send("MODE #vault +sik hidden")
    alice.expect("MODE")
    alice.send("PRIVMSG #vault :the code is 1234")
    assert latest(alice, "#vault") == ["the code is 1234"]  # what she said, she reads
    alice.send("PART #vault")
    alice.expect("PART")
    mallory = connect("mallory", caps=HISTORY_CAPS)
    mallory.send("JOIN #vault")
    mallory.expect("366")  # the channel is new, and mallory is its operator
    assert latest(mallory, "#vault") == []


def test_a_nick_taken_over_does_not_bring_its_private_history(connect: Connect) -> None:
    mallory = connect("mallory", caps=HISTORY_CAPS)  # on before the message is sent
    alice, bob = connect("alice", caps=HISTORY_CAPS), connect("bob", caps=HISTORY_CAPS)
    alice.send("PRIVMSG bob :meet me at noon")
    bob.expect("PRIVMSG")
    bob.send("NICK bob_away")
    bob.expect("NICK")
    mallory.send("NICK bob")
    mallory.expect("NICK")
    assert latest(mallory, "alice") == []


# -- accounts and operators ------------------------------------------------------------


def sasl_plain(client: IrcClient, account: str, password: str) -> str:
    """AUTHENTICATE PLAIN before registering; the final numeric (903 or 904)."""
    client.send("CAP REQ sasl")
    client.expect("CAP")
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    blob = base64.b64encode(f"\0{account}\0{password}".encode()).decode()
    client.send(f"AUTHENTICATE {blob}")
    return client.expect(lambda m: m.command in ("903", "904")).command


def make_account(port: int, name: str, password: str) -> None:
    client = IrcClient(port)
    client.register(name)
    client.send(f"REGISTER * - {password}")
    assert client.expect("REGISTER").params[0] == "SUCCESS"
    client.send("QUIT")
    client.wait_closed()


def test_guessing_from_elsewhere_does_not_lock_out_the_owner(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"flood_enabled": False})
    make_account(server.port, "alice", "right-password")
    for _ in range(6):  # a guesser, from another address
        guesser = IrcClient(server.port, source="127.0.0.2")
        assert sasl_plain(guesser, "alice", "a wrong guess") == "904"
        guesser.close()
    owner = IrcClient(server.port)
    assert sasl_plain(owner, "alice", "right-password") == "903"


def test_dropping_an_account_logs_out_its_other_sessions(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"flood_enabled": False})
    make_account(server.port, "alice", "right-password")
    first, second, watcher = (IrcClient(server.port) for _ in range(3))
    for client, nick in ((first, "alice"), (second, "alice_phone")):
        assert sasl_plain(client, "alice", "right-password") == "903"
        client.send("CAP END")
        client.register(nick)
    watcher.register("watcher")
    second.send("PRIVMSG NickServ :DROP right-password")
    assert "deleted" in second.expect("NOTICE").params[-1]
    watcher.send("WHOIS alice")
    whois = watcher.collect_until("318")
    assert not [m for m in whois if m.command == "330"], "alice is still logged in"


def scram_first(port: int, name: str) -> tuple[IrcClient, str]:
    """Start SCRAM-SHA-256 for `name`; the client and the server-first message."""
    client = IrcClient(port)
    client.send("CAP REQ sasl")
    client.expect("CAP")
    client.send("AUTHENTICATE SCRAM-SHA-256")
    client.expect("AUTHENTICATE")
    first = base64.b64encode(f"n,,n={name},r=clientnonce".encode()).decode()
    client.send(f"AUTHENTICATE {first}")
    return client, base64.b64decode(client.expect("AUTHENTICATE").params[0]).decode()


def test_scram_does_not_tell_which_accounts_exist(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"flood_enabled": False})
    make_account(server.port, "alice", "right-password")
    salts = {}
    for name in ("alice", "alice", "nobody", "nobody"):
        client, server_first = scram_first(server.port, name)
        salt = dict(part.split("=", 1) for part in server_first.split(","))["s"]
        salts.setdefault(name, set()).add(salt)
        client.close()
    assert len(salts["alice"]) == 1
    assert len(salts["nobody"]) == 1  # an unknown name's salt is as stable as a real one's


def test_scram_final_message_without_channel_binding_is_refused_cleanly(
    make_server: Callable[..., ThreadServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    server = make_server(limits={"flood_enabled": False})
    make_account(server.port, "alice", "right-password")
    client, server_first = scram_first(server.port, "alice")
    nonce = dict(part.split("=", 1) for part in server_first.split(","))["r"]
    final = f"p=AAAA,c=biws,r={nonce}"  # every part there, the proof first
    client.send("AUTHENTICATE " + base64.b64encode(final.encode()).decode())
    got = client.expect(lambda m: m.command in ("904", "400"))
    assert got.command == "904"
    client.send("CAP END")
    client.register("stillhere")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_identify_with_the_arguments_swapped_keeps_the_password_out_of_the_log(
    make_server: Callable[..., ThreadServer], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    server = make_server(limits={"flood_enabled": False})
    make_account(server.port, "alice", "right-password")
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("PRIVMSG NickServ :IDENTIFY right-password alice")  # password first, by mistake
    assert "Invalid" in bob.expect("NOTICE").params[-1]
    bob.send("PRIVMSG NickServ :IDENTIFY alice right-password")
    assert "logged in" in bob.expect("NOTICE").params[-1]
    assert "right-password" not in caplog.text


def test_account_registrations_are_throttled_per_address(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"flood_enabled": False})
    for i in range(3):
        make_account(server.port, f"user{i}", "long-enough-1")
    fourth = IrcClient(server.port)
    fourth.register("user3")
    fourth.send("REGISTER * - long-enough-1")
    fail = fourth.expect("FAIL")
    assert fail.params[:2] == ("REGISTER", "TEMPORARILY_UNAVAILABLE")
    elsewhere = IrcClient(server.port, source="127.0.0.2")
    elsewhere.register("user4")
    elsewhere.send("REGISTER * - long-enough-1")
    assert elsewhere.expect("REGISTER").params[0] == "SUCCESS"


def test_weak_or_missing_passwords_are_refused(connect: Connect) -> None:
    alice = connect("alice")
    alice.send("REGISTER * - short")
    assert alice.expect("FAIL").params[1] == "WEAK_PASSWORD"
    alice.send("PRIVMSG NickServ :REGISTER")
    assert "Usage" in alice.expect("NOTICE").params[-1]
    alice.send("PRIVMSG NickServ :IDENTIFY a b c")
    assert "Usage" in alice.expect("NOTICE").params[-1]
    no_internal_error(alice)


def test_operator_commands_are_refused_to_users(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(opers=(Oper("boss", hash_password("hunter2")),))
    mallory = IrcClient(server.port)
    mallory.register("mallory")
    for line in (
        "KILL mallory :x",
        "KLINE *!*@* :everyone",
        "DLINE 127.0.0.0/8 :everyone",
        "WALLOPS :hi",
        "REHASH",
        "DIE",
        "SETMOTD :owned",
        "PRIVMSG $* :spam",
    ):
        mallory.send(line)
        assert mallory.expect("481"), line
    mallory.send("OPER boss wrong")
    assert mallory.expect("464")
    mallory.send("OPER hunter2 boss")  # swapped: no such operator
    assert mallory.expect("491")
    mallory.send("STATS k")
    assert mallory.expect(lambda m: m.command in ("219", "481", "216")).command != "216"


def test_kline_is_not_dodged_by_a_nick_change(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(opers=(Oper("boss", hash_password("hunter2")),))
    boss = IrcClient(server.port)
    boss.register("boss")
    boss.send("OPER boss hunter2")
    boss.expect("381")
    boss.send("KLINE troll!*@* :go away")
    boss.sync()
    mallory = IrcClient(server.port)
    mallory.register("nice")
    mallory.send("NICK troll")
    with contextlib.suppress(Closed):
        mallory.sync()
    boss.send("WHOIS troll")
    assert boss.expect(lambda m: m.command in ("311", "401")).command == "401"


# -- the server stays up ------------------------------------------------------------


@pytest.fixture
def watcher(connect: Connect) -> Iterator[IrcClient]:
    """A client that checks, after a test, that the server still answers everyone."""
    client = connect("watcher")
    yield client
    client.send("PING :alive")
    assert client.expect("PONG").params[-1] == "alive"


def test_client_vanishing_mid_line_is_a_quit(connect: Connect, watcher: IrcClient) -> None:
    ghost = connect("ghost")
    ghost.sock.sendall(b"PRIVMSG #lobby :half a li")
    ghost.close()
    quit_ = watcher.expect("QUIT")
    assert quit_.source is not None and quit_.source.startswith("ghost!")


def test_quit_after_a_burst_of_queries_closes_cleanly(connect: Connect, watcher: IrcClient) -> None:
    rude = connect("rude")
    rude.send(b"".join(b"LIST\r\nWHO *\r\n" for _ in range(50)) + b"QUIT :done\r\n")
    messages = rude.wait_closed()
    assert messages[-1].command == "ERROR"
    assert watcher.expect("QUIT").params[0] == "Quit: done"
