"""Searching history: what a search asks for, and who may find what.

A search's words become an SQLite FTS5 query built here, never taken from the
user: each word is quoted as an FTS5 string of its letters and digits, so that
quotes, `*`, `NEAR(`, `col:` and the like are only ever text to look for. Each
word must begin a word of the line (`deploy` finds "deployment"), case and
accents aside. Who may find a line is decided as for CHATHISTORY
(docs/privacy.md): the channels the searcher is in now, under their rule, and
the searcher's own side of private conversations, by account or connection.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from parley.irc.casemap import fold
from parley.server.store.history import HistoryItem, Reader, Window

# A word, as FTS5's unicode61 tokenizer takes it: letters, digits (and marks).
_WORD = re.compile(r"[^\W_]+")


class BadQuery(ValueError):
    """A search that cannot be run as asked; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A checked search: words (each a tuple of tokens), where, by whom, when, how many."""

    words: tuple[tuple[str, ...], ...] = ()
    target: str | None = None  # folded channel or nick (`in`)
    sender: str | None = None  # folded nick (`from`)
    after: float = 0.0
    before: float = 1e12
    limit: int = 50
    oldest: bool = False  # counted from `after` (the spec: when it is given)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one searcher may read: the channels they are in now (folded), and as a
    Reader their identity and stays (those of every channel, told by incarnation)."""

    channels: tuple[str, ...]
    reader: Reader


def words_of(text: str, max_terms: int, max_length: int) -> tuple[tuple[str, ...], ...]:
    """The words of a search, each split into the tokens FTS5 sees; BadQuery if the text
    is too long, has too many words, or has nothing to look for. Counted before any work."""
    if len(text) > max_length:
        raise BadQuery(f"The search is too long (at most {max_length} characters)")
    pieces = text.split()
    if len(pieces) > max_terms:
        raise BadQuery(f"Too many words (at most {max_terms})")
    words = []
    for piece in pieces:
        tokens = tuple(_tokens(piece))
        if tokens:
            words.append(tokens)
    if pieces and not words:
        raise BadQuery("Nothing to search for: give words with letters or digits")
    return tuple(words)


def _tokens(text: str) -> list[str]:
    """Lower-case tokens without accents, as unicode61 with remove_diacritics makes them."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return [t.casefold() for t in _WORD.findall(plain)]


def match_expression(words: tuple[tuple[str, ...], ...]) -> str:
    """The FTS5 query: every word, each a quoted phrase of its tokens, as a prefix.

    Tokens hold letters and digits only; quotes are doubled all the same, so nothing
    the user typed can leave its string."""
    return " AND ".join('"' + " ".join(w).replace('"', '""') + '"*' for w in words)


def text_matches(text: str, words: tuple[tuple[str, ...], ...]) -> bool:
    """Whether `text` holds every word (FTS5's rule, for lines not yet on the disk)."""
    if not words:
        return True
    tokens = _tokens(text)
    return all(_phrase_at(tokens, word) for word in words)


def _phrase_at(tokens: list[str], word: tuple[str, ...]) -> bool:
    n = len(word)
    for i in range(len(tokens) - n + 1):
        if tokens[i : i + n - 1] == list(word[:-1]) and tokens[i + n - 1].startswith(word[-1]):
            return True
    return False


def may_find(scope: Scope, item: HistoryItem, saved: tuple[Window, ...] = ()) -> bool:
    """Whether the searcher may find `item` (a message, not an event): a line of a
    channel they are in now that CHATHISTORY would show them, or their own side of a
    private conversation (by account, or this connection's lines before any login)."""
    if not item.message:
        return False
    reader = scope.reader
    if " " not in item.conversation:
        if item.conversation not in scope.channels:
            return False
        return reader.may_read(item) or (
            reader.account is not None
            and any(
                w.account == reader.account
                and w.incarnation == item.incarnation
                and w.joined < item.time <= w.left
                for w in saved
            )
        )
    if item.incarnation is not None:
        return False
    mine = {reader.account, reader.uid} - {None}
    sent = item.account if item.account is not None else item.sender_uid
    got = item.recipient_account if item.recipient_account is not None else item.recipient_uid
    return sent in mine or got in mine


def selected(query: SearchQuery, item: HistoryItem) -> bool:
    """Whether `item` matches the query's words, place, sender and times."""
    if not query.after <= item.time <= query.before:
        return False
    if query.sender is not None and item.sender != query.sender:
        return False
    if query.target is not None:
        if " " in item.conversation:
            if query.target not in (item.sender, fold(item.target)):
                return False
        elif item.conversation != query.target:
            return False
    return text_matches(item.text, query.words)
