"""Searching history over real sockets: SEARCH (soju.im/search) and /msg HistServ SEARCH.

Attackers search for what others said where they are not, in private conversations
of others, in a secret channel before they joined, and for what was deleted; they
send FTS5 syntax and junk. Each gets nothing it could not read, or a clear FAIL.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.irc.message import Message
from support.client import IrcClient
from support.privacy import make_channel, register_account
from support.servers import ThreadServer

CAPS = ("batch", "server-time", "message-tags", "echo-message", "soju.im/search")


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def found(client: IrcClient, attributes: str) -> list[Message]:
    """The PRIVMSGs and NOTICEs of SEARCH's batch (a FAIL fails the test)."""
    start = answer(client, attributes)
    assert start.command == "BATCH" and start.params[1:] == ("soju.im/search",), start
    ref = start.params[0][1:]
    lines = client.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    assert all(m.tags.get("batch") == ref for m in lines[:-1])
    return [m for m in lines if m.command in ("PRIVMSG", "NOTICE")]


def texts(client: IrcClient, attributes: str) -> list[str]:
    return [m.params[1] for m in found(client, attributes)]


def answer(client: IrcClient, attributes: str) -> Message:
    """The first line of SEARCH's answer: its BATCH, or a FAIL."""
    client.send(f"SEARCH {attributes}")
    return client.expect(lambda m: m.command in ("BATCH", "FAIL"))


def said(client: IrcClient, target: str, text: str) -> str:
    """Send a PRIVMSG (the client has echo-message); its msgid."""
    client.send(f"PRIVMSG {target} :{text}")
    echo = client.expect(lambda m: m.command == "PRIVMSG" and m.params == (target, text))
    return echo.tags.get("msgid", "")


def in_channel(connect: Callable[..., IrcClient], channel: str, *nicks: str) -> list[IrcClient]:
    clients = [connect(nick, caps=CAPS) for nick in nicks]
    make_channel(clients[0], channel)
    for client in clients[1:]:
        client.send(f"JOIN {channel}")
        client.expect("366")
    for client in clients:
        client.sync()
    return clients


def test_a_word_said_in_a_shared_channel_is_found(connect: Callable[..., IrcClient]) -> None:
    alice, bob = in_channel(connect, "#tea", "alice", "bob")
    bob.send("CAP LS 302")
    offered: list[str] = []
    while True:  # (CAP LS 302 goes on over several lines: `CAP * LS * :...`)
        ls = bob.expect("CAP")
        offered += ls.params[-1].split()
        if ls.params[2] != "*":
            break
    assert "soju.im/search" in offered
    msgid = said(alice, "#tea", "the kettle is on")
    said(alice, "#tea", "and the cups are out")
    [line] = found(bob, "text=kettle")
    assert line.params == ("#tea", "the kettle is on") and line.source.startswith("alice!")
    assert line.tags["msgid"] == msgid and line.tags["time"].endswith("Z")
    assert texts(bob, "text=KETTLE") == ["the kettle is on"]  # any case
    assert texts(bob, "text=ket") == ["the kettle is on"]  # a word's beginning
    assert texts(bob, "text=kettle\\scups") == []  # every word
    assert texts(alice, "text=cups") == ["and the cups are out"]  # one's own lines too
    assert texts(bob, "text=teapot") == []  # nothing: an empty batch


def test_not_in_a_channel_the_searcher_is_not_in(connect: Callable[..., IrcClient]) -> None:
    alice, bob = in_channel(connect, "#vault", "alice", "bob")
    alice.send("MODE #vault +s")
    alice.expect("MODE")
    said(alice, "#vault", "the gold is under the floor")
    mallory = connect("mallory", caps=CAPS)
    make_channel(mallory, "#elsewhere")
    assert texts(mallory, "text=gold") == []
    refused = answer(mallory, "text=gold;in=#vault")
    assert refused.command == "FAIL" and refused.params[:2] == ("SEARCH", "INVALID_PARAMS")
    nothing = answer(mallory, "text=gold;in=#nosuchchannel")
    assert nothing.params[1:] == ("INVALID_PARAMS", "#nosuchchannel", refused.params[-1])
    bob.send("PART #vault")
    bob.expect("PART")
    assert texts(bob, "text=gold") == []  # no longer a member: no longer searched
    assert texts(alice, "text=gold;in=#VAULT") == ["the gold is under the floor"]


def test_not_another_pairs_private_messages(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    mallory = connect("mallory", caps=CAPS)
    said(alice, "bob", "psst the password is swordfish")
    bob.expect(lambda m: m.command == "PRIVMSG")
    said(bob, "alice", "psst got it")
    for attributes in ("text=psst", "text=swordfish;in=alice", "text=psst;from=alice",
                       "from=bob", "in=bob", "limit=100"):  # fmt: skip
        assert texts(mallory, attributes) == []
    # both sides find their own, whoever sent it
    assert texts(alice, "text=psst") == ["psst the password is swordfish", "psst got it"]
    assert texts(bob, "text=psst;in=alice") == ["psst the password is swordfish", "psst got it"]
    alice.send("QUIT")
    alice.wait_closed()
    taker = connect("alice", caps=CAPS)  # the nick, not the connection: nothing
    assert texts(taker, "text=psst") == []


def test_own_private_messages_follow_the_account(connect: Callable[..., IrcClient]) -> None:
    bob = connect("bob", caps=CAPS)
    register_account(bob)
    alice = connect("alice", caps=CAPS)
    said(alice, "bob", "the meeting moved to noon")
    bob.expect(lambda m: m.command == "PRIVMSG")
    bob.send("QUIT")
    bob.wait_closed()
    again = connect("bobby", caps=CAPS)  # another nick, logged into the same account
    assert texts(again, "text=meeting") == []
    identify_as(again, "bob")
    assert texts(again, "text=meeting") == ["the meeting moved to noon"]


def identify_as(client: IrcClient, account: str, password: str = "wonderland1") -> None:
    client.send(f"PRIVMSG NickServ :IDENTIFY {account} {password}")
    client.expect(lambda m: m.command == "NOTICE" and "logged in as" in m.params[1])
    client.sync()


def test_a_secret_channel_is_searched_from_ones_join(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    make_channel(alice, "#den", "+s")
    said(alice, "#den", "early words before bob")
    bob = connect("bob", caps=CAPS)
    bob.send("JOIN #den")
    bob.expect("366")
    said(alice, "#den", "later words with bob")
    assert texts(bob, "text=words") == ["later words with bob"]
    assert texts(alice, "text=words") == ["early words before bob", "later words with bob"]


def test_a_redacted_line_is_not_found(connect: Callable[..., IrcClient]) -> None:
    caps = (*CAPS, "draft/message-redaction")
    alice = connect("alice", caps=caps)
    make_channel(alice, "#tea")
    bob = connect("bob", caps=CAPS)
    bob.send("JOIN #tea")
    bob.expect("366")
    msgid = said(alice, "#tea", "oops my phone number")
    said(alice, "#tea", "my phone is off")
    alice.send(f"REDACT #tea {msgid}")
    alice.expect("REDACT")
    assert texts(bob, "text=phone") == ["my phone is off"]
    bob.sync()
    assert texts(bob, "text=number") == []


def test_in_from_before_after_and_limit(connect: Callable[..., IrcClient]) -> None:
    alice, bob = in_channel(connect, "#tea", "alice", "bob")
    make_channel(alice, "#coffee")
    bob.send("JOIN #coffee")
    bob.expect("366")
    times = []
    for n in range(5):
        speaker = alice if n % 2 == 0 else bob
        said(speaker, "#tea", f"brew {n}")
        times.append(found(speaker, f"text=brew;in=#tea;from={speaker.nick};limit=1")[0])
    said(alice, "#coffee", "brew coffee")
    every = ["brew 0", "brew 1", "brew 2", "brew 3", "brew 4", "brew coffee"]
    assert texts(bob, "text=brew") == every  # oldest first in the batch
    assert texts(bob, "text=brew;in=#tea") == every[:5]
    assert texts(bob, "text=brew;from=bob") == ["brew 1", "brew 3"]
    assert texts(bob, "text=brew;limit=2") == ["brew 4", "brew coffee"]  # the newest two
    third = times[2].tags["time"]
    assert texts(bob, f"text=brew;in=#tea;before={third}") == every[:3]  # at or before
    assert texts(bob, f"text=brew;after={third};limit=2") == ["brew 2", "brew 3"]  # from after
    assert texts(bob, f"from=alice;in=#tea;after={third}") == ["brew 2", "brew 4"]  # no text


@pytest.mark.parametrize(
    "attributes",
    ['text="', "text=*", "text=(((", "limit=0", "limit=-1", "limit=many", "bogus=1",
     "text=a;text=b", "after=yesterday", "before=2026-13-45T99:00:00.000Z",
     "text=" + "x" * 400, "text=" + "a\\s" * 20, "in=#a;" * 20, "text=\\s*\\s"],
)  # fmt: skip
def test_bad_searches_get_a_clear_fail(connect: Callable[..., IrcClient], attributes: str) -> None:
    alice = connect("alice", caps=(*CAPS, "standard-replies"))
    make_channel(alice, "#tea")
    said(alice, "#tea", "still here")
    refused = answer(alice, attributes)
    assert refused.command == "FAIL" and refused.params[:2] == ("SEARCH", "INVALID_PARAMS"), refused
    assert texts(alice, "text=still") == ["still here"]  # and the connection goes on


def test_fts_syntax_is_searched_as_text(connect: Callable[..., IrcClient]) -> None:
    alice, bob = in_channel(connect, "#tea", "alice", "bob")
    said(alice, "#tea", 'she wrote "NEAR(tea cake)" col:x')
    said(alice, "#tea", "tea and cake")
    assert texts(bob, 'text="near(tea') == ['she wrote "NEAR(tea cake)" col:x']
    assert texts(bob, "text=col:x") == ['she wrote "NEAR(tea cake)" col:x']
    assert texts(bob, "text=tea\\sOR\\snothing") == []  # OR is a word here


def test_searches_are_rate_limited(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(lobby=None, limits={"flood_enabled": False, "searches_per_minute": 3})
    alice = IrcClient(server.port)
    try:
        alice.register("alice", caps=CAPS, lobby=False)
        for _ in range(3):
            assert texts(alice, "text=anything") == []
        refused = answer(alice, "text=anything")
        assert refused.params[:2] == ("SEARCH", "TEMPORARILY_UNAVAILABLE")
        alice.send("PRIVMSG HistServ :SEARCH anything")  # HistServ counts the same
        notice = alice.expect(lambda m: m.command == "NOTICE")
        assert "Too many searches" in notice.params[1]
    finally:
        alice.close()


def test_an_account_that_opted_out_is_never_found(connect: Callable[..., IrcClient]) -> None:
    alice, bob = in_channel(connect, "#tea", "alice", "bob")
    register_account(alice)
    alice.send("PRIVMSG NickServ :SET HISTORY OFF")
    alice.expect(lambda m: m.command == "NOTICE" and m.source.startswith("NickServ!"))
    said(alice, "#tea", "ephemeral thought")
    said(alice, "bob", "ephemeral whisper")
    bob.sync()
    assert texts(bob, "text=ephemeral") == [] and texts(alice, "text=ephemeral") == []


def histserv(client: IrcClient, text: str) -> list[str]:
    """What HistServ answers a line sent to it: its NOTICEs' texts."""
    client.send(f"PRIVMSG HistServ :{text}")
    return [
        m.params[1]
        for m in client.sync()
        if m.command == "NOTICE" and m.source == "HistServ!HistServ@services.parley"
    ]


def test_histserv_searches_for_clients_without_the_extension(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=("echo-message",))
    make_channel(alice, "#tea")
    plain = connect("plain")
    plain.send("JOIN #tea")
    plain.expect("366")
    said(alice, "#tea", "the kettle is on")
    said(alice, "#tea", "kettle boiled")
    said(alice, "plain", "a private kettle")
    mallory = connect("mallory")
    said(alice, "mallory", "nothing about it")
    answer_ = histserv(plain, "SEARCH kettle")
    heading = "found, newest first, times in UTC:"
    assert answer_[0] == f"3 {heading}" and answer_[-1] == "End of results."
    assert answer_[1].endswith(" <alice → plain> a private kettle")
    assert answer_[2].endswith(" #tea <alice> kettle boiled")
    assert answer_[3].endswith(" #tea <alice> the kettle is on")
    assert answer_[3][:4].isdigit() and answer_[3][10] == " "  # `2026-11-25 23:50 #tea ...`
    assert histserv(plain, "search KETTLE in:#tea")[0] == f"2 {heading}"
    assert histserv(plain, "SEARCH kettle from:alice in:plain")[0] == f"1 {heading}"
    nothing = histserv(mallory, "SEARCH kettle")
    assert len(nothing) == 1 and nothing[0].startswith("No messages found")
    refused = histserv(mallory, "SEARCH kettle in:#tea")
    assert refused == ["You can only search channels you are in."]
    assert "SEARCH <words>" in " ".join(histserv(plain, "HELP"))
    assert histserv(plain, "SEARCH")[0].startswith("Usage: SEARCH")
    assert histserv(plain, 'SEARCH "*')[0].startswith("Nothing to search for")
    assert histserv(plain, "DANCE")[0].startswith("Unknown command DANCE")


def test_histserv_lists_at_most_ten_and_is_never_stored(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    make_channel(alice, "#tea")
    for n in range(12):
        said(alice, "#tea", f"tick {n}")
    answer_ = histserv(alice, "SEARCH tick")
    assert answer_[0].startswith("10 found, newest first, times in UTC (the newest;")
    assert [a.rsplit(" ", 1)[-1] for a in answer_[1:-1]] == [str(n) for n in range(11, 1, -1)]
    bob = connect("bob", caps=CAPS)
    assert texts(bob, "text=tick") == []  # what alice asked HistServ is nobody's history
    histserv(alice, "SEARCH secretword")
    assert texts(alice, "text=secretword") == []


def test_histserv_is_a_reserved_nick(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    alice.send("NICK HistServ")
    assert alice.expect("433").params[1] == "HistServ"
    alice.send("NICK histserv")
    assert alice.expect("433").params[1] == "histserv"


def test_hs_and_histserv_commands_talk_to_histserv(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    make_channel(alice, "#tea")
    said(alice, "#tea", "scones are ready")
    for line in ("HS SEARCH scones", "HISTSERV search scones in:#tea"):
        alice.send(line)
        notices = [m.params[1] for m in alice.sync() if m.command == "NOTICE"]
        assert notices[1].endswith("#tea <alice> scones are ready"), notices


def test_a_renamed_channel_is_searched_under_its_new_name(
    connect: Callable[..., IrcClient],
) -> None:
    caps = (*CAPS, "draft/channel-rename")
    alice = connect("alice", caps=caps)
    make_channel(alice, "#old", "+s")
    bob = connect("bob", caps=caps)
    bob.send("JOIN #old")
    bob.expect("366")
    said(alice, "#old", "before the rename")
    alice.send("RENAME #old #new :tidier")
    bob.expect("RENAME")
    assert texts(bob, "text=rename;in=#new") == ["before the rename"]
    assert texts(bob, "text=rename") == ["before the rename"]
    bob.sync()
    assert answer(bob, "text=rename;in=#old").command == "FAIL"
