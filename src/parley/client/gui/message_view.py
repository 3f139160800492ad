"""Messages in a conversation's Text widget that can change after they are written: replies
quote them, reactions gather under them, a REDACT deletes them.

How this works: each message with an id gets its own tags, `m<N>` over the whole
message (the right-click menu finds it by them) and `m<N>b` over its text, and a
mark `m<N>r` at its end where its reactions line goes. Deleting rewrites the `b`
range; a change of reactions deletes the `m<N>x` range and writes it anew at the mark.
What is indexed is bounded: the oldest message is forgotten past MAX_INDEXED.
"""

from __future__ import annotations

import itertools
import tkinter as tk
from collections import OrderedDict
from dataclasses import dataclass, field

from parley.client.events import ChatLine
from parley.client.gui.formatting import runs
from parley.client.gui.theme import Palette, nick_colour
from parley.client.unread import Unread

MAX_INDEXED = 2000  # messages per conversation that replies, reactions and REDACT can find
MAX_REACTIONS = 50  # kinds of reaction shown under one message
QUOTE_CHARS = 80  # of the parent's text, in a reply's quote
DELETED = "message deleted"


@dataclass
class Shown:
    """A message on screen, found by its id."""

    tag: str
    sender: str
    name: str  # display name, or the nick
    text: str
    reactions: dict[str, list[str]] = field(default_factory=dict)  # reaction -> senders
    deleted: bool = False


def initials(name: str) -> str:
    """One or two letters for an avatar: of the first two words, or the name's first letter."""
    words = [w for w in name.replace("_", " ").replace("-", " ").split() if w[:1].isalnum()]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    return (words[0][0] if words else name[:1] or "?").upper()


Parts = list[tuple[str, tuple[str, ...]]]
AVATAR = "\0avatar"  # in a line's parts: where the avatar goes


def chat_parts(line: ChatLine, index: MessageIndex, nick_tag: str) -> tuple[Parts, Shown | None]:
    """A message as tagged pieces: [the reply's quote line], avatar, name, BOT, the text.
    The first piece is the quote ("" without one), so the time can go after it."""
    name = line.display or line.sender
    shown = index.begin(line.msgid, line.sender, name, line.text) if line.msgid else None
    who = name if name == line.sender else f"{name} ({line.sender})"  # the nick stays seen
    head: Parts
    if line.action:
        head = [(f"* {who} ", (nick_tag,))]
    elif line.notice:
        head = [(f"-{who}- ", (nick_tag,))]
    else:
        head = [(AVATAR, ()), (f"<{who}> ", (nick_tag, "bold"))]
    if line.bot:
        head += [("BOT", ("bot",)), (" ", ())]
    body = runs(line.text)
    if "\n" in line.text:  # a multi-line message: its lines under the name, indented
        body = [("\n", ()), *((piece, (*tags, "multiline")) for piece, tags in body)]
    if shown is not None:
        body = [(piece, (*tags, f"{shown.tag}b")) for piece, tags in body]
    quote = index.quote(line.reply_to) + "\n" if line.reply_to else ""
    return [(quote, ("quote",)), *head, *body], shown


def avatar(text: tk.Text, palette: Palette, font_size: int, sender: str, name: str) -> tk.Canvas:
    """A coloured circle with the sender's initials, where a picture would be."""
    size = font_size + 11
    canvas = tk.Canvas(text, width=size, height=size, highlightthickness=0,
                       background=palette.background)  # fmt: skip
    canvas.create_oval(1, 1, size - 1, size - 1, outline="", fill=nick_colour(palette, sender))
    canvas.create_text(size / 2, size / 2, text=initials(name), fill="#ffffff",
                       font=("TkDefaultFont", max(6, font_size - 4), "bold"))  # fmt: skip
    return canvas


class MessageIndex:
    """One conversation's messages by msgid, and the reactions by their own ids."""

    def __init__(self, text: tk.Text) -> None:
        self.text = text
        self.shown: OrderedDict[str, Shown] = OrderedDict()
        self.reaction_ids: OrderedDict[str, tuple[str, str, str]] = OrderedDict()
        self._numbers = itertools.count(1)

    def begin(self, msgid: str, sender: str, name: str, text: str) -> Shown:
        """A message with this id is about to be written: its tags, to put on its pieces."""
        shown = Shown(f"m{next(self._numbers)}", sender, name, text)
        old = self.shown.pop(msgid, None)
        if old is not None:
            self._forget(old)
        self.shown[msgid] = shown
        while len(self.shown) > MAX_INDEXED:
            self._forget(self.shown.popitem(last=False)[1])
        return shown

    def end(self, shown: Shown) -> None:
        """The message is written: its reactions go after it (the mark stays before them)."""
        self.text.mark_set(f"{shown.tag}r", "end-1c")
        self.text.mark_gravity(f"{shown.tag}r", "left")

    def _forget(self, shown: Shown) -> None:
        self.text.mark_unset(f"{shown.tag}r")

    def msgid_at(self, index: str) -> str | None:
        """The id of the message at a Text index, if it has one."""
        names = set(self.text.tag_names(index))
        for msgid, shown in self.shown.items():
            if shown.tag in names:
                return msgid
        return None

    def quote(self, parent: str) -> str:
        """A reply's first line: who said what, cut short; or that the parent is not here."""
        shown = self.shown.get(parent)
        if shown is None:
            return "↪ a message not shown here"
        said = DELETED if shown.deleted else " ".join(shown.text.split())
        if len(said) > QUOTE_CHARS:
            said = said[: QUOTE_CHARS - 1] + "…"
        return f"↪ {shown.name}: {said}"

    def react(self, parent: str, sender: str, reaction: str, msgid: str | None) -> bool:
        """Count a reaction under its message; False if the message is not here."""
        shown = self.shown.get(parent)
        if shown is None or shown.deleted:
            return False
        who = shown.reactions.get(reaction)
        if who is None:
            if len(shown.reactions) >= MAX_REACTIONS:
                return False
            who = shown.reactions[reaction] = []
        if sender not in who:
            who.append(sender)
        if msgid is not None:
            self.reaction_ids[msgid] = (parent, sender, reaction)
            while len(self.reaction_ids) > MAX_INDEXED:
                self.reaction_ids.popitem(last=False)
        self._draw_reactions(shown)
        return True

    def redact(self, msgid: str) -> bool:
        """Delete a message (its text becomes "message deleted") or take back a reaction."""
        shown = self.shown.get(msgid)
        if shown is not None:
            if not shown.deleted:
                shown.deleted = True
                shown.reactions.clear()
                self._replace(f"{shown.tag}b", DELETED, ("deleted",))
                self._draw_reactions(shown)
            return True
        reaction = self.reaction_ids.pop(msgid, None)
        if reaction is None:
            return False  # not in this conversation: ignored, as the spec asks
        parent, sender, kind = reaction
        shown = self.shown.get(parent)
        if shown is not None and sender in shown.reactions.get(kind, []):
            shown.reactions[kind].remove(sender)
            if not shown.reactions[kind]:
                del shown.reactions[kind]
            self._draw_reactions(shown)
        return True

    def reactions_text(self, msgid: str) -> str:
        """What the reactions line under a message says ("" when none)."""
        shown = self.shown.get(msgid)
        if shown is None or not shown.reactions:
            return ""
        return "   ".join(f"{kind} {len(who)}" for kind, who in shown.reactions.items())

    def _replace(self, tag: str, new: str, tags: tuple[str, ...]) -> None:
        text = self.text
        ranges = text.tag_ranges(tag)
        if not ranges:
            return
        text.configure(state="normal")
        start = text.index(ranges[0])
        for end, begin in reversed(list(zip(ranges[1::2], ranges[::2], strict=True))):
            text.delete(begin, end)
        text.insert(start, new, (*tags, tag))
        text.configure(state="disabled")

    def _draw_reactions(self, shown: Shown) -> None:
        text = self.text
        text.configure(state="normal")
        ranges = text.tag_ranges(f"{shown.tag}x")
        if ranges:
            text.delete(ranges[0], ranges[-1])
        line = "   ".join(f"{kind} {len(who)}" for kind, who in shown.reactions.items())
        if line:
            text.insert(f"{shown.tag}r", f"    {line}\n", ("reactions", f"{shown.tag}x"))
        text.configure(state="disabled")


@dataclass
class Conversation:
    """One tab: its name, its text widget, its messages by id and what is not read yet."""

    name: str
    text: tk.Text
    history: list[str] = field(default_factory=list)  # plain lines, for tests and search
    unread_lines: Unread = field(default_factory=Unread)
    index: MessageIndex = field(init=False)

    def __post_init__(self) -> None:
        self.index = MessageIndex(self.text)

    @property
    def unread(self) -> int:
        return self.unread_lines.count

    @property
    def mentions(self) -> int:
        return self.unread_lines.mentions
