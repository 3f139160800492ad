"""One-word texts and empty reasons, as people send them, for each real client to show.

Servers may leave out the ':' before a last parameter without spaces; ii then
reads no text at all. Parley always sends free text after ':', and these lines
show every client reads it: the same wire traffic for ii, irssi and WeeChat.
"""

from __future__ import annotations

from collections.abc import Callable

from support.client import IrcClient

CHANNEL = "#tea"

# What `op` sends once the client under test is in CHANNEL, one line each.
OP_LINES = (
    "PRIVMSG {nick} psst",  # one word, no ':' (as a client may send it)
    "NOTICE {nick} psst2",
    "NOTICE #tea heads-up",
    "PRIVMSG {nick} :\x01ACTION nods\x01",
    "PRIVMSG #tea :\x01ACTION waves\x01",
    "PRIVMSG #tea ::)",  # text that starts with ':'
    "TOPIC #tea tea",  # a topic of one word
)

# Who joins CHANNEL and how they leave it or change (None: kicked below).
LEAVERS = (
    ("carol", "PART #tea bye"),  # a one-word reason
    ("dave", "PART #tea :"),  # an empty reason
    ("erin", None),
    ("frank", None),
    ("gina", "QUIT :"),  # an empty reason: the server says "Quit"
    ("hank", "NICK henry"),  # stays, under a new nick
)
KICKS = ("KICK #tea erin out", "KICK #tea frank :")  # one word; empty (the kicker's nick)


def op_of_channel(connect: Callable[..., IrcClient]) -> IrcClient:
    """bob, first into CHANNEL and so its operator."""
    bob = connect("bob")
    bob.send(f"JOIN {CHANNEL}")
    bob.expect("366")
    return bob


def say_one_word_lines(bob: IrcClient, connect: Callable[..., IrcClient], nick: str) -> None:
    """Once `nick` has joined CHANNEL: every kind of one-word or empty text, in order."""
    joined = f"{nick}!"
    bob.expect(
        lambda m: m.command == "JOIN" and m.source.startswith(joined) and m.params[0] == CHANNEL,
        timeout=15,
    )
    for line in OP_LINES:
        bob.send(line.format(nick=nick))
    for name, leave in LEAVERS:
        other = connect(name)
        other.send(f"JOIN {CHANNEL}")
        other.expect("366")
        if leave is not None:
            other.send(leave)
    for kick in KICKS:
        bob.send(kick)
