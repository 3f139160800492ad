"""The IRCv3 extensions the client shows, as a part of ClientState (sans-IO).

How this works: ClientState inherits these handlers. Multi-line messages
(draft/multiline batches) are gathered until the batch ends and then handed to
the state's usual message handling as one message with its lines. REDACT,
reactions and typing (TAGMSG with +draft/react or +typing), read markers
(MARKREAD, both ways) and metadata (display-name and avatar, by METADATA and
RPL_KEYVALUE) each become one event. Everything kept is bounded: a server
cannot make the client hold more than the limits below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parley.client.events import (
    Capabilities,
    Event,
    MetadataChanged,
    Reacted,
    ReadMarker,
    Redacted,
    Typing,
)
from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message

METADATA_CAPS = ("draft/metadata-3", "draft/metadata-2")  # the first offered is asked for
METADATA_KEYS = ("display-name", "avatar")  # what the client shows, and so subscribes to
READ_MARKER_CAP = "draft/read-marker"
MULTILINE_CAP = "draft/multiline"
BOT_TAGS = ("bot", "draft/bot")  # IRCv3 bot mode; the draft name from before it was final
TYPING_STATES = frozenset({"active", "paused", "done"})
MAX_OPEN_MULTILINE = 8  # multi-line batches gathered at once; more are shown line by line
MAX_MULTILINE_LINES = 1000  # lines kept of one batch
MAX_MULTILINE_BYTES = 64 * 1024  # bytes kept of one batch
MAX_METADATA_USERS = 10_000  # users whose display name and avatar are remembered
MAX_VALUE = 200  # characters kept of a display name or avatar address
MAX_REACTION = 32  # characters kept of a reaction


def source_nick(msg: Message) -> str:
    return (msg.source or "").split("!", 1)[0]


def timestamp(param: str) -> str | None:
    """MARKREAD's `timestamp=...` as the time it names; None for `*` or anything else."""
    return param[10:] if param.startswith("timestamp=") and len(param) > 10 else None


@dataclass
class _Multiline:
    """A draft/multiline batch being received."""

    opening: Message  # the BATCH +ref line: its source and tags are the message's
    target: str
    lines: list[str] = field(default_factory=list)
    size: int = 0
    cut: bool = False  # more came than is kept


class Extensions:
    """ClientState's handlers for the IRCv3 extensions above (a mixin: no state of its own)."""

    nick: str
    caps: set[str]
    outbox: list[Message]
    last_seen: dict[str, str]
    metadata: dict[str, dict[str, str]]  # folded nick -> key -> value
    read_markers: dict[str, str | None]  # folded conversation -> last read time
    offered: dict[str, str]  # capability -> value, as CAP LS gave them
    _multiline: dict[str, _Multiline]  # open multi-line batches by reference
    _subscribed: bool  # METADATA SUB sent

    def _init_extensions(self) -> None:
        self._subscribed = False
        self.metadata = {}
        self.read_markers = {}
        self.offered = {}
        self._multiline = {}

    def _chat(self, msg: Message, notice: bool) -> list[Event]:
        raise NotImplementedError  # ClientState's

    # -- helpers --------------------------------------------------------------

    def _conversation(self, sender: str, target: str) -> str:
        """Where a line belongs: the channel, or the other person of a private conversation."""
        return target if is_channel(target) or fold(sender) == fold(self.nick) else sender

    def display_name(self, nick: str) -> str:
        return self.metadata.get(fold(nick), {}).get("display-name", "")

    def _extension_caps(self, offered: dict[str, str]) -> list[str]:
        """The extension caps to ask for, among those offered (one metadata version only)."""
        self.offered = offered
        metadata = [cap for cap in METADATA_CAPS if cap in offered][:1]
        return metadata

    def _subscribe(self) -> None:
        if not self._subscribed and any(cap in self.caps for cap in METADATA_CAPS):
            self._subscribed = True
            self.outbox.append(Message.of("METADATA", "*", "SUB", *METADATA_KEYS))

    def _subscribe_early(self) -> None:
        """Where the server takes it (before-connect), subscribe before the welcome, so
        the first joins already carry the names."""
        for cap in METADATA_CAPS:
            if cap in self.caps and "before-connect" in self.offered.get(cap, "").split(","):
                self._subscribe()

    def _capabilities(self) -> Capabilities:
        """What was agreed, for the UI; asks for the metadata keys the client shows."""
        self._subscribe()
        max_bytes = max_lines = 0
        if MULTILINE_CAP in self.caps and "batch" in self.caps:
            for token in self.offered.get(MULTILINE_CAP, "").split(","):
                key, _, value = token.partition("=")
                if key == "max-bytes" and value.isdigit():
                    max_bytes = int(value)
                elif key == "max-lines" and value.isdigit():
                    max_lines = int(value)
            max_lines = max_lines or max_bytes  # no line limit: one byte a line at least
        return Capabilities(frozenset(self.caps), max_bytes, max_lines)

    # -- multi-line messages ------------------------------------------------------

    def _open_multiline(self, ref: str, msg: Message) -> None:
        if len(msg.params) > 2 and len(self._multiline) < MAX_OPEN_MULTILINE:
            self._multiline[ref] = _Multiline(msg, msg.params[2])

    def _multiline_line(self, batch: _Multiline, msg: Message) -> None:
        """IRCv3 multiline: lines join with a line feed, or with nothing after a concat tag."""
        text = msg.params[1] if len(msg.params) > 1 else ""
        if batch.cut or len(batch.lines) >= MAX_MULTILINE_LINES:
            batch.cut = True
            return
        batch.size += len(text)
        if batch.size > MAX_MULTILINE_BYTES:
            batch.cut = True
            return
        if "draft/multiline-concat" in msg.tags and batch.lines:
            batch.lines[-1] += text
        else:
            batch.lines.append(text)

    def _close_multiline(self, ref: str) -> list[Event]:
        batch = self._multiline.pop(ref, None)
        if batch is None or not batch.lines:
            return []
        text = "\n".join(batch.lines) + ("\n…" if batch.cut else "")
        opening = batch.opening
        whole = Message("PRIVMSG", (batch.target, text), opening.source, dict(opening.tags))
        return self._chat(whole, notice=False)

    # -- commands -----------------------------------------------------------------

    def _on_tagmsg(self, msg: Message) -> list[Event]:
        """+typing and +draft/react ride on TAGMSG; other tags are not shown."""
        if not msg.params:
            return []
        sender = source_nick(msg)
        own = fold(sender) == fold(self.nick)
        conversation = self._conversation(sender, msg.params[0])
        events: list[Event] = []
        typing = msg.tags.get("+typing")
        if typing in TYPING_STATES and not own:
            events.append(Typing(conversation, sender, typing, self.display_name(sender)))
        reaction, parent = msg.tags.get("+draft/react"), msg.tags.get("+draft/reply")
        if reaction and reaction.strip() and parent:
            reaction = " ".join(reaction.split())[:MAX_REACTION]  # one line, short
            msgid = msg.tags.get("msgid")
            events.append(Reacted(conversation, parent, sender, reaction, msgid, own))
        return events

    def _on_redact(self, msg: Message) -> list[Event]:
        """REDACT <target> <msgid> [:reason]: the UI shows the message as deleted."""
        if len(msg.params) < 2:
            return []
        sender = source_nick(msg)
        reason = msg.params[2] if len(msg.params) > 2 else ""
        return [Redacted(self._conversation(sender, msg.params[0]), msg.params[1], sender, reason)]

    def _on_markread(self, msg: Message) -> list[Event]:
        """The server's MARKREAD: how far this account has read, from any of its devices."""
        if len(msg.params) < 2:
            return []
        target, when = msg.params[0], timestamp(msg.params[1])
        known = self.read_markers.get(fold(target))
        if when is not None and known is not None and when < known:
            return []  # only ever forward
        self.read_markers[fold(target)] = when
        return [ReadMarker(target, when)]

    def mark_read(self, conversation: str) -> None:
        """The user has seen `conversation` up to its last line: tell the server, once."""
        if READ_MARKER_CAP not in self.caps:
            return
        seen = self.last_seen.get(fold(conversation))
        known = self.read_markers.get(fold(conversation))
        if seen is None or (known is not None and known >= seen):
            return
        self.read_markers[fold(conversation)] = seen
        self.outbox.append(Message.of("MARKREAD", conversation, f"timestamp={seen}"))

    def _ask_read_marker(self, conversation: str) -> None:
        """A private conversation's marker is not sent on its own: ask for it once."""
        markers = self.read_markers
        room = len(markers) < MAX_METADATA_USERS
        if READ_MARKER_CAP in self.caps and fold(conversation) not in markers and room:
            markers[fold(conversation)] = None
            self.outbox.append(Message.of("MARKREAD", conversation))

    def _on_metadata(self, msg: Message) -> list[Event]:
        """METADATA <target> <key> <visibility> [:value]: a value set, or removed."""
        if len(msg.params) < 3:
            return []
        value = msg.params[3] if len(msg.params) > 3 else None
        return self._set_metadata(msg.params[0], msg.params[1], value)

    def _on_keyvalue(self, params: tuple[str, ...]) -> list[Event]:
        """RPL_KEYVALUE <me> <target> <key> <visibility> [:value]."""
        if len(params) < 4:
            return []
        return self._set_metadata(params[1], params[2], params[4] if len(params) > 4 else None)

    def _set_metadata(self, target: str, key: str, value: str | None) -> list[Event]:
        key = key.lower()
        if key not in METADATA_KEYS or is_channel(target):
            return []
        if target == "*":
            target = self.nick
        values = self.metadata.get(fold(target))
        if value is None or not value.strip():
            if values is None or values.pop(key, None) is None:
                return []
            if not values:
                del self.metadata[fold(target)]
            value = None
        else:
            if values is None:
                if len(self.metadata) >= MAX_METADATA_USERS:
                    return []
                values = self.metadata[fold(target)] = {}
            value = " ".join(value.split())[:MAX_VALUE]  # one line, never a layout
            values[key] = value
        return [MetadataChanged(target, key, value)]

    def _sync_later(self, params: tuple[str, ...]) -> list[Event]:
        """ERR_METADATASYNCLATER: ask again at once when no wait is asked for."""
        if len(params) == 2:
            self.outbox.append(Message.of("METADATA", params[1], "SYNC"))
        return []

    def _rename_metadata(self, old: str, new: str) -> None:
        values = self.metadata.pop(fold(old), None)
        if values is not None:
            self.metadata[fold(new)] = values
