"""The search query builder: what users and attackers type becomes a safe FTS5 query.

Each query is also run against a real FTS5 table, so that "safe" means SQLite takes
it and finds what it should, never a syntax error or a column filter.
"""

from __future__ import annotations

import sqlite3

import pytest

from parley.server.store.search import BadQuery, match_expression, text_matches, words_of

LINES = (
    "hello world",
    "Deployment on Friday",
    'she said "NEAR(x y)" and left',
    "col:secret stays text",
    "Crème brûlée à Zürich",
    "日本語 テキスト",
    "don't panic",
    "a*b and c",
)


@pytest.fixture
def fts() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61 remove_diacritics 2')")
    db.executemany("INSERT INTO t (text) VALUES (?)", [(line,) for line in LINES])
    return db


def found(db: sqlite3.Connection, text: str) -> list[str]:
    """The lines the built query finds, and checks that the Python rule agrees."""
    words = words_of(text, 8, 300)
    rows = db.execute("SELECT text FROM t WHERE t MATCH ?", (match_expression(words),))
    lines = sorted(str(r[0]) for r in rows)
    assert lines == sorted(line for line in LINES if text_matches(line, words))
    return lines


def test_one_word_finds_the_words_it_begins(fts: sqlite3.Connection) -> None:
    assert found(fts, "hello") == ["hello world"]
    assert found(fts, "deploy") == ["Deployment on Friday"]
    assert found(fts, "FRIDAY") == ["Deployment on Friday"]  # any case


def test_every_word_must_be_there(fts: sqlite3.Connection) -> None:
    assert found(fts, "hello world") == ["hello world"]
    assert found(fts, "hello friday") == []


@pytest.mark.parametrize(
    "hostile",
    ['"', '""', '" OR 1', 'hello"', "NEAR(x y)", "NEAR(", "*", "a*", "col:secret",
     "text:hello", "hello OR world", "NOT hello", "AND", "^hello", "(hello", "-hello",
     "+", "{text}: hello", "hello)", "'", "\\", "%", "_"],
)  # fmt: skip
def test_fts_syntax_is_only_text(fts: sqlite3.Connection, hostile: str) -> None:
    try:
        words = words_of(hostile, 8, 300)
    except BadQuery:
        return  # nothing to search for: said so, never run
    expression = match_expression(words)
    fts.execute("SELECT text FROM t WHERE t MATCH ?", (expression,)).fetchall()  # no error
    found(fts, hostile)


def test_operators_are_searched_as_words(fts: sqlite3.Connection) -> None:
    assert found(fts, "NEAR(x") == ['she said "NEAR(x y)" and left']
    assert found(fts, "col:secret") == ["col:secret stays text"]
    assert found(fts, "hello OR world") == []  # OR is a word to find, not an operator
    assert found(fts, '"said') == ['she said "NEAR(x y)" and left']


def test_non_ascii_and_accents(fts: sqlite3.Connection) -> None:
    assert found(fts, "creme brulee") == ["Crème brûlée à Zürich"]
    assert found(fts, "ZÜRICH") == ["Crème brûlée à Zürich"]
    assert found(fts, "日本語") == ["日本語 テキスト"]


def test_a_word_with_punctuation_is_a_phrase(fts: sqlite3.Connection) -> None:
    assert found(fts, "don't") == ["don't panic"]
    assert found(fts, "a*b") == ["a*b and c"]


def test_nothing_to_search_for_is_refused() -> None:
    for text in ('"', "* * *", "(((", "--"):
        with pytest.raises(BadQuery, match="Nothing to search for"):
            words_of(text, 8, 300)
    assert words_of("", 8, 300) == ()  # no text at all: a search by place or nick only
    assert words_of("   ", 8, 300) == ()


def test_size_is_counted_before_anything_else() -> None:
    with pytest.raises(BadQuery, match="too long"):
        words_of("x" * 301, 8, 300)
    with pytest.raises(BadQuery, match="too long"):
        words_of("a " * 100_000, 8, 300)
    with pytest.raises(BadQuery, match="Too many words"):
        words_of("a b c d e f g h i", 8, 300)
    assert len(words_of("a b c d e f g h", 8, 300)) == 8


def test_quotes_cannot_leave_their_string() -> None:
    expression = match_expression(words_of('a"b "c', 8, 300))
    assert expression == '"a b"* AND "c"*'
    assert match_expression(((' " ',),)) == '" "" "*'  # (doubled, should one ever get there)
