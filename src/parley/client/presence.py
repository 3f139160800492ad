"""Who is away, as a part of ClientState (sans-IO): from away-notify and WHO.

How this works: on joining a channel the client asks WHO for it once, quietly
(its replies are not shown), and marks those with the `G` (gone) flag; after
that, away-notify's AWAY lines keep it current. Bounded like the metadata.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.client.events import Event
from parley.client.extensions import MAX_METADATA_USERS
from parley.irc.casemap import fold
from parley.irc.message import Message

if TYPE_CHECKING:
    from parley.client.state import ChannelView

MAX_PENDING_WHO = 50  # channels whose WHO answer is awaited at once


class Presence:
    """ClientState's away tracking (a mixin: ClientState's attributes are used)."""

    caps: set[str]
    outbox: list[Message]
    away: set[str]  # folded nicks of the users who are away
    _who_pending: set[str]  # folded channels whose WHO replies are taken quietly

    def _init_presence(self) -> None:
        self.away = set()
        self._who_pending = set()

    def channel(self, name: str) -> ChannelView | None:
        raise NotImplementedError  # ClientState's

    def _users(self, view: ChannelView) -> Event:
        raise NotImplementedError  # ClientState's

    def _channels_with(self, nick: str) -> list[ChannelView]:
        raise NotImplementedError  # ClientState's

    def _ask_who(self, channel: str) -> None:
        """Ask who is in a just-joined channel, for their away flags (only with away-notify,
        which keeps them current afterwards)."""
        if "away-notify" in self.caps and len(self._who_pending) < MAX_PENDING_WHO:
            self._who_pending.add(fold(channel))
            self.outbox.append(Message.of("WHO", channel))

    def _who_answer(self, params: tuple[str, ...]) -> bool:
        """Whether a 352 or 315 answers a WHO this client sent on its own."""
        return len(params) > 1 and fold(params[1]) in self._who_pending

    def _who_done(self, code: str, params: tuple[str, ...]) -> list[ChannelView]:
        """Note one reply; at its end, the channel whose list changed."""
        if code == "315":
            self._who_pending.discard(fold(params[1]))
            view = self.channel(params[1])
            return [view] if view is not None else []
        if len(params) > 6:
            self._set_away(params[5], "G" in params[6])
        return []

    def _set_away(self, nick: str, away: bool) -> bool:
        """Whether this changed what is known."""
        key = fold(nick)
        if away == (key in self.away) or (away and len(self.away) >= MAX_METADATA_USERS):
            return False
        if away:
            self.away.add(key)
        else:
            self.away.discard(key)
        return True

    def _rename_away(self, old: str, new: str) -> None:
        """An away user who changes nick is still away."""
        if self._set_away(old, False):
            self._set_away(new, True)

    def _on_away(self, msg: Message) -> list[Event]:
        """away-notify: AWAY :reason (gone), or AWAY alone (back)."""
        nick = (msg.source or "").split("!", 1)[0]
        if not nick or not self._set_away(nick, bool(msg.params and msg.params[0])):
            return []
        return [self._users(view) for view in self._channels_with(nick)]
