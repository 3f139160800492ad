"""A channel: members with their prefix modes, flags, key, limit, lists and topic."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.irc.extbans import MUTE_EXTBAN, list_mask_matches
from parley.server.core.ids import unique_id

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.connection import Connection

# Prefix letters by rank, highest first, and the symbols shown for them.
PREFIX_LETTERS = "ov"
PREFIX_SYMBOLS = {"o": "@", "v": "+"}
MUTE_PREFIX = MUTE_EXTBAN + ":"
STATUSMSG = "@+"  # `PRIVMSG @#c` reaches the channel's operators, `+#c` voiced and up
LIST_MODES = "beI"  # bans, ban exceptions, invite exceptions
FLAG_MODES = "Cimnst"  # C: no CTCP but ACTION
PRIVATE_FLAGS = frozenset("si")  # with a key, what makes a channel's lines not public


class ListEntry:
    """A ban or exception mask, with who set it and when (RPL_BANLIST shows both)."""

    __slots__ = ("mask", "set_at", "set_by")

    def __init__(self, mask: str, set_by: str, set_at: float) -> None:
        self.mask = mask
        self.set_by = set_by
        self.set_at = set_at


class Channel:
    """One channel's state; it exists while it has members."""

    __slots__ = (
        "created",
        "flags",
        "folded",
        "incarnation",
        "joined",
        "key",
        "limit",
        "lists",
        "members",
        "metadata",
        "name",
        "recipients",
        "stays",
        "topic",
        "topic_set_at",
        "topic_set_by",
    )

    def __init__(self, name: str, now: float) -> None:
        self.name = name
        self.folded = fold(name)
        self.created = now
        # This channel's life, from creation until it empties: its history is kept under it.
        self.incarnation = unique_id()
        self.members: dict[Client, str] = {}  # client -> prefix letters held ("", "o", "ov")
        self.joined: dict[Client, float] = {}  # client -> when it joined (what it may read)
        # Accounts among the members -> [since when, by how many clients]: an account's
        # stay runs from its first client's join to its last one's leave (State).
        self.stays: dict[str, list[float]] = {}
        self.flags: set[str] = {"n", "t"}
        self.key: str | None = None
        self.limit: int | None = None
        self.lists: dict[str, list[ListEntry]] = {letter: [] for letter in LIST_MODES}
        self.topic = ""
        self.topic_set_by = ""
        self.topic_set_at = 0.0
        self.metadata: dict[str, str] | None = None  # IRCv3 metadata, set by its operators
        # Fan-out lists: members' connections by session tag mask, built on first
        # need and dropped (State.forget_recipients) when membership or a mask changes.
        self.recipients: dict[int, list[Connection]] | None = None

    @property
    def public(self) -> bool:
        """Anyone may join and read along: no +s, +i or +k (docs/privacy.md)."""
        return self.key is None and self.flags.isdisjoint(PRIVATE_FLAGS)

    def is_op(self, client: Client) -> bool:
        return "o" in self.members.get(client, "")

    def refusal(self, client: Client, texts: Iterable[str]) -> str | None:
        """Why `client` may not send `texts` here (404's words), or None: +n, +m, bans, +C.

        PRIVMSG, NOTICE and TAGMSG ask it for their one text, a multi-line batch for
        each of its lines: clients without the batch get each line as a message."""
        if not self.can_speak(client):
            return "Cannot send to channel"
        if "C" in self.flags and any(is_ctcp(text) for text in texts):
            return "Cannot send CTCP to channel (+C)"
        return None

    def can_speak(self, client: Client) -> bool:
        """+n, +m and bans, as modern IRC describes them for PRIVMSG."""
        letters = self.members.get(client)
        if letters is None:
            if "n" in self.flags:
                return False
            letters = ""
        if letters:
            return True  # op or voice speaks through +m and bans
        if "m" in self.flags:
            return False
        return not self.is_banned(client) and not self.is_muted(client)

    def is_banned(self, client: Client) -> bool:
        """On +b and not on +e, by hostmask or by account (`a:account`)."""
        bans = self.lists["b"]
        if not bans:
            return False
        if not _any_matches(bans, client):
            return False
        return not _any_matches(self.lists["e"], client)

    def is_muted(self, client: Client) -> bool:
        """On +b by an `m:` mask (it may join, not speak) and not on +e."""
        mutes = [e for e in self.lists["b"] if e.mask.startswith(MUTE_PREFIX)]
        if not mutes or not _any_matches(mutes, client, muting=True):
            return False
        return not _any_matches(self.lists["e"], client, muting=True)

    def is_invite_excepted(self, client: Client) -> bool:
        return _any_matches(self.lists["I"], client)

    def mode_string(self, show_key: bool) -> list[str]:
        """The channel's modes as RPL_CHANNELMODEIS parameters."""
        letters = "+" + "".join(sorted(self.flags))
        args: list[str] = []
        if self.key is not None:
            letters += "k"
            args.append(self.key if show_key else "*")
        if self.limit is not None:
            letters += "l"
            args.append(str(self.limit))
        return [letters, *args]


def status_reaches(letters: str, symbol: str) -> bool:
    """Whether a member holding `letters` gets a message sent to `symbol` + channel."""
    rank = PREFIX_LETTERS.index(next(k for k, v in PREFIX_SYMBOLS.items() if v == symbol))
    return any(letter in letters for letter in PREFIX_LETTERS[: rank + 1])


def is_ctcp(text: str) -> bool:
    """A CTCP request or reply other than ACTION (what +C keeps out)."""
    return text[:1] == "\x01" and not text.startswith("\x01ACTION ")


def _any_matches(entries: list[ListEntry], client: Client, muting: bool = False) -> bool:
    """Whether a mask names the client as seen, as it connects (under a vhost), or by
    its account (`a:account`); `m:` masks too when speaking is weighed (`muting`)."""
    prefix, account = client.prefix, client.account
    if any(list_mask_matches(e.mask, prefix, account, muting) for e in entries):
        return True
    if client.real_host == client.host:
        return False
    real = client.real_prefix
    return any(list_mask_matches(e.mask, real, account, muting) for e in entries)


def prefix_symbols(letters: str, multi: bool) -> str:
    """`@`, `+`, `@+` (multi-prefix) or `` for the prefix letters a member holds."""
    symbols = [PREFIX_SYMBOLS[letter] for letter in PREFIX_LETTERS if letter in letters]
    if not symbols:
        return ""
    return "".join(symbols) if multi else symbols[0]
