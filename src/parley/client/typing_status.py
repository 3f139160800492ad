"""IRCv3 typing, both ways, sans-IO: when to send +typing, and who is typing where.

How this works: `TypingOut` is told each edit of the input box and ticked now and
then; it answers with the (target, status) notices to send, at most one per target
every THROTTLE seconds (the spec's rule), `paused` once after PAUSE_AFTER seconds
without an edit, `done` once when the box is cleared. `TypingBoard` holds what others
said, forgets it when they speak or leave, and expires it as the spec says.
"""

from __future__ import annotations

from dataclasses import dataclass

from parley.irc.casemap import fold

THROTTLE = 3.0  # seconds between two notices to one target
PAUSE_AFTER = 5.0  # seconds without an edit before `paused`
ACTIVE_FOR = 6.0  # seconds an `active` holds without another
PAUSED_FOR = 30.0  # seconds a `paused` holds
MAX_TYPISTS = 100  # people remembered as typing, over all conversations


@dataclass
class _Out:
    status: str | None = None  # the last status sent
    sent_at: float = float("-inf")
    edited_at: float = 0.0
    wanted: str | None = None  # the status to send when the throttle allows


class TypingOut:
    """What this user's typing tells others."""

    def __init__(self) -> None:
        self._targets: dict[str, tuple[str, _Out]] = {}

    def edited(self, target: str, text: str, now: float) -> list[tuple[str, str]]:
        """The input box for `target` now holds `text`."""
        _, out = self._targets.setdefault(fold(target), (target, _Out()))
        if not text.strip() or text.startswith("/"):
            out.wanted = "done" if out.status in ("active", "paused") else None
        else:
            out.wanted, out.edited_at = "active", now
        return self._flush(target, out, now)

    def sent(self, target: str) -> None:
        """A message went: it ends the typing, with no `done` needed."""
        entry = self._targets.get(fold(target))
        if entry is not None:
            entry[1].status = entry[1].wanted = None

    def tick(self, now: float) -> list[tuple[str, str]]:
        """Notices due by now: a pause noticed, or one the throttle held back."""
        due: list[tuple[str, str]] = []
        for target, out in self._targets.values():
            still = out.status == out.wanted == "active"
            if still and now - out.edited_at >= PAUSE_AFTER:
                out.wanted = "paused"
            due += self._flush(target, out, now)
        return due

    @staticmethod
    def _flush(target: str, out: _Out, now: float) -> list[tuple[str, str]]:
        wanted = out.wanted
        if wanted is None or now - out.sent_at < THROTTLE:
            return []
        if wanted == out.status and wanted != "active":
            return []  # paused and done go once; active goes on while edits do
        if wanted == "active" and out.status == "active" and out.edited_at <= out.sent_at:
            return []  # no edit since the last one
        out.status, out.sent_at = wanted, now
        if wanted == "done":
            out.wanted = out.status = None
        return [(target, wanted)]


class TypingBoard:
    """Who is typing in which conversation, as others told."""

    def __init__(self) -> None:
        self._until: dict[tuple[str, str], tuple[str, float]] = {}  # -> (display, expiry)

    def typing(self, conversation: str, nick: str, status: str, display: str,
               now: float) -> None:  # fmt: skip
        key = (fold(conversation), fold(nick))
        if status == "done":
            self._until.pop(key, None)
        elif key in self._until or len(self._until) < MAX_TYPISTS:
            hold = ACTIVE_FOR if status == "active" else PAUSED_FOR
            self._until[key] = (display or nick, now + hold)

    def spoke(self, conversation: str, nick: str) -> None:
        self._until.pop((fold(conversation), fold(nick)), None)

    def left(self, nick: str, conversation: str | None = None) -> None:
        """They parted one conversation, or quit (None): they type there no longer."""
        for key in [k for k in self._until if k[1] == fold(nick)]:
            if conversation is None or key[0] == fold(conversation):
                del self._until[key]

    def expire(self, now: float) -> bool:
        """Forget what has run out; True if anything did."""
        old = [key for key, (_, until) in self._until.items() if until <= now]
        for key in old:
            del self._until[key]
        return bool(old)

    def text(self, conversation: str) -> str:
        """ "alice is typing…", "alice and bob are typing…", "alice, bob and 2 others are…"."""
        names = sorted(name for (where, _), (name, _) in self._until.items()
                       if where == fold(conversation))  # fmt: skip
        if not names:
            return ""
        if len(names) == 1:
            return f"{names[0]} is typing…"
        if len(names) == 2:
            return f"{names[0]} and {names[1]} are typing…"
        if len(names) == 3:
            return f"{names[0]}, {names[1]} and {names[2]} are typing…"
        return f"{names[0]}, {names[1]} and {len(names) - 2} others are typing…"
