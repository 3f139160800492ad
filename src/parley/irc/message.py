"""IRC messages: the Message value, and total parse/encode between it and a line.

Grammar (modern IRC, "Message format"; IRCv3 message-tags):

    message ::= ['@' tags SPACE] [':' source SPACE] command params
    params  ::= *( SPACE middle ) [ SPACE ':' trailing ]

`parse` never raises anything but ProtocolError, whatever the bytes; `encode`
raises ValueError for a Message that cannot be put on the wire (our own bug).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "MAX_LINE",
    "Message",
    "ProtocolError",
    "encode",
    "encode_parts",
    "encode_reply",
    "escape_tag_value",
    "parse",
    "unescape_tag_value",
]


MAX_LINE = 512  # bytes a line may take, CRLF included and tags aside (modern IRC)
# Commands with free text, by the index of the parameter that holds it: it is
# always sent after ':' (one word too: `PRIVMSG bob :psst`, as ngircd, InspIRCd and
# ergo do, and as clients such as ii expect), and may be cut to fit MAX_LINE.
# -1: the last parameter, however many there are.
TEXT_AT = {
    "PRIVMSG": 1, "NOTICE": 1, "PART": 1, "QUIT": 0, "KICK": 2, "TOPIC": 1, "AWAY": 0,
    "SETNAME": 0, "WALLOPS": 0, "KILL": 1, "ERROR": 0, "FAIL": -1, "WARN": -1, "NOTE": -1,
    "REDACT": 2, "RENAME": 2,
    "NICK": 0,  # not text, but ii shows a new nick only from after ':' (InspIRCd sends it so)
}  # fmt: skip
FREE_TEXT = frozenset(TEXT_AT) - {"NICK"}  # what may be cut to fit a line


class ProtocolError(Exception):
    """What the peer sent cannot be read as an IRC message."""


@dataclass(frozen=True, slots=True)
class Message:
    """One IRC line, without its CRLF; `command` is upper case for words."""

    command: str
    params: tuple[str, ...] = ()
    source: str | None = None
    tags: dict[str, str] = field(default_factory=dict, compare=True, hash=False)

    @classmethod
    def of(cls, command: str, *params: str, source: str | None = None) -> Message:
        """A message from positional parameters (the form handlers write)."""
        return cls(command, params, source)


_TAG_UNESCAPES = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_TAG_ESCAPES = str.maketrans({";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"})


def unescape_tag_value(raw: str) -> str:
    """IRCv3 message-tags: unknown escapes drop the backslash, a lone one at the end goes."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\":
            if i + 1 < n:
                nxt = raw[i + 1]
                out.append(_TAG_UNESCAPES.get(nxt, nxt))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def escape_tag_value(value: str) -> str:
    """The inverse of unescape_tag_value."""
    return value.translate(_TAG_ESCAPES)


def _parse_tags(raw: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for item in raw.split(";"):
        if not item:
            continue
        key, _, value = item.partition("=")
        if key:
            tags[key] = unescape_tag_value(value)
    return tags


def decode(line: bytes) -> str:
    """UTF-8, leniently: invalid sequences become U+FFFD rather than errors."""
    return line.decode("utf-8", "replace")


def parse(line: bytes | str) -> Message:
    """Parse one line (CRLF optional). Raises ProtocolError, and nothing else."""
    text = decode(line) if isinstance(line, bytes) else line
    text = text.rstrip("\r\n")
    if "\x00" in text or "\r" in text or "\n" in text:
        raise ProtocolError("NUL, CR or LF inside a message")
    if text and text[0] not in "@: ":  # the usual line: no tags, no source, single spaces
        head, colon, trailing = text.partition(" :")
        if "  " not in head and head[-1] != " ":
            words = head.split(" ")
            if colon:
                words.append(trailing)
            return Message(words[0].upper(), tuple(words[1:]), None, {})
    tags: dict[str, str] = {}
    pos = 0
    n = len(text)
    if text.startswith("@"):
        end = text.find(" ")
        if end < 0:
            raise ProtocolError("tags without a command")
        tags = _parse_tags(text[1:end])
        pos = end
    while pos < n and text[pos] == " ":
        pos += 1
    source = None
    if pos < n and text[pos] == ":":
        end = text.find(" ", pos)
        if end < 0:
            raise ProtocolError("source without a command")
        source = text[pos + 1 : end]
        pos = end
    while pos < n and text[pos] == " ":
        pos += 1
    if pos >= n:
        raise ProtocolError("no command")
    end = text.find(" ", pos)
    if end < 0:
        return Message(text[pos:].upper(), (), source, tags)
    command = text[pos:end].upper()
    params: list[str] = []
    pos = end
    while pos < n:
        while pos < n and text[pos] == " ":
            pos += 1
        if pos >= n:
            break
        if text[pos] == ":":
            params.append(text[pos + 1 :])
            break
        end = text.find(" ", pos)
        if end < 0:
            params.append(text[pos:])
            break
        params.append(text[pos:end])
        pos = end
    return Message(command, tuple(params), source, tags)


def encode(msg: Message) -> bytes:
    """The wire form of `msg`, CRLF included."""
    line = encode_parts(msg.source, msg.command, msg.params)
    if msg.tags:
        tags = ";".join(k if v == "" else f"{k}={escape_tag_value(v)}" for k, v in msg.tags.items())
        return f"@{tags} ".encode("utf-8", "replace") + line
    return line


def encode_parts(
    source: str | None, command: str, params: tuple[str, ...], text: bool = False
) -> bytes:
    """`encode(Message(command, params, source))`, without making the Message.

    Replies are built this way: a frozen dataclass costs more to make than its line.
    Spaces are checked part by part; CR, LF and NUL once, on the whole line (the
    hot path encodes a line for every broadcast and reply). The last parameter
    gets its ':' when it needs one, and always when it is free text (TEXT_AT, or
    `text` for a numeric's text). ValueError if the line cannot be put on the wire.
    """
    if not command or " " in command:
        raise ValueError(f"bad command {command!r}")
    if params:
        last = params[-1]
        at = TEXT_AT.get(command)
        if (
            text
            or (at is not None and (at < 0 or at == len(params) - 1))
            or not last
            or " " in last
            or last[0] == ":"
        ):
            last = ":" + last
        if len(params) > 1:
            middle = params[:-1]
            for p in middle:
                if not p or " " in p or p[0] == ":":
                    raise ValueError(f"bad middle parameter {p!r}")
            line = f"{command} {' '.join(middle)} {last}"
        else:
            line = f"{command} {last}"
    else:
        line = command
    if source:
        if " " in source:
            raise ValueError(f"bad source {source!r}")
        line = f":{source} {line}"
    if "\r" in line or "\n" in line or "\x00" in line:
        raise ValueError(f"CR, LF or NUL in {line!r}")
    data = (line + "\r\n").encode("utf-8", "replace")
    if len(data) > MAX_LINE and params and (command in FREE_TEXT or command.isdigit()):
        return _fit(data, params[-1])
    return data


def _fit(data: bytes, text: str) -> bytes:
    """`data` cut to MAX_LINE bytes within its last parameter `text`, between characters.

    A line that comes in may be 512 bytes; relayed with its sender's prefix in
    front (or replayed with its date) it would be longer than a client has to
    accept. Only free text is cut, never a name: a line whose text cannot give
    enough room is left as it is.
    """
    start = len(data) - 2 - len(text.encode("utf-8", "replace"))
    end = MAX_LINE - 2
    while end > start and data[end] & 0xC0 == 0x80:  # inside a UTF-8 sequence: back off
        end -= 1
    if end <= start:
        return data
    return data[:end] + b"\r\n"


def encode_reply(
    source: str | None, command: str, params: tuple[str, ...], text: bool = False
) -> bytes:
    """A numeric reply, total whatever it echoes, and at most MAX_LINE bytes.

    Replies echo what the client sent (a nick, a channel, a subcommand). An echoed
    middle parameter that is empty, has a space or starts with ':' (the client sent
    it as a trailing one) is cut to its first word, or `*`; then the longest
    parameters are cut short, on a character boundary, until the line fits.
    """
    try:
        line = encode_parts(source, command, params, text)
    except ValueError:
        params = (*map(_middle, params[:-1]), params[-1]) if params else params
        line = encode_parts(source, command, params, text)
    if len(line) <= MAX_LINE:
        return line
    parts = list(params)
    while len(line) > MAX_LINE and parts:
        sizes = [len(p.encode("utf-8", "replace")) for p in parts]
        longest = max(range(len(parts)), key=sizes.__getitem__)
        cut = min(len(line) - MAX_LINE, sizes[longest] - 1)
        if cut <= 0:
            break  # only one-byte parameters left: nothing to shorten
        kept = parts[longest].encode("utf-8", "replace")[:-cut]
        parts[longest] = kept.decode("utf-8", "ignore") or "*"  # a split character goes
        line = encode_parts(source, command, tuple(parts), text)
    return line


def _middle(param: str) -> str:
    """`param` as a middle parameter: its first word without leading colons, or `*`."""
    word = param.lstrip(": ").split(" ", 1)[0]
    return word or "*"
