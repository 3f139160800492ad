"""Channel events kept in history, for IRCv3 draft/event-playback.

JOIN, PART, KICK, QUIT, NICK, MODE and TOPIC are stored with a channel's
messages, each line with a msgid and time of its own (sent live with it too, so
that CHATHISTORY can start from it). They are read back under the same rule as
messages (docs/privacy.md) and only by clients that asked for event-playback;
the others are shown messages only. State calls this as it applies the events.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import TYPE_CHECKING

from parley.server.core.outgoing import Outgoing
from parley.server.store.history import HistoryItem

if TYPE_CHECKING:
    from parley.server.core.channel import Channel
    from parley.server.core.client import Client
    from parley.server.core.server import Server

# Events whose first parameter is the channel: it is not stored with the others, the
# line's target is (so that the line follows the channel if it is renamed).
CHANNEL_FIRST = frozenset(("JOIN", "PART", "KICK", "MODE", "TOPIC"))


class Playback:
    """Stamps channel events like messages and hands them to the history store."""

    __slots__ = ("server",)

    def __init__(self, server: Server) -> None:
        self.server = server

    def stamp(self, out: Outgoing) -> float:
        """Give an event's line its own msgid and time (later than any line's); the time."""
        out.msgid = self.server.new_msgid()
        out.time = self.server.message_time()
        return out.time

    def keep(
        self,
        channel: Channel,
        out: Outgoing,
        source: str,
        client: Client | None,
        command: str,
        params: tuple[str, ...],
        public: bool = True,
    ) -> None:
        """Store one event of `channel` (`params` without the channel, for CHANNEL_FIRST);
        public if the channel is and `public` is not False."""
        if client is not None and client.no_history:
            return  # the account opted out (NickServ SET HISTORY OFF)
        item = HistoryItem(
            msgid=out.msgid or "",
            time=out.time,
            conversation=channel.folded,
            target=channel.name,
            source=source,
            account=client.account if client is not None else None,
            command=command,
            text=_json_list(params),
            sender_uid=client.uid if client is not None and client.account is None else None,
            incarnation=channel.incarnation,
            public=public and channel.public,
        )
        self.server.history.append(item)


def _json_list(params: tuple[str, ...]) -> str:
    """`json.dumps(params)`, the same text, made without the encoder's layers (once for
    every JOIN and QUIT)."""
    if not params:
        return "[]"  # (JOIN's)
    return "[" + ", ".join(map(encode_basestring_ascii, params)) + "]"


def event_params(item: HistoryItem) -> tuple[str, ...]:
    """A stored event's parameters, as they were sent (the channel as it is named now)."""
    try:
        stored = json.loads(item.text)
    except ValueError:
        stored = []
    params = tuple(str(p) for p in stored) if isinstance(stored, list) else ()
    return (item.target, *params) if item.command in CHANNEL_FIRST else params
