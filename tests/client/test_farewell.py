"""The server's last words as the user reads them, and which ones wait for the user."""

from __future__ import annotations

from parley.client.farewell import farewell


def test_a_kill_is_final_and_names_the_operator() -> None:
    said = farewell("Closing link: (Killed (boss (stop spamming)))")
    assert said.final
    assert said.text == "An operator disconnected you: Killed (boss (stop spamming))"


def test_a_ban_is_final_whether_told_by_its_error_or_by_465_before_it() -> None:
    assert farewell("Banned (no bots)").final
    assert farewell("Closing link", banned=True).final


def test_a_shutdown_and_anything_else_are_retried() -> None:
    assert not farewell("Server shutting down").final
    assert "shutting down" in farewell("Server shutting down").text
    other = farewell("Ping timeout: 120 seconds")
    assert not other.final and other.text.endswith("Ping timeout: 120 seconds")


def test_an_empty_or_odd_error_still_reads() -> None:
    assert farewell("").text == "The server closed the connection: no reason given"
    assert farewell("()").text == "The server closed the connection: no reason given"
    assert not farewell("\x00\xff killed").final
