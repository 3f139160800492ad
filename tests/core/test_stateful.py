"""Several clients send random command sequences to the core; invariants hold after each.

A hypothesis state machine drives up to SLOTS clients (some logged into accounts,
each with its own capabilities) through NICK, JOIN, PART, KICK, MODE, TOPIC,
PRIVMSG/NOTICE, INVITE, WHO, NAMES, LIST, AWAY, CHATHISTORY (events too, for
clients with event-playback), REDACT, RENAME (refused, or of case only) and QUIT with texts
users and attackers really send: empty, one word, non-ASCII digits, huge, control
characters, `*`-heavy masks. Lines reach the core as the net layer would hand
them over (over-long ones become 417). After every step it checks that:

- no handler failed (no `400 Internal error`, `stats.handler_errors` is 0);
- every line sent (and the ERROR a connection is closed with) is at most 512
  bytes without its tags, tags within 8191 bytes, and no line holds CR, LF or NUL;
- the server's membership is consistent both ways, no channel is empty, nicks
  are unique once folded, the LUSERS counters match a recount, and MONITOR's
  watch lists agree with each watcher's;
- each client's view of its channels, built only from the lines it received
  (JOIN, PART, KICK, QUIT, NICK, MODE, NAMES), is the server's membership;
- history a client is shown (CHATHISTORY, JOIN replay, login replay) is what
  docs/privacy.md allows: a line said in a +s, +i or +k channel only to those who
  were members when it was said; a public line only within the channel's
  incarnation (or to someone who was in it); a private line only to its sender
  or recipient (the same account, or the same connection without one).
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from argon2 import PasswordHasher
from fake import FakeConnection, Harness
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message, parse
from parley.irc.modes import parse_mode_changes
from parley.server.core.clock import server_time
from parley.server.core.handlers.modes import TYPES
from parley.server.core.session import Phase, Session
from parley.server.net.connection import line_too_long
from parley.server.store.history import HistoryItem

SLOTS = 4
MAX_LINE = 512  # modern IRC: with CRLF, tags aside
MAX_TAG_BYTES = 8191  # IRCv3 message-tags: what a server may send, `@` and space included
ACCOUNTS = ("Ann", "Ben")  # also in the nick pool: their nicks are reserved
PASSWORD = "correct horse"
# A cheap argon2id hash: verification takes the cost written in the hash.
_HASH = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)

NICKS = ("alice", "Bob", "bob", "[x]", "{X}", "Ann", "ben", "carol", "²", "a" * 40, "", "Guest")
CHANNELS = ("#lobby", "#a", "#A", "#vault", "#Ü", "#²")
BAD_CHANNELS = ("#" + "c" * 70, "#", "a", "&x", "#a,", "#\x1b[31m")
TEXTS = (
    "",
    "hi",
    "one word",
    "²",
    "٣",
    " ",
    ":",
    ":colon first",
    "x" * 600,
    "y" * 470,  # fits a line coming in; not with the sender's prefix in front, going out
    "ü" * 235,
    "é" * 300,
    "\x01ACTION waves\x01",
    "\x02bold\x0f \x1b[31mred",
    "\x00nul",
    "*" * 200,
    "tab\there",
)
MASKS = (
    "*",
    "0",
    "*!*@*",
    "a*",
    "*a*a*a*a*a*a*a*a*a*b",
    "*a" * 12,
    "?" * 30,
    "ann!*@192.0.2.*",
    "*!*@" + "*" * 300,
    "²",
    "",
    "bob",
)
MODE_LETTERS = (
    *("+i", "-i", "+s", "-s", "+k", "-k", "+l", "-l", "+m", "+n", "-t", "+o", "-o"),
    *("+v", "-v", "+b", "-b", "+e", "+I", "+x"),
)
MODE_CHANGES = (
    *("+s", "+i", "-i", "+k sesame", "-k sesame", "+l 2", "-l", "+m", "-m", "-s"),
    *("+o {}", "+v {}", "-o {}", "-v {}", "+b {}!*@*", "+e {}!*@*", "+I {}!*@*"),
)
CAPS = (
    "multi-prefix",
    "server-time",
    "message-tags",
    "batch",
    "echo-message",
    "draft/chathistory",
    "labeled-response",
    "userhost-in-names",
    "extended-join",
    "account-tag",
    "away-notify",
    "invite-notify",
    "draft/event-playback",
    "draft/channel-rename",
    "draft/message-redaction",
)

texts = st.sampled_from(TEXTS) | st.text(
    st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)), max_size=40
)
masks = st.sampled_from(MASKS) | st.text("*?ab!@.", max_size=40)
channel_names = (
    st.sampled_from(CHANNELS) | st.sampled_from(CHANNELS) | st.sampled_from(BAD_CHANNELS)
)
nick_names = st.sampled_from(NICKS)
slots = st.integers(0, SLOTS - 1)


@dataclass(frozen=True)
class Said:
    """What was true when a line went into history: who may read it later."""

    item: HistoryItem
    public: bool
    incarnation: int  # of the channel; 0 for private messages
    members: frozenset[object]  # identities in the channel (or sender and recipient)


@dataclass
class Slot:
    """One connected client as the test sees it: its connection and what it was told."""

    session: Session
    conn: FakeConnection
    caps: frozenset[str]
    nick: str = ""  # as the server last named it to this client
    view: dict[str, dict[str, str]] = field(default_factory=dict)  # channel -> nick -> letters
    history_batches: set[str] = field(default_factory=set)  # chathistory batches open now

    @property
    def registered(self) -> bool:
        return self.session.phase is Phase.REGISTERED


def identity(session: Session) -> object:
    """Who a history reader is: its account, or else this very connection."""
    client = session.client
    if client is not None and client.account is not None:
        return ("account", fold(client.account))
    return ("session", session.id)


def nick_of(source: str | None) -> str:
    return fold((source or "").split("!", 1)[0])


_STAMP = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d\] ")


class CoreMachine(RuleBasedStateMachine):
    """Random clients against one core server with no sockets."""

    def __init__(self) -> None:
        super().__init__()
        self.h = Harness()
        for name in ACCOUNTS:
            self.h.server.accounts.create(name, _HASH)
        self.slots: list[Slot | None] = [None] * SLOTS
        self.said: dict[str, Said] = {}  # by msgid
        self.history_seen = 0  # items of the history already looked at
        self.incarnations: dict[str, tuple[object, int]] = {}  # folded -> (Channel, number)
        self.ever: dict[tuple[str, int], set[object]] = {}  # who was ever in an incarnation
        self.counter = 0

    # -- speaking as the net layer would --------------------------------------

    def send(self, slot: Slot, line: str) -> None:
        """One line, framed as the net layer frames it, then the lines sent are checked."""
        data = line.encode()
        for raw in data.split(b"\n"):  # the net layer cuts lines at LF
            raw = raw[:-1] if raw[-1:] == b"\r" else raw
            if not raw.strip(b" "):
                continue
            if line_too_long(raw):
                self.h.server.input_too_long(slot.session)
            else:
                self.h.server.receive(slot.session, raw)
        self.after_step(actor=slot, command=line.split(" ", 1)[0].upper())

    def connect(self, index: int, caps: frozenset[str], account: str | None, nick: str) -> None:
        session, conn = self.h.connect(host=f"192.0.2.{index + 1}")
        slot = Slot(session, conn, caps | {"multi-prefix"})
        self.slots[index] = slot
        lines = ["CAP LS 302", f"CAP REQ :{' '.join(sorted(slot.caps | {'sasl'}))}"]
        if account is not None:
            token = base64.b64encode(f"{account}\0{account}\0{PASSWORD}".encode()).decode()
            lines += ["AUTHENTICATE PLAIN", f"AUTHENTICATE {token}"]
        lines += [f"NICK {nick}", f"USER u{index} 0 * :real name {index}", "CAP END"]
        for line in lines:
            self.send(slot, line)

    # -- rules ------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        self.connect(0, frozenset({"draft/chathistory", "batch", "server-time"}), "Ann", "Ann")
        self.connect(1, frozenset(), None, "bob")
        self.connect(2, frozenset({"message-tags", "echo-message"}), None, "carol")

    @rule(
        index=slots,
        caps=st.frozensets(st.sampled_from(CAPS), max_size=5),
        account=st.sampled_from((None, None, *ACCOUNTS)),
        nick=nick_names,
    )
    def connect_slot(
        self, index: int, caps: frozenset[str], account: str | None, nick: str
    ) -> None:
        slot = self.slots[index]
        if slot is not None and slot.session.phase is not Phase.CLOSED:
            return
        self.connect(index, caps, account, nick or "dave")

    def _slot(self, index: int) -> Slot | None:
        slot = self.slots[index]
        if slot is None or slot.session.phase is Phase.CLOSED:
            return None
        return slot

    @rule(index=slots, nick=nick_names)
    def nick(self, index: int, nick: str) -> None:
        if slot := self._slot(index):
            self.send(slot, f"NICK {nick}" if nick else "NICK")

    @rule(
        index=slots,
        names=st.lists(channel_names, min_size=1, max_size=3),
        key=st.sampled_from((None, "sesame", "", "²")),
    )
    def join(self, index: int, names: list[str], key: str | None) -> None:
        if slot := self._slot(index):
            self.send(slot, f"JOIN {','.join(names)}" + (f" {key}" if key else ""))

    @rule(index=slots, pick=st.integers(0, 7), key=st.sampled_from((None, "sesame")))
    def join_existing(self, index: int, pick: int, key: str | None) -> None:
        """A newcomer comes to a channel that others are in (and may have talked in)."""
        slot = self._slot(index)
        client = slot.session.client if slot else None
        if slot is None or client is None:
            return
        others = sorted(k for k in self.h.server.state.channels if k not in client.channels)
        if others:
            name = others[pick % len(others)]
            self.send(slot, f"JOIN {name}" + (f" {key}" if key else ""))

    @rule(index=slots)
    def join_zero(self, index: int) -> None:
        if slot := self._slot(index):
            self.send(slot, "JOIN 0")

    @rule(index=slots, names=st.lists(channel_names, min_size=1, max_size=2), reason=texts)
    def part(self, index: int, names: list[str], reason: str) -> None:
        if slot := self._slot(index):
            self.send(slot, f"PART {','.join(names)} :{reason}")

    @rule(
        index=slots,
        channel=channel_names,
        nicks=st.lists(nick_names, min_size=1, max_size=5),
        reason=st.none() | texts,
    )
    def kick(self, index: int, channel: str, nicks: list[str], reason: str | None) -> None:
        if slot := self._slot(index):
            line = f"KICK {self._mine(slot, channel, op=True)} {','.join(n or '*' for n in nicks)}"
            self.send(slot, line if reason is None else f"{line} :{reason}")

    @rule(
        index=slots,
        channel=channel_names,
        modes=st.lists(
            st.sampled_from(MODE_LETTERS),
            min_size=1,
            max_size=8,
        ),
        args=st.lists(
            nick_names | masks | st.sampled_from(("sesame", "2", "²", "0", "-1", "*")),
            max_size=8,
        ),
    )
    def mode(self, index: int, channel: str, modes: list[str], args: list[str]) -> None:
        if slot := self._slot(index):
            args = [a for a in args if a and " " not in a and not a.startswith(":")]
            self.send(slot, " ".join(["MODE", channel, "".join(modes), *args]))

    @rule(
        index=slots,
        channel=channel_names,
        change=st.sampled_from(MODE_CHANGES),
        nick=nick_names,
    )
    def mode_one(self, index: int, channel: str, change: str, nick: str) -> None:
        if slot := self._slot(index):
            channel = self._mine(slot, channel, op=True)
            self.send(slot, f"MODE {channel} {change.format(nick or '*')}")

    def _mine(self, slot: Slot, name: str, op: bool = False) -> str:
        """Mostly one of the client's own channels (where most commands do something),
        one where it is an operator if `op` and it has one."""
        client = slot.session.client
        if client is None or not client.channels or len(name) % 4 == 0:
            return name
        channels = sorted(client.channels.values(), key=lambda c: c.folded)
        if op:
            channels = [c for c in channels if c.is_op(client)] or channels
        return channels[len(name) % len(channels)].name

    @rule(
        index=slots,
        channel=channel_names,
        how=st.sampled_from(("+s", "+i", "+k sesame", "+sik sesame", "-sik sesame")),
        text=texts,
    )
    def lock_and_say(self, index: int, channel: str, how: str, text: str) -> None:
        """An operator makes a channel private (or public again), then says something."""
        if slot := self._slot(index):
            channel = self._mine(slot, channel, op=True)
            self.send(slot, f"MODE {channel} {how}")
            self.counter += 1
            self.send(slot, f"PRIVMSG {channel} :{text} {self.counter}")

    @rule(index=slots, channel=channel_names, count=st.sampled_from((20, 100)))
    def mode_many(self, index: int, channel: str, count: int) -> None:
        if slot := self._slot(index):
            masks = " ".join(f"m{i}" for i in range(count))  # each becomes `m<i>!*@*`
            self.send(slot, f"MODE {self._mine(slot, channel, op=True)} +{'b' * count} {masks}")

    @rule(index=slots, channel=channel_names, text=st.none() | texts)
    def topic(self, index: int, channel: str, text: str | None) -> None:
        if slot := self._slot(index):
            self.send(slot, f"TOPIC {channel}" if text is None else f"TOPIC {channel} :{text}")

    @rule(
        index=slots,
        command=st.sampled_from(("PRIVMSG", "PRIVMSG", "NOTICE")),
        to=st.lists(channel_names | nick_names, min_size=1, max_size=6),
        text=texts,
    )
    def message(self, index: int, command: str, to: list[str], text: str) -> None:
        if slot := self._slot(index):
            self.counter += 1
            text = f"{text} #{self.counter}" if text and self.counter % 2 else text
            self.send(slot, f"{command} {','.join(t or '*' for t in to)} :{text}")

    @rule(index=slots, channel=channel_names, text=texts)
    def say(self, index: int, channel: str, text: str) -> None:
        """The commonest line: one channel, some text (a counter keeps lines apart)."""
        if slot := self._slot(index):
            self.counter += 1
            channel = self._mine(slot, channel)
            self.send(slot, f"PRIVMSG {channel} :{text} {self.counter}")

    @rule(index=slots, nick=nick_names, channel=channel_names)
    def invite(self, index: int, nick: str, channel: str) -> None:
        if slot := self._slot(index):
            self.send(slot, f"INVITE {nick or '*'} {channel}")

    @rule(
        index=slots,
        mask=masks | channel_names | nick_names,
        whox=st.sampled_from((None, "%tn,42", "%tcuihsnfdlaor,1", "%tn,:x", "%²")),
    )
    def who(self, index: int, mask: str, whox: str | None) -> None:
        if slot := self._slot(index):
            self.send(slot, f"WHO {mask or '*'}" + (f" {whox}" if whox else ""))

    @rule(index=slots, names=st.lists(channel_names, min_size=1, max_size=5))
    def names(self, index: int, names: list[str]) -> None:
        if slot := self._slot(index):
            self.send(slot, f"NAMES {','.join(names)}")
            self.check_names_answer(slot, names)

    @rule(index=slots, arg=st.sampled_from(("", ">0", "<3", ">²", "<٣", "#a,#lobby", "*")))
    def list_(self, index: int, arg: str) -> None:
        if slot := self._slot(index):
            self.send(slot, f"LIST {arg}".strip())

    @rule(index=slots, text=texts)
    def away(self, index: int, text: str) -> None:
        if slot := self._slot(index):
            self.send(slot, f"AWAY :{text}" if text else "AWAY")

    @rule(
        index=slots,
        sub=st.sampled_from(("LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN", "TARGETS", "X")),
        about=channel_names | nick_names,
        ref=st.sampled_from(("*", "timestamp=2020-01-01T00:00:00.000Z", "msgid=x", "²")),
        limit=st.sampled_from(("10", "100", "0", "²", "99999", "-1")),
    )
    def chathistory(self, index: int, sub: str, about: str, ref: str, limit: str) -> None:
        if slot := self._slot(index):
            if is_channel(about):
                about = self._mine(slot, about)
            if sub == "TARGETS":
                line = f"CHATHISTORY TARGETS {ref} timestamp=2099-01-01T00:00:00.000Z {limit}"
            elif sub == "BETWEEN":
                end = "timestamp=2099-01-01T00:00:00Z"
                line = f"CHATHISTORY BETWEEN {about or '*'} {ref} {end} {limit}"
            else:
                if sub != "LATEST" and ref == "*":
                    ref = "timestamp=2099-01-01T00:00:00.000Z"
                line = f"CHATHISTORY {sub} {about or '*'} {ref} {limit}"
            self.send(slot, line)

    @rule(
        index=slots,
        form=st.sampled_from(
            (
                "WHOIS {n}",
                "WHOWAS {n} {x}",
                "ISON {n} {n}",
                "USERHOST {n}",
                "MONITOR + {n}",
                "MONITOR + {n},{x}",
                "MONITOR - {n}",
                "MONITOR C",
                "MONITOR L",
                "MONITOR S",
                "@+draft/react={x} TAGMSG {c}",
                "SETNAME :{t}",
                "MODE {n} {x}",
                "NAMES",
                "LUSERS",
            )
        ),
        nick=nick_names,
        channel=channel_names,
        text=texts,
        extra=st.sampled_from(("+i", "-i", "+w", "+o", "²", "1", "*", "x" * 50)),
    )
    def other(self, index: int, form: str, nick: str, channel: str, text: str, extra: str) -> None:
        """The rest: queries, MONITOR, TAGMSG, SETNAME, user modes."""
        if slot := self._slot(index):
            self.send(slot, form.format(n=nick or "*", c=channel, t=text, x=extra))

    @rule(
        index=slots,
        about=channel_names | nick_names,
        pick=st.integers(0, 1000),
        junk=st.sampled_from(("*", "x", "²", "x" * 400)),
        reason=st.none() | texts,
    )
    def redact(self, index: int, about: str, pick: int, junk: str, reason: str | None) -> None:
        """A message said (by anyone: the server decides who may), or junk."""
        if slot := self._slot(index):
            if is_channel(about):
                about = self._mine(slot, about)
            msgids = list(self.said)
            msgid = msgids[pick % len(msgids)] if msgids and pick % 4 else junk
            line = f"REDACT {about or '*'} {msgid}"
            self.send(slot, line if reason is None else f"{line} :{reason}")

    @rule(
        index=slots,
        channel=channel_names,
        how=st.sampled_from(("case", "taken", "bad", "missing")),
        pick=st.integers(0, 100),
        reason=st.none() | texts,
    )
    def rename(self, index: int, channel: str, how: str, pick: int, reason: str | None) -> None:
        """RENAME of case only, or refused (a taken name, a bad one): the names the model
        knows channels by stay the same."""
        if slot := self._slot(index):
            old = self._mine(slot, channel, op=True)
            if how == "case":
                new = old.swapcase()
            elif how == "taken":
                names = [c.name for c in self.h.server.state.channels.values()]
                new = names[pick % len(names)] if names else old
                if fold(new) != fold(old):
                    new = new.swapcase()
            else:
                new = BAD_CHANNELS[pick % len(BAD_CHANNELS)] if how == "bad" else ""
            line = f"RENAME {old} {new}".rstrip()
            self.send(slot, line if reason is None else f"{line} :{reason}")

    @rule(index=slots, line=texts)
    def raw(self, index: int, line: str) -> None:
        if slot := self._slot(index):
            self.send(slot, line)

    @rule(index=slots, reason=texts)
    def quit(self, index: int, reason: str) -> None:
        if slot := self._slot(index):
            self.send(slot, f"QUIT :{reason}")

    @rule(index=slots)
    def lusers(self, index: int) -> None:
        if slot := self._slot(index):
            if not slot.registered:
                return
            self.send(slot, "LUSERS")
            state = self.h.server.state
            total = len(state.clients)
            got = [m for m in self.last_received[id(slot)] if m.command == "251"]
            assert got, "LUSERS gave no 251"
            expected = f"There are {total - state.invisible} users and {state.invisible} invisible"
            assert got[-1].params[-1].startswith(expected)

    @rule(seconds=st.sampled_from((1.0, 31.0, 200.0)))
    def tick(self, seconds: float) -> None:
        """Time passes: reservations, registration and ping timeouts run."""
        self.h.clock.advance(seconds)
        self.h.server.sweep()
        self.after_step(actor=None, command="SWEEP")

    # -- after each step ----------------------------------------------------------

    last_received: dict[int, list[Message]]

    def after_step(self, actor: Slot | None, command: str) -> None:
        self.last_received = {}
        self.note_incarnations()
        for slot in self.slots:
            if slot is None:
                continue
            lines = self.take_lines(slot)
            self.last_received[id(slot)] = lines
            for message in lines:
                self.follow(slot, message)
            if slot is actor and command in ("JOIN", "CHATHISTORY", "CAP", "NICK", "USER"):
                self.check_history_shown(slot, lines)
        self.record_history()

    def take_lines(self, slot: Slot) -> list[Message]:
        """What the core sent this client since the last step; each line's shape checked."""
        data = b"".join(slot.conn.sent)
        slot.conn.sent.clear()
        for error in slot.conn.closed_with:  # the net layer sends it as an ERROR line
            assert error is None or len(f"ERROR :{error}\r\n".encode()) <= MAX_LINE, error
        assert data == b"" or data.endswith(b"\r\n"), f"a partial line: {data[-80:]!r}"
        messages = []
        for line in data.split(b"\r\n")[:-1]:
            assert b"\n" not in line and b"\r" not in line and b"\0" not in line, line[:200]
            body = line
            if line[:1] == b"@":
                tags, _, body = line.partition(b" ")
                assert len(tags) + 1 <= MAX_TAG_BYTES, f"{len(tags)} bytes of tags"
            assert len(body) + 2 <= MAX_LINE, f"{len(body) + 2} bytes: {body[:120]!r}..."
            message = parse(line)
            text = message.params[-1] if message.params else ""
            assert not (message.command == "400" and "Internal error" in text), line
            messages.append(message)
        return messages

    def follow(self, slot: Slot, m: Message) -> None:
        """Update a client's view of its channels from one line it received."""
        if m.command == "001":
            slot.nick = fold(m.params[0])
            return
        if m.command == "BATCH" and m.params[0][:1] == "+" and m.params[1:2] == ("chathistory",):
            slot.history_batches.add(m.params[0][1:])
        elif m.command == "BATCH" and m.params[0][:1] == "-":
            slot.history_batches.discard(m.params[0][1:])
        if m.tags.get("batch") in slot.history_batches:
            return  # past events (event-playback) change no membership
        me = slot.nick
        who = nick_of(m.source)
        view = slot.view
        if m.command == "JOIN":
            channel = fold(m.params[0])
            if who == me:
                view[channel] = {}
            view.setdefault(channel, {})[who] = ""
        elif m.command == "353" and fold(m.params[2]) in view:  # NAMES of its own channels
            members = view[fold(m.params[2])]
            for entry in m.params[3].split():
                name = entry.lstrip("@+")
                members[nick_of(name)] = "".join(
                    letter for symbol, letter in (("@", "o"), ("+", "v")) if symbol in entry[:2]
                )
        elif m.command in ("PART", "KICK"):
            channel = fold(m.params[0])
            gone = who if m.command == "PART" else fold(m.params[1])
            if gone == me:
                view.pop(channel, None)
            else:
                view.get(channel, {}).pop(gone, None)
        elif m.command == "QUIT":
            for members in view.values():
                members.pop(who, None)
        elif m.command == "NICK":
            new = fold(m.params[0])
            if who == me:
                slot.nick = new
            for members in view.values():
                if who in members:
                    members[new] = members.pop(who)
        elif m.command == "MODE" and is_channel(m.params[0]):
            members = view.get(fold(m.params[0]), {})
            changes, _ = parse_mode_changes(m.params[1], list(m.params[2:]), TYPES)
            for change in changes:
                if change.letter in "ov" and change.arg is not None:
                    target = fold(change.arg)
                    held = members.get(target, "").replace(change.letter, "")
                    members[target] = held + change.letter if change.adding else held

    # -- history and who may read it ----------------------------------------------

    def note_incarnations(self) -> None:
        """Number each channel's lives, and note who was ever in each."""
        state = self.h.server.state
        for key, channel in state.channels.items():
            known = self.incarnations.get(key)
            if known is None or known[0] is not channel:
                number = (known[1] + 1) if known else 1
                self.incarnations[key] = (channel, number)
            number = self.incarnations[key][1]
            ever = self.ever.setdefault((key, number), set())
            ever.update(identity(s) for m in channel.members for s in m.sessions)

    def record_history(self) -> None:
        """Note, for each line just stored, who could read it when it was said."""
        state = self.h.server.state
        items = self.h.server.history.items  # type: ignore[attr-defined]
        for item in items[self.history_seen :]:
            if not item.message and item.command != "TAGMSG":
                continue  # a channel event: shown only with event-playback, asked for by none
            if is_channel(item.target):
                channel = state.channel(item.target)
                assert channel is not None, "a line stored for a channel that is gone"
                public = not ({"s", "i"} & channel.flags) and channel.key is None
                members = frozenset(identity(s) for m in channel.members for s in m.sessions)
                number = self.incarnations[channel.folded][1]
                self.said[item.msgid] = Said(item, public, number, members)
            else:
                sender = state.client(nick_of(item.source))
                recipient = state.client(item.target)
                people = frozenset(
                    identity(s) for c in (sender, recipient) if c is not None for s in c.sessions
                )
                if item.recipient_account is not None:
                    people |= {("account", fold(item.recipient_account))}
                self.said[item.msgid] = Said(item, False, 0, people)
        self.history_seen = len(items)

    def may_read(self, said: Said, reader: object) -> bool:
        if reader in said.members:
            return True
        if not said.public:
            return False
        # A public line: any member of the channel, in its incarnation or any later one
        # (docs/privacy.md: anyone could have read it then).
        key = fold(said.item.target)
        latest = self.incarnations[key][1] if key in self.incarnations else said.incarnation
        return any(
            reader in self.ever.get((key, number), set())
            for number in range(said.incarnation, latest + 1)
        )

    def check_history_shown(self, slot: Slot, lines: list[Message]) -> None:
        """Past lines shown to a client in this step are ones it may read (docs/privacy.md)."""
        reader = identity(slot.session)
        for m in lines:
            if m.command not in ("PRIVMSG", "NOTICE") or m.source is None:
                continue
            if nick_of(m.source) == "nickserv" or "." in nick_of(m.source):
                continue  # services and server notices
            msgid = m.tags.get("msgid")
            if msgid is not None and msgid in self.said:
                candidates = [self.said[msgid]]
            else:
                text = _STAMP.sub("", m.params[-1]) if "time" not in m.tags else m.params[-1]
                candidates = [
                    s
                    for s in self.said.values()
                    if s.item.source == m.source
                    and s.item.text.startswith(text)  # cut to fit 512 bytes, maybe
                    and ("time" not in m.tags or server_time(s.item.time) == m.tags["time"])
                ]
            assert candidates, f"a past line nobody said: {m}"
            assert any(self.may_read(s, reader) for s in candidates), (
                f"{reader} was shown {m.params} (said while members were "
                f"{sorted(map(str, candidates[0].members))}, public={candidates[0].public})"
            )

    def check_names_answer(self, slot: Slot, asked: list[str]) -> None:
        """NAMES lists exactly the members the asker may see, with their prefixes."""
        if not slot.registered:
            return
        state = self.h.server.state
        me = slot.session.client
        answered: dict[str, dict[str, str]] = {}
        for m in self.last_received[id(slot)]:
            if m.command == "353":
                members = answered.setdefault(fold(m.params[2]), {})
                for entry in m.params[3].split():
                    letters = "".join(
                        letter for symbol, letter in (("@", "o"), ("+", "v")) if symbol in entry[:2]
                    )
                    members[nick_of(entry.lstrip("@+"))] = letters
        limit = self.h.server.config.limits.targets_per_command
        for name in ",".join(asked).split(",")[:limit]:
            channel = state.channel(name)
            if channel is None or ("s" in channel.flags and me not in channel.members):
                assert fold(name) not in answered or channel is not None
                continue
            inside = me in channel.members
            expected = {
                member.folded: "".join(sorted(letters))
                for member, letters in channel.members.items()
                if inside or "i" not in member.modes
            }
            got = {k: "".join(sorted(v)) for k, v in answered.get(channel.folded, {}).items()}
            assert got == expected, f"NAMES {name}: {got} != {expected}"

    # -- invariants ---------------------------------------------------------------

    @invariant()
    def no_handler_failed(self) -> None:
        assert self.h.server.stats.handler_errors == 0

    @invariant()
    def membership_is_consistent(self) -> None:
        state = self.h.server.state
        for key, channel in state.channels.items():
            assert channel.members, f"{channel.name} exists with nobody in it"
            assert fold(channel.name) == key == channel.folded
            for member in channel.members:
                assert state.clients.get(member.folded) is member, f"{member.nick} not a client"
                assert member.channels.get(key) is channel
        for key, client in state.clients.items():
            assert client.folded == key == fold(client.nick)
            assert client.sessions and all(s.client is client for s in client.sessions)
            for ckey, channel in client.channels.items():
                assert state.channels.get(ckey) is channel
                assert client in channel.members

    @invariant()
    def counters_match(self) -> None:
        state = self.h.server.state
        clients = list(state.clients.values())
        assert state.invisible == sum("i" in c.modes for c in clients)
        assert state.opers == sum("o" in c.modes for c in clients)
        sessions = list(state.sessions.values())
        assert state.unregistered == sum(s.phase is Phase.UNREGISTERED for s in sessions)
        assert all(s.phase is not Phase.CLOSED for s in sessions)

    @invariant()
    def watches_match(self) -> None:
        """MONITOR: the server's watchers by nick and each client's list agree both ways."""
        state = self.h.server.state
        for key, watchers in state.monitors.items():
            assert watchers, f"an empty watch list for {key}"
            for watcher in watchers:
                assert key in watcher.monitoring and state.clients.get(watcher.folded) is watcher
        for client in state.clients.values():
            assert all(client in state.monitors.get(key, ()) for key in client.monitoring)

    @invariant()
    def each_client_sees_its_channels(self) -> None:
        for slot in self.slots:
            if slot is None or not slot.registered:
                continue
            client = slot.session.client
            assert client is not None
            assert slot.nick == client.folded, f"told it is {slot.nick}, is {client.nick}"
            expected = {
                key: {m.folded: "".join(sorted(letters)) for m, letters in ch.members.items()}
                for key, ch in client.channels.items()
            }
            seen = {
                key: {n: "".join(sorted(letters)) for n, letters in members.items()}
                for key, members in slot.view.items()
            }
            assert seen == expected, f"{client.nick} sees {seen}, is in {expected}"


CoreMachine.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=50,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_core_under_random_clients = CoreMachine.TestCase
