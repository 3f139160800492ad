"""The client's protocol state, fed a real server's lines through the core (no sockets)."""

from __future__ import annotations

from typing import Any

from core.fake import Harness
from parley.client import state as cs
from parley.irc.message import Message, encode
from parley.server.passwords import credentials


class Wire:
    """A ClientState joined to a core server session through a fake connection."""

    def __init__(
        self, harness: Harness, nick: str, password: str | None = None, **options: Any
    ) -> None:
        self.harness = harness
        self.session, self.conn = harness.connect()
        self.state = cs.ClientState(nick, password=password, **options)
        self.events: list[cs.Event] = []
        self.send(self.state.start())

    def send(self, lines: list[Message]) -> None:
        for line in lines:
            self.harness.server.receive(self.session, encode(line).rstrip(b"\r\n"))
        self.pump()

    def pump(self) -> None:
        """Feed what the server sent to the state until nothing more comes back."""
        while True:
            for message in self.conn.take():
                self.events += self.state.receive(message)
            out = self.state.take_outbox()
            if not out:
                return
            for line in out:
                self.harness.server.receive(self.session, encode(line).rstrip(b"\r\n"))

    def say(self, text: str) -> None:
        self.send([Message.of("PRIVMSG", "#lobby", text)])

    def of(self, kind: type) -> list[cs.Event]:
        return [e for e in self.events if isinstance(e, kind)]


def test_connect_negotiates_caps_registers_and_opens_the_lobby() -> None:
    wire = Wire(Harness(), "alice")
    assert wire.state.phase is cs.Phase.REGISTERED
    assert {"server-time", "echo-message", "multi-prefix"} <= wire.state.caps
    assert wire.of(cs.Registered) == [cs.Registered("alice")]
    assert cs.Joined("#lobby") in wire.events
    lobby = wire.state.channel("#lobby")
    assert lobby is not None and lobby.sorted_users() == ["@alice"]
    assert lobby.topic.startswith("Welcome")
    assert any("Welcome" in e.text for e in wire.of(cs.ServerText))


def test_taken_nick_is_reported_so_the_user_can_choose_again() -> None:
    harness = Harness()
    Wire(harness, "alice")
    second = Wire(harness, "Alice")
    assert second.of(cs.NickRefused) == [cs.NickRefused("Alice", "taken")]
    assert second.state.phase is cs.Phase.NEGOTIATING


def test_user_list_follows_joins_modes_nicks_and_quits() -> None:
    harness = Harness()
    alice, bob = Wire(harness, "alice"), Wire(harness, "bob")
    alice.pump()
    lobby = alice.state.channel("#lobby")
    assert lobby is not None and lobby.sorted_users() == ["@alice", "bob"]
    alice.send([Message.of("MODE", "#lobby", "+v", "bob")])
    assert lobby.sorted_users() == ["@alice", "+bob"]
    bob.send([Message.of("NICK", "robert")])
    alice.pump()
    assert lobby.sorted_users() == ["@alice", "+robert"]
    assert cs.Membership("#lobby", "bob", "nick", "robert") in alice.events
    bob.send([Message.of("QUIT", "later")])
    alice.pump()
    assert lobby.sorted_users() == ["@alice"]
    assert cs.Membership("#lobby", "robert", "quit", "Quit: later") in alice.events


def test_messages_arrive_with_time_own_echo_actions_and_mentions() -> None:
    harness = Harness()
    alice, bob = Wire(harness, "alice"), Wire(harness, "bob")
    alice.say("hello bob")
    alice.say("\x01ACTION waves\x01")
    bob.pump()
    lines = bob.of(cs.ChatLine)
    assert [(line.sender, line.text, line.action) for line in lines] == [
        ("alice", "hello bob", False),
        ("alice", "waves", True),
    ]
    assert lines[0].mention and lines[0].time is not None
    own = alice.of(cs.ChatLine)
    assert own and own[0].own and own[0].conversation == "#lobby"


def test_private_message_opens_a_conversation_named_for_the_sender() -> None:
    harness = Harness()
    alice, bob = Wire(harness, "alice"), Wire(harness, "bob")
    alice.send([Message.of("PRIVMSG", "bob", "psst")])
    bob.pump()
    (line,) = bob.of(cs.ChatLine)
    assert line.conversation == "alice" and line.text == "psst"


def test_sasl_login_with_the_account_password() -> None:
    harness = Harness()
    harness.server.accounts.create("carol", *credentials("carol-password"))
    wire = Wire(harness, "carol", password="carol-password")
    assert wire.of(cs.LoggedIn) == [cs.LoggedIn("carol")]
    assert wire.state.phase is cs.Phase.REGISTERED
    bad = Wire(harness, "carol2", password="nope")
    assert bad.of(cs.LoginFailed) and bad.state.phase is cs.Phase.REGISTERED


def test_server_ping_is_answered() -> None:
    state = cs.ClientState("x")
    assert state.receive(Message.of("PING", "abc")) == []
    assert state.take_outbox() == [Message("PONG", ("abc",))]


def test_error_closes() -> None:
    state = cs.ClientState("x")
    assert state.receive(Message.of("ERROR", "Closing link")) == [cs.Closed("Closing link")]
    assert state.phase is cs.Phase.CLOSED


def test_rejoining_asks_only_for_what_came_after_the_last_line_seen() -> None:
    state = cs.ClientState("me")
    state.caps.add("draft/chathistory")
    last = "2026-11-24T01:02:03.456Z"
    state.receive(Message("PRIVMSG", ("#c", "hi"), "bob!b@h", {"time": last}))
    state.receive(Message("JOIN", ("#c",), "me!m@h"))
    assert state.take_outbox() == [
        Message.of("CHATHISTORY", "LATEST", "#c", f"timestamp={last}", "50")
    ]
    fresh = cs.ClientState("me")
    fresh.caps.add("draft/chathistory")
    fresh.receive(Message("JOIN", ("#new",), "me!m@h"))
    assert fresh.take_outbox() == [Message.of("CHATHISTORY", "LATEST", "#new", "*", "50")]


def test_whois_replies_are_shown_as_server_text() -> None:
    harness = Harness()
    alice, _bob = Wire(harness, "alice"), Wire(harness, "bob")
    alice.send([Message.of("WHOIS", "bob")])
    texts = [e.text for e in alice.of(cs.ServerText)]
    assert any(t.startswith("bob is bob@") for t in texts)  # 311: nick, user, host, real name
    assert "End of WHOIS for bob" in texts


def test_creating_an_account_registers_the_nick_and_logs_in() -> None:
    harness = Harness()
    wire = Wire(harness, "dora", password="a-long-password", create_account=True)
    assert wire.of(cs.AccountCreated) == [cs.AccountCreated("dora")]
    assert wire.of(cs.LoggedIn) == [cs.LoggedIn("dora")]
    assert wire.state.phase is cs.Phase.REGISTERED and wire.state.account == "dora"
    assert harness.server.accounts.get("dora") is not None


def test_creating_a_taken_account_is_refused_with_the_reason() -> None:
    harness = Harness()
    harness.server.accounts.create("erin", *credentials("erin-password"))
    wire = Wire(harness, "erin", password="another-password", create_account=True)
    (refused,) = wire.of(cs.AccountRefused)
    assert refused.code == "ACCOUNT_EXISTS" and "taken" in refused.text
    assert wire.state.account is None and not wire.of(cs.LoggedIn)


def test_a_short_password_is_refused_as_weak() -> None:
    wire = Wire(Harness(), "finn", password="short", create_account=True)
    assert [e.code for e in wire.of(cs.AccountRefused)] == ["WEAK_PASSWORD"]


def test_wrong_server_password_is_reported() -> None:
    wire = Wire(Harness(password="letmein"), "gus", server_password="wrong")
    assert len(wire.of(cs.PasswordRefused)) == 1
    assert wire.conn.closed_with and not wire.of(cs.Registered)


def test_login_on_a_server_without_sasl_is_reported() -> None:
    state = cs.ClientState("hal", password="secret-password")
    state.start()
    events = state.receive(Message.of("CAP", "*", "LS", "server-time batch"))
    assert [type(e) for e in events] == [cs.LoginFailed]
    assert state.take_outbox() == [Message.of("CAP", "REQ", "server-time batch")]


def test_lines_in_a_history_batch_are_marked_past() -> None:
    state = cs.ClientState("me")
    state.receive(Message.of("BATCH", "+h1", "chathistory", "#c"))
    (old,) = state.receive(Message("PRIVMSG", ("#c", "me: earlier"), "bob!b@h", {"batch": "h1"}))
    state.receive(Message.of("BATCH", "-h1"))
    (new,) = state.receive(Message("PRIVMSG", ("#c", "now"), "bob!b@h"))
    assert isinstance(old, cs.ChatLine) and old.past and old.mention
    assert isinstance(new, cs.ChatLine) and not new.past


def test_an_address_goes_with_register_and_the_mailed_code_with_verify() -> None:
    """A server that mails a code: REGISTER carries the address; VERIFY finishes it."""
    state = cs.ClientState("vera", password="a-long-password", create_account=True,
                           email="vera@example.org")  # fmt: skip
    state.start()
    state.receive(
        Message("CAP", ("*", "LS", "draft/account-registration=before-connect,email-required"))
    )
    state.receive(Message("CAP", ("*", "ACK", "draft/account-registration")))
    register = [m for m in state.take_outbox() if m.command == "REGISTER"]
    assert register == [Message.of("REGISTER", "*", "vera@example.org", "a-long-password")]
    waiting = state.receive(Message("REGISTER", ("VERIFICATION_REQUIRED", "vera", "mailed")))
    assert waiting == [cs.VerificationRequired("vera", "mailed")]
    assert cs.verify_line("vera", " Q7XK2M9PLA \n") == Message.of("VERIFY", "vera", "Q7XK2M9PLA")
    for junk in ("", "two words", "x" * 65):
        assert cs.verify_line("vera", junk) is None
    wrong = state.receive(Message("FAIL", ("VERIFY", "INVALID_CODE", "vera", "wrong code")))
    assert wrong == [cs.AccountRefused("INVALID_CODE", "wrong code")]
    done = state.receive(Message("VERIFY", ("SUCCESS", "vera", "made")))
    assert done == [cs.AccountCreated("vera")]
