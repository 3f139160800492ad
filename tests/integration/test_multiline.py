"""IRCv3 draft/multiline over real sockets: one batch to those who asked, lines to the rest,
and every broken or hostile batch refused with the spec's FAIL code, nothing of it sent."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.irc.message import Message
from support.accounts import sasl_started
from support.client import IrcClient
from support.privacy import history, make_channel
from support.servers import ThreadServer, run_cli

ML = ("draft/multiline", "batch", "message-tags", "server-time")
ECHO = (*ML, "echo-message", "labeled-response")
HISTORY = (*ML, "draft/chathistory")
CONCAT = "draft/multiline-concat"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(
        lobby=None,
        limits={"flood_enabled": False, "multiline_max_lines": 5, "multiline_max_bytes": 100},
    )


def send_batch(
    client: IrcClient,
    target: str,
    lines: list[str],
    ref: str = "ml",
    command: str = "PRIVMSG",
    head: str = "",
) -> None:
    """One batch in one write; a line starting with `+` joins the one before (concat)."""
    out = [f"{head}BATCH +{ref} draft/multiline {target}"]
    for line in lines:
        tags = f"@batch={ref};{CONCAT}" if line.startswith("+") else f"@batch={ref}"
        out.append(f"{tags} {command} {target} :{line.removeprefix('+')}")
    out.append(f"BATCH -{ref}")
    client.send("\r\n".join(out))


def until_batch_end(client: IrcClient) -> list[Message]:
    """The messages of the next multiline batch, its BATCH lines included."""
    start = client.expect("BATCH")
    ref = start.params[0][1:]
    rest = client.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    return [start, *rest]


def joined(client: IrcClient, channel: str = "#c") -> IrcClient:
    client.send(f"JOIN {channel}")
    client.expect("366")
    return client


def fail_of(client: IrcClient) -> tuple[str, ...]:
    return client.expect("FAIL").params[:-1]


def nothing_more(client: IrcClient) -> None:
    """Nothing but the PONG of a round trip arrives: nothing of a refused batch leaked."""
    assert [m.command for m in client.sync()] == []


def test_cap_value_shows_the_configured_limits(connect: Callable[..., IrcClient]) -> None:
    client = connect()
    client.send("CAP LS 302")
    listed = client.expect("CAP").params[-1].split()
    assert "draft/multiline=max-bytes=100,max-lines=5" in listed


def test_recipients_with_and_without_the_cap(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ECHO))
    bob = joined(connect("bob", caps=ML))
    carol = joined(connect("carol", caps=("message-tags", "server-time")))
    dave = joined(connect("dave"))
    for client in (alice, bob, carol):
        client.sync()
    send_batch(alice, "#c", ["hello", "", "how is ", "+everyone?"], head="@label=L1;+x=1 ")
    echo = until_batch_end(alice)
    assert echo[0].tags["label"] == "L1"
    assert echo[0].params[1:] == ("draft/multiline", "#c")
    msgid = echo[0].tags["msgid"]
    relay = until_batch_end(bob)
    assert relay[0].tags["msgid"] == msgid and relay[0].tags["+x"] == "1"
    assert "label" not in relay[0].tags
    inner = relay[1:-1]
    assert [m.params for m in inner] == [
        ("#c", "hello"), ("#c", ""), ("#c", "how is "), ("#c", "everyone?"),
    ]  # fmt: skip
    assert [CONCAT in m.tags for m in inner] == [False, False, False, True]
    assert all("msgid" not in m.tags and m.tags["batch"] == relay[0].params[0][1:] for m in inner)
    fallback = [carol.expect("PRIVMSG") for _ in range(3)]
    assert [m.params[1] for m in fallback] == ["hello", "how is ", "everyone?"]
    assert [m.tags.get("msgid") for m in fallback] == [msgid, None, None]
    assert all(m.tags["+x"] == "1" and CONCAT not in m.tags for m in fallback)
    plain = [dave.expect("PRIVMSG") for _ in range(3)]
    assert [(m.tags, m.params[1]) for m in plain] == [
        ({}, "hello"), ({}, "how is "), ({}, "everyone?"),
    ]  # fmt: skip
    for client in (bob, carol, dave):
        nothing_more(client)


def test_private_batch_to_one_nick(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=ML)
    bob = connect("bob", caps=ML)
    carol = connect("carol")
    send_batch(alice, "bob", ["one", "two"])
    assert [m.params for m in until_batch_end(bob)[1:-1]] == [("bob", "one"), ("bob", "two")]
    send_batch(alice, "Carol", ["one", "two"], ref="x2")
    assert [carol.expect("PRIVMSG").params for _ in range(2)] == [
        ("carol", "one"),
        ("carol", "two"),
    ]  # fmt: skip  (addressed by the nick as it is)
    nothing_more(alice)  # no echo asked for, none sent


def test_notice_batch_and_no_mixing(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ML))
    bob = joined(connect("bob"))
    send_batch(alice, "#c", ["a", "b"], command="NOTICE")
    assert [bob.expect("NOTICE").params[1] for _ in range(2)] == ["a", "b"]
    alice.send("BATCH +m draft/multiline #c\r\n@batch=m PRIVMSG #c :p\r\n@batch=m NOTICE #c :n")
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID")
    alice.send("BATCH -m")
    nothing_more(alice)
    nothing_more(bob)


def test_too_many_lines_are_refused_once_and_the_rest_dropped(
    connect: Callable[..., IrcClient],
) -> None:
    alice = joined(connect("alice", caps=ML))
    bob = joined(connect("bob"))
    send_batch(alice, "#c", [f"line {i}" for i in range(9)])
    assert fail_of(alice) == ("BATCH", "MULTILINE_MAX_LINES", "5")
    nothing_more(alice)  # one FAIL, not one for each line that followed
    nothing_more(bob)
    alice.send("PRIVMSG #c :afterwards")
    assert bob.expect("PRIVMSG").params[1] == "afterwards"


def test_bytes_are_counted_with_line_breaks_and_utf8(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ML))
    bob = joined(connect("bob", caps=ML))
    send_batch(alice, "#c", ["x" * 49, "y" * 50])  # 49 + 1 + 50 = 100: just fits
    assert len(until_batch_end(bob)) == 4
    send_batch(alice, "#c", ["é" * 30, "+" + "é" * 21], ref="m2")  # 60 + 42 bytes
    assert fail_of(alice) == ("BATCH", "MULTILINE_MAX_BYTES", "100")
    nothing_more(alice)
    nothing_more(bob)


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([""], ("BATCH", "MULTILINE_INVALID")),  # blank lines only
        (["", ""], ("BATCH", "MULTILINE_INVALID")),
        (["hi", "+"], ("BATCH", "MULTILINE_INVALID")),  # a concat blank line
    ],
)
def test_blank_batches_are_refused(
    connect: Callable[..., IrcClient], lines: list[str], code: tuple[str, ...]
) -> None:
    alice = joined(connect("alice", caps=ML))
    bob = joined(connect("bob", caps=ML))
    send_batch(alice, "#c", lines)
    assert fail_of(alice) == code
    nothing_more(bob)


def test_target_change_mid_batch(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ML))
    joined(alice, "#d")
    bob = joined(connect("bob"))
    alice.send("BATCH +t draft/multiline #c\r\n@batch=t PRIVMSG #C :same\r\n@batch=t PRIVMSG #d :x")
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID_TARGET", "#c", "#d")
    alice.send("@batch=t PRIVMSG #c :more\r\nBATCH -t")
    nothing_more(alice)
    nothing_more(bob)


def test_nested_and_interleaved_batches_send_nothing(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ML))
    bob = joined(connect("bob"))
    alice.send(
        "BATCH +a draft/multiline #c\r\n@batch=a BATCH +b draft/multiline #c\r\n"
        "@batch=b PRIVMSG #c :inner\r\nBATCH -b\r\nBATCH -a"
    )
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID")
    alice.send(
        "BATCH +p draft/multiline #c\r\nBATCH +q draft/multiline #c\r\n@batch=p PRIVMSG #c :1\r\n"
        "@batch=q PRIVMSG #c :2\r\nBATCH -p\r\nBATCH -q"
    )
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID")
    alice.sync()
    nothing_more(bob)


def test_many_targets_and_one_line_targets_are_refused(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ML))
    joined(alice, "#d")
    bob = joined(connect("bob"))
    send_batch(alice, "#c,#d", ["hi"])
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID_TARGET", "#c,#d")
    send_batch(alice, "NickServ", ["help"], ref="ns")
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID_TARGET", "NickServ")
    send_batch(alice, "nobody", ["hi"], ref="n")
    assert alice.expect("401").params[1] == "nobody"
    send_batch(alice, "#nowhere", ["hi"], ref="w")
    assert alice.expect("403").params[1] == "#nowhere"
    nothing_more(alice)
    nothing_more(bob)


def test_disconnect_mid_batch_delivers_nothing(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ML))
    bob = joined(connect("bob", caps=ML))
    alice.send("BATCH +d draft/multiline #c\r\n@batch=d PRIVMSG #c :half of it")
    alice.sync()
    alice.close()
    assert bob.expect("QUIT")
    assert not [m for m in bob.received if m.command in ("PRIVMSG", "BATCH")]


def test_lines_outside_the_open_batch(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ML))
    bob = joined(connect("bob"))
    alice.send("@batch=none PRIVMSG #c :stray")  # no batch of that name
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID")
    alice.send("BATCH +o draft/multiline #c\r\n@batch=o PRIVMSG #c :kept\r\nPING :alive")
    assert alice.expect("PONG").params[-1] == "alive"  # a keep-alive does not break it
    alice.send("@batch=o PRIVMSG #c :more\r\nBATCH -o")
    assert [bob.expect("PRIVMSG").params[1] for _ in range(2)] == ["kept", "more"]
    alice.send("BATCH +u draft/multiline #c\r\n@batch=u PRIVMSG #c :lost\r\nPRIVMSG #c :plain")
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID")
    assert bob.expect("PRIVMSG").params[1] == "plain"  # the untagged line is its own message
    alice.send("@batch=u PRIVMSG #c :late\r\nBATCH -u")
    nothing_more(alice)
    nothing_more(bob)


def test_without_the_cap_batch_is_refused(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=("batch",)))
    bob = joined(connect("bob"))
    send_batch(alice, "#c", ["one", "two"])
    assert fail_of(alice) == ("BATCH", "MULTILINE_INVALID")
    nothing_more(alice)
    nothing_more(bob)


@pytest.mark.parametrize(
    "line",
    [
        "BATCH +" + "r" * 65 + " draft/multiline #c",  # an over-long reference
        "BATCH +x chathistory #c",  # not a type a client sends
        "BATCH +x draft/multiline",  # no target
        "BATCH x",
        "BATCH -never",
    ],
)
def test_odd_batch_lines(connect: Callable[..., IrcClient], line: str) -> None:
    alice = joined(connect("alice", caps=ML))
    alice.send(line)
    assert fail_of(alice)[:2] == ("BATCH", "MULTILINE_INVALID")
    alice.send("PRIVMSG #c :still here")
    nothing_more(alice)


def test_odd_bytes_in_lines(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=ML))
    bob = joined(connect("bob", caps=ML))
    alice.send(b"BATCH +z draft/multiline #c\r\n@batch=z PRIVMSG #c :\xff\xfe bad\r\n")
    alice.send(b"@batch=z;draft/multiline-concat PRIVMSG #c ::colon\r\nBATCH -z\r\n")
    inner = until_batch_end(bob)[1:-1]
    assert [m.params[1] for m in inner] == [":colon"]  # the line not UTF-8 is refused (UTF8ONLY)
    assert alice.expect("FAIL").params[:2] == ("PRIVMSG", "INVALID_UTF8")


def test_channel_rules_hold(connect: Callable[..., IrcClient]) -> None:
    op = joined(connect("op", caps=ML))
    alice = joined(connect("alice", caps=ML))
    op.send("MODE #c +m")
    alice.expect("MODE")
    op.sync()
    send_batch(alice, "#c", ["shh"])
    assert alice.expect("404").params[1] == "#c"
    nothing_more(op)
    outsider = connect("outsider", caps=ML)
    op.send("MODE #c -m+n")
    outsider.send("PING x")
    outsider.expect("PONG")
    send_batch(outsider, "#c", ["knock"])
    assert outsider.expect("404").params[1] == "#c"


def test_away_recipient_is_told(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=ML)
    bob = connect("bob", caps=ML)
    bob.send("AWAY :lunch")
    bob.expect("306")
    send_batch(alice, "bob", ["hi", "there"])
    assert alice.expect("301").params[-1] == "lunch"
    assert len(until_batch_end(bob)) == 4


def test_history_replays_a_batch_or_its_lines(connect: Callable[..., IrcClient]) -> None:
    alice = joined(connect("alice", caps=(*HISTORY, "echo-message")))
    send_batch(alice, "#c", ["first", "", "sec", "+ond"])
    msgid = until_batch_end(alice)[0].tags["msgid"]
    alice.send("PRIVMSG #c :after")
    alice.expect("PRIVMSG")
    alice.send("CHATHISTORY LATEST #c * 10")
    outer = alice.expect("BATCH")
    assert outer.params[1] == "chathistory"
    got = alice.collect_until_match(lambda m: m.params[:1] == ("-" + outer.params[0][1:],))
    start = got[0]
    assert start.command == "BATCH" and start.params[1:] == ("draft/multiline", "#c")
    assert start.tags["batch"] == outer.params[0][1:] and start.tags["msgid"] == msgid
    inner = [m for m in got if m.tags.get("batch") == start.params[0][1:]]
    assert [(m.params[1], CONCAT in m.tags) for m in inner] == [
        ("first", False), ("", False), ("sec", False), ("ond", True),
    ]  # fmt: skip
    assert got[-2].params[1] == "after"
    plain = joined(connect("plain", caps=tuple(c for c in HISTORY if c != "draft/multiline")))
    plain.send(f"CHATHISTORY AROUND #c msgid={msgid} 1")
    outer = plain.expect("BATCH")
    got = plain.collect_until_match(lambda m: m.params[:1] == ("-" + outer.params[0][1:],))
    assert [(m.params[1], m.tags.get("msgid")) for m in got[:-1]] == [
        ("first", msgid), ("sec", None), ("ond", None),
    ]  # fmt: skip


def test_replay_on_join_without_server_time(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(lobby=None, limits={"flood_enabled": False})
    alice = IrcClient(server.port)
    alice.register("alice", caps=ML, lobby=False)
    joined(alice)
    send_batch(alice, "#c", ["one", "", "two"])
    alice.sync()
    late = IrcClient(server.port)
    late.register("late", lobby=False)
    late.send("JOIN #c")
    texts = [late.expect("PRIVMSG").params[1] for _ in range(2)]
    assert texts[0].endswith("] one") and texts[1].endswith("] two")
    assert texts[0].startswith("[")


def test_a_batch_costs_a_flood_token_a_line(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(lobby=None, limits={"flood_burst": 5, "flood_rate": 50.0})
    hub = server.process.hub if server.process else None
    assert hub is not None
    alice, bob = IrcClient(server.port), IrcClient(server.port)
    alice.register("alice", caps=ML, lobby=False)
    bob.register("bob", caps=ML, lobby=False)
    before = server.call(lambda: hub.flood_throttles)
    send_batch(alice, "bob", [f"line {i}" for i in range(20)])
    assert len(until_batch_end(bob)) == 22  # whole, once its lines were paced
    assert server.call(lambda: hub.flood_throttles) > before


def test_secret_channel_batch_is_not_read_by_a_later_joiner(
    connect: Callable[..., IrcClient],
) -> None:
    """docs/privacy.md: a multi-line message is one stored line, under the same rule."""
    alice = connect("alice", caps=HISTORY)
    make_channel(alice, "#hush", "+s")
    send_batch(alice, "#hush", ["before", "you came"])
    alice.sync()
    mallory = connect("mallory", caps=HISTORY)
    make_channel(mallory, "#hush")
    assert history(mallory, "#hush") == []
    send_batch(alice, "#hush", ["now", "you see"], ref="m2")
    assert len(until_batch_end(mallory)) == 4  # said (and stored) while mallory is in
    assert history(mallory, "#hush") == ["now", "you see"]


def logged_in(server: ThreadServer, nick: str, account: str, password: str) -> IrcClient:
    """A client with the multiline caps, logged into `account` with SASL PLAIN."""
    client = sasl_started(server.port, account, password, ML)
    client.expect("903")
    client.send("CAP END")
    client.register(nick, lobby=False)
    return client


def test_batch_to_an_offline_account_waits_for_its_login(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    assert run_cli(server.config.data_dir, "create-account", "bob", "pw").returncode == 0
    alice = connect("alice", caps=ML)
    send_batch(alice, "bob", ["while you", "were out"])
    assert "message" in alice.expect("301").params[-1]
    bob = logged_in(server, "bob", "bob", "pw")
    start = bob.expect(lambda m: m.command == "BATCH" and m.params[1:2] == ("draft/multiline",))
    lines = bob.collect_until_match(lambda m: m.params[:1] == ("-" + start.params[0][1:],))
    assert [m.params[1] for m in lines[:-1]] == ["while you", "were out"]


def test_another_session_of_the_account_cannot_touch_the_batch(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    """A batch belongs to its connection, not to the nick or the account."""
    assert run_cli(server.config.data_dir, "create-account", "alice", "secretpw").returncode == 0
    first = joined(logged_in(server, "alice", "alice", "secretpw"))
    second = joined(logged_in(server, "alice2", "alice", "secretpw"))
    bob = joined(connect("bob", caps=ML))
    first.send("BATCH +mine draft/multiline #c\r\n@batch=mine PRIVMSG #c :mine")
    first.sync()
    second.send("@batch=mine PRIVMSG #c :injected\r\nBATCH -mine")
    assert fail_of(second) == ("BATCH", "MULTILINE_INVALID")
    assert fail_of(second) == ("BATCH", "MULTILINE_INVALID")
    first.send("@batch=mine PRIVMSG #c :still mine\r\nBATCH -mine")
    inner = until_batch_end(bob)[1:-1]
    assert [(m.source.split("!")[0], m.params[1]) for m in inner] == [
        ("alice", "mine"), ("alice", "still mine"),
    ]  # fmt: skip


def test_a_label_without_echo_is_answered_once_at_the_end(
    connect: Callable[..., IrcClient],
) -> None:
    alice = joined(connect("alice", caps=(*ML, "labeled-response")))
    send_batch(alice, "#c", ["a", "b"], head="@label=only ")
    replies = alice.sync()
    assert [(m.command, m.tags.get("label")) for m in replies] == [("ACK", "only")]
    send_batch(alice, "#c", ["", ""], ref="blank", head="@label=bad ")
    fail = alice.expect("FAIL")
    assert fail.tags.get("label") == "bad" and fail.params[1] == "MULTILINE_INVALID"


def test_no_ctcp_channels_refuse_a_batch_with_a_ctcp_line(
    connect: Callable[..., IrcClient],
) -> None:
    """+C holds for every line: one without the cap would get each as its own message."""
    op = joined(connect("op", caps=ML))
    alice = joined(connect("alice", caps=ML))
    op.send("MODE #c +C")
    alice.expect("MODE")
    op.sync()
    send_batch(alice, "#c", ["hello", "\x01VERSION\x01"])
    refused = alice.expect("404")
    assert refused.params[1] == "#c" and "CTCP" in refused.params[2]
    nothing_more(op)
    send_batch(alice, "#c", ["\x01ACTION waves\x01", "and talks"])  # ACTION is let through
    assert op.expect("BATCH").params[1] == "draft/multiline"
