"""IRCv3 bot mode: user mode +B, the BOT token, and the marks others see of a bot."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.servers import ThreadServer


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def become_bot(client: IrcClient) -> None:
    client.send(f"MODE {client.nick} +B")
    assert client.expect("MODE").params == (client.nick, "+B")


def join_all(channel: str, *clients: IrcClient) -> None:
    for client in clients:
        client.send(f"JOIN {channel}")
        client.expect("366")
    for client in clients:
        client.sync()


def test_bot_token_and_user_mode(connect: Callable[..., IrcClient]) -> None:
    robo = connect()
    robo.send("NICK robo")
    robo.send("USER robo 0 * :beep")
    welcome = robo.collect_until("376")
    tokens = [p for m in welcome if m.command == "005" for p in m.params[1:-1]]
    assert "BOT=B" in tokens
    myinfo = next(m for m in welcome if m.command == "004")
    assert "B" in myinfo.params[3]
    robo.nick = "robo"
    become_bot(robo)
    robo.send("MODE robo")
    assert "B" in robo.expect("221").params[1]
    robo.send("MODE robo +B")  # already set: nothing changes, nothing is said
    assert not [m for m in robo.sync() if m.command == "MODE"]
    robo.send("MODE robo -B")
    assert robo.expect("MODE").params == ("robo", "-B")


def test_no_one_marks_another_user_a_bot(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    connect("bob")
    alice.send("MODE bob +B")
    alice.expect("502")
    alice.send("WHOIS bob")
    assert not [m for m in alice.collect_until("318") if m.command == "335"]


def test_bot_tag_only_for_clients_with_message_tags(connect: Callable[..., IrcClient]) -> None:
    robo = connect("robo")
    tagged = connect("tagged", caps=("message-tags",))
    plain = connect("plain")
    become_bot(robo)
    join_all("#c", robo, tagged, plain)
    robo.send("PRIVMSG #c :hi")  # one word, to a channel
    assert "bot" in tagged.expect("PRIVMSG").tags
    seen = plain.expect("PRIVMSG")
    assert seen.tags == {} and seen.params == ("#c", "hi")
    robo.send("NOTICE tagged :beep")  # private, and a notice
    notice = tagged.expect("NOTICE")
    assert notice.tags["bot"] == "" and notice.params == ("tagged", "beep")
    robo.send("PRIVMSG plain :boop")
    assert plain.expect("PRIVMSG").tags == {}
    robo.send("PART #c :bye")  # not only messages: every line from the bot
    assert "bot" in tagged.expect("PART").tags
    assert plain.expect("PART").tags == {}


def test_bot_tag_on_a_bots_own_echo(connect: Callable[..., IrcClient]) -> None:
    robo = connect("robo", caps=("echo-message", "message-tags"))
    plain_echo = connect("echoer", caps=("echo-message",))
    connect("target")
    become_bot(robo)
    robo.send("PRIVMSG target :x")
    assert "bot" in robo.expect("PRIVMSG").tags
    plain_echo.send("MODE echoer +B")
    plain_echo.expect("MODE")
    plain_echo.send("PRIVMSG target :x")
    assert plain_echo.expect("PRIVMSG").tags == {}  # no message-tags: no tag


def test_people_are_not_marked_and_cannot_forge_the_mark(
    connect: Callable[..., IrcClient],
) -> None:
    human = connect("human")
    reader = connect("reader", caps=("message-tags",))
    human.send("@bot;+bot PRIVMSG reader :hello")
    seen = reader.expect("PRIVMSG")
    assert "bot" not in seen.tags and seen.tags["+bot"] == ""  # a client tag is only that
    robo = connect("robo")
    become_bot(robo)
    robo.send("MODE robo -B")
    robo.expect("MODE")
    robo.send("PRIVMSG reader :human again")
    assert "bot" not in reader.expect("PRIVMSG").tags


def test_whois_and_who_show_bots(connect: Callable[..., IrcClient]) -> None:
    robo = connect("robo")
    asker = connect("asker", caps=("multi-prefix",))
    become_bot(robo)
    join_all("#w", robo, asker)  # robo made the channel: it is an operator
    asker.send("WHOIS robo")
    whois = asker.collect_until("318")
    bots = [m for m in whois if m.command == "335"]
    assert len(bots) == 1 and bots[0].params[:2] == ("asker", "robo")
    asker.send("WHOIS asker")
    assert not [m for m in asker.collect_until("318") if m.command == "335"]
    asker.send("WHO #w")
    flags = {m.params[5]: m.params[6] for m in asker.collect_until("315") if m.command == "352"}
    assert flags == {"robo": "HB@", "asker": "H"}
    asker.send("WHO robo %tnf,7")
    whox = asker.expect("354")
    assert whox.params[1:] == ("7", "robo", "HB")
    robo.send("AWAY :charging")
    robo.expect("306")
    asker.send("WHO robo")
    assert asker.expect("352").params[6] == "GB"
