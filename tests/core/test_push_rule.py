"""Who a channel line mentions, for Web Push (core/push.py; docs/privacy.md): a member's
nick or account as a whole word, whatever its case; and what a push carries."""

from __future__ import annotations

from fake import Harness

from parley.irc.message import parse
from parley.server.core.outgoing import Outgoing
from parley.server.core.push import PAYLOAD_BYTES, mentioned, payload


def registered(harness: Harness, nick: str, *channels: str) -> None:
    session, _ = harness.user(nick, *channels)
    harness.say(session, "PRIVMSG NickServ :REGISTER wonderland1")


def test_a_mention_is_a_member_nick_or_account_as_a_word() -> None:
    harness = Harness()
    registered(harness, "alice", "#c")
    registered(harness, "dave")  # not in #c
    harness.user("bob", "#c")  # in #c, no account
    ally, _ = harness.user("Ally[m]", "#c")
    harness.say(ally, "PRIVMSG NickServ :REGISTER hatter-tea")
    state = harness.server.state
    channel = state.channel("#c")
    assert channel is not None

    def found(text: str) -> set[str]:
        return mentioned(state, channel, text)

    assert found("hi alice") == found("ALICE: tea?") == found("@alice, look") == {"alice"}
    assert found("alice's cup") == {"alice"}
    assert found("malice") == found("alice_") == found("al ice") == set()
    assert found("bob?") == set()  # no account to push to
    assert found("dave, are you here?") == set()  # not a member: never pushed
    assert found("ally[m] and alice") == {"Ally[m]", "alice"}  # (rfc1459: [ is {)
    assert found("ally{M}") == {"Ally[m]"}
    assert found("") == set()


def test_the_account_name_is_a_mention_under_another_nick() -> None:
    harness = Harness()
    session, _ = harness.user("alice", "#c")
    harness.say(session, "PRIVMSG NickServ :REGISTER wonderland1", "NICK rabbit")
    state = harness.server.state
    channel = state.channel("#c")
    assert channel is not None
    assert mentioned(state, channel, "where is alice?") == {"alice"}
    assert mentioned(state, channel, "rabbit!") == {"alice"}


def test_a_payload_is_one_line_within_a_push() -> None:
    line = b":bob!b@h PRIVMSG alice :hello\r\n"
    out = Outgoing(line, 1.0, "m1", {"+e": "x" * 5000}, "bob")
    pushed = payload(out)
    assert len(pushed) <= PAYLOAD_BYTES and b"\r" not in pushed and b"\n" not in pushed
    message = parse(pushed)
    assert message.tags == {"msgid": "m1"} and message.params == ("alice", "hello")
    small = parse(payload(Outgoing(line, 1.0, "m2", None, "bob")))
    assert small.tags.keys() == {"msgid", "time", "account"}
