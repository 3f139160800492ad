"""The console's event log: what the core observes, in words, in a bounded queue.

The feed is a core observer, so `observe` runs on the event loop: it words the
event and appends it to a deque that holds at most CAPACITY entries. The Tk
thread takes what is new in batches (deque appends and pops are atomic), so a
flood of events costs the loop one short string each and never waits on the
window. Entries are numbered; a gap tells the console some were dropped.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from parley.irc.modes import format_mode_changes
from parley.server.core import events as ev
from parley.server.core import observed as obs

CAPACITY = 2000
NICK_SHOWN = 64  # characters of a nick asked for before registering (it may be refused)


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int  # 1, 2, 3... with no gaps unless entries were dropped
    at: float  # wall-clock time
    kind: str  # connect, register, join, part, quit, kick, nick, ban, error...
    text: str


def _until(expires: float | None) -> str:
    if expires is None:
        return "until removed"
    return "until " + time.strftime("%Y-%m-%d %H:%M", time.localtime(expires))


def describe(happening: object) -> tuple[str, str] | None:
    """The kind and the words for an observed event; None for what the log leaves out."""
    match happening:
        case obs.Connected(host, tls):
            return "connect", f"connection from {host}" + (" (TLS)" if tls else "")
        case obs.Registered(nick, user, host, account):
            logged_in = f", logged in as {account}" if account else ""
            return "register", f"{nick} ({user}@{host}) registered{logged_in}"
        case obs.Closed(host, reason, nick):
            shown = "".join(ch for ch in (nick or "")[:NICK_SHOWN] if ch.isprintable())
            asked = f" as {shown}" if shown else ""  # (asked for, maybe refused: any text)
            return "closed", f"{host} left before registering{asked}: {reason}"
        case ev.Joined(nick, channel):
            return "join", f"{nick} joined {channel}"
        case ev.Parted(nick, channel, reason):
            return "part", f"{nick} left {channel}" + (f": {reason}" if reason else "")
        case ev.Kicked(by, channel, victim, reason):
            return "kick", f"{by} kicked {victim} from {channel}: {reason}"
        case ev.Quit(nick, reason):
            return "quit", f"{nick} quit: {reason}"
        case ev.NickChanged(old, new):
            return "nick", f"{old} is now known as {new}"
        case ev.TopicChanged(by, channel, topic):
            return "topic", f"{by} set the topic of {channel}: {topic}"
        case ev.ChannelRenamed(by, old, new, reason):
            return "rename", f"{by} renamed {old} to {new}" + (f": {reason}" if reason else "")
        case ev.ChannelModeChanged(by, channel, changes):
            return "mode", f"{by} set mode {' '.join(format_mode_changes(list(changes)))} {channel}"
        case ev.UserModeChanged(nick, changes) if any(c.letter == "o" for c in changes):
            opered = any(c.letter == "o" and c.adding for c in changes)
            return "oper", f"{nick} is {'now' if opered else 'no longer'} an operator"
        case ev.AccountChanged(nick, account):
            return "account", f"{nick} logged in as {account}" if account else f"{nick} logged out"
        case ev.Announced(by, command, mask, text):
            return "notice", f"{by} to everyone ({command} {mask}): {text}"
        case obs.Killed(nick, by, reason):
            return "kill", f"{by} disconnected {nick}: {reason}"
        case obs.Banned(mask, by, reason, expires):
            return "ban", f"{by} banned {mask} {_until(expires)}: {reason}"
        case obs.Unbanned(mask, by):
            return "unban", f"{by} removed the ban on {mask}"
        case obs.MotdChanged(by):
            return "motd", f"{by} set the message of the day"
        case obs.ShuttingDown(by, reason):
            return "shutdown", f"{by} shut the server down: {reason}"
        case obs.HandlerFailed(command, host, error):
            return "error", f"{command} from {host} failed: {error}"
    return None


class EventFeed:
    """Log entries made on the loop thread, taken in batches by the console's thread."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=capacity)
        self._seq = 0

    def observe(self, happening: object) -> None:
        described = describe(happening)
        if described is not None:
            self._seq += 1
            self._entries.append(LogEntry(self._seq, time.time(), *described))

    def take(self) -> list[LogEntry]:
        """Every entry not taken yet, oldest first (from any thread)."""
        taken: list[LogEntry] = []
        while True:
            try:
                taken.append(self._entries.popleft())
            except IndexError:
                return taken
