"""A client: a registered user's identity (nick, user, host, modes, channels)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.server.core.ids import unique_id
from parley.server.core.session import EMPTY

BOT_MODE = "B"  # IRCv3 bot mode: the user mode, WHO flag and ISUPPORT BOT value

if TYPE_CHECKING:
    from parley.server.core.channel import Channel
    from parley.server.core.session import Session


class Client:
    """A user on the server; messages reach it through its sessions."""

    __slots__ = (
        "account",
        "away",
        "channels",
        "folded",
        "host",
        "invited",
        "last_spoke",
        "metadata",
        "modes",
        "monitoring",
        "nick",
        "no_history",
        "prefix",
        "read_markers",
        "real_host",
        "realname",
        "sessions",
        "signon",
        "uid",
        "user",
    )

    def __init__(
        self, nick: str, user: str, host: str, realname: str, now: float, uid: str | None = None
    ) -> None:
        self.nick = nick
        self.folded = fold(nick)
        self.user = user
        self.host = host  # as others see it: the address, or a vhost an operator set
        self.real_host = host  # where it connects from (bans match both)
        self.realname = realname
        self.prefix = f"{nick}!{user}@{host}"
        self.modes = EMPTY  # replaced on change, as Session.caps
        self.away: str | None = None
        self.account: str | None = None
        self.no_history = False  # the account opted out of having its messages stored
        self.channels: dict[str, Channel] = {}  # by folded name
        self.sessions: list[Session] = []
        self.invited: frozenset[Channel] = frozenset()  # channels (these, not their names)
        self.monitoring: dict[str, str] = {}  # MONITOR: folded nick -> nick as given
        self.metadata: dict[str, str] | None = None  # IRCv3 metadata (core/metadata.py)
        # IRCv3 read markers while not logged in (an account's are kept with it): folded
        # target -> milliseconds; made on the first, gone with the client.
        self.read_markers: dict[str, int] | None = None
        self.signon = now
        self.last_spoke = now
        self.uid = uid or unique_id()  # this user, never reused (stored with DMs)

    def rename(self, nick: str) -> None:
        """Take a new nick; the caller re-keys the server's nick table."""
        self.nick = nick
        self.folded = fold(nick)
        self.prefix = f"{nick}!{self.user}@{self.host}"

    def set_host(self, host: str) -> None:
        """Show another host (a vhost, or the real one again)."""
        self.host = host
        self.prefix = f"{self.nick}!{self.user}@{host}"

    @property
    def real_prefix(self) -> str:
        """`nick!user@host` with the host it connects from."""
        return f"{self.nick}!{self.user}@{self.real_host}"

    @property
    def is_oper(self) -> bool:
        return "o" in self.modes

    @property
    def is_bot(self) -> bool:
        """Marked as a bot (IRCv3 bot mode): WHOIS, WHO and the `bot` tag say so."""
        return BOT_MODE in self.modes

    def send(self, data: bytes) -> None:
        """Bytes to every session of this user."""
        for session in self.sessions:
            session.conn.send(data)
