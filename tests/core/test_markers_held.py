"""Read markers when the store fails, and what the core holds of them over time."""

from __future__ import annotations

import logging

import pytest

from core.fake import FakeConnection, Harness
from parley.irc.message import Message
from parley.server.core.markers import GUEST_TARGETS, ReadMarkers
from parley.server.core.session import Session
from parley.server.store.markers import Changes, MemoryReadMarkers
from parley.server.store.schema import StoreError

TS = "2019-01-04T14:33:26.123Z"
CAP = "draft/read-marker"


class FlakyStore(MemoryReadMarkers):
    """Memory markers whose reads or saves fail while told to; it counts reads."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.failing_reads = False
        self.failing_saves = False

    def markers(self, account: str) -> dict[str, int]:
        self.reads += 1
        if self.failing_reads:
            raise StoreError("the read markers could not be read: disk I/O error")
        return super().markers(account)

    def save_markers(self, changes: Changes) -> None:
        if self.failing_saves:
            raise StoreError("read markers could not be saved: database or disk is full")
        super().save_markers(changes)


def setup() -> tuple[Harness, FlakyStore]:
    h = Harness()
    store = FlakyStore()
    h.server.markers = ReadMarkers(store)
    return h, store


def alice(h: Harness) -> tuple[Session, FakeConnection]:
    """alice, logged into her new account, with read markers."""
    session, conn = h.connect()
    h.say(session, f"CAP REQ {CAP}", "NICK alice", "USER a 0 * :a", "CAP END")
    h.say(session, "PRIVMSG NickServ :REGISTER wonderland1")
    assert session.client is not None and session.client.account == "alice"
    conn.take()
    return session, conn


def answers(conn: FakeConnection) -> list[Message]:
    return [m for m in conn.take() if m.command in ("MARKREAD", "FAIL")]


def test_a_failing_disk_keeps_markers_in_memory_and_saves_them_when_it_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    h, store = setup()
    session, conn = alice(h)
    store.failing_saves = True
    h.say(session, f"MARKREAD #tea timestamp={TS}")
    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            h.server.sweep()
    assert [r.message for r in caplog.records].count(
        "read markers not saved (tried again each second): read markers could not be saved:"
        " database or disk is full"
    ) == 1  # said once, not every second
    h.say(session, "MARKREAD #tea")
    assert answers(conn)[-1].params == ("#tea", f"timestamp={TS}")
    store.failing_saves = False
    h.server.sweep()
    assert store.markers("alice") == {"#tea": 1546612406123}


def test_an_unreadable_store_gets_internal_error_and_join_still_completes() -> None:
    h, store = setup()
    session, conn = alice(h)
    h.say(session, "QUIT")
    h.server.sweep()  # alice is gone: her markers are let go
    again, conn = h.connect()
    store.failing_reads = True
    h.say(again, f"CAP REQ {CAP}", "NICK alice", "USER a 0 * :a", "CAP END")
    h.say(again, "PRIVMSG NickServ :IDENTIFY wonderland1")
    conn.take()
    h.say(again, f"MARKREAD #tea timestamp={TS}")
    fail = answers(conn)[0]
    assert fail.command == "FAIL" and fail.params[:3] == ("MARKREAD", "INTERNAL_ERROR", "#tea")
    h.say(again, "JOIN #tea")
    sent = conn.take()
    assert [m.command for m in sent if m.command in ("JOIN", "FAIL", "366")] == [
        "JOIN",
        "FAIL",
        "366",
    ]
    store.failing_reads = False
    h.say(again, f"MARKREAD #tea timestamp={TS}")
    assert answers(conn)[0].params == ("#tea", f"timestamp={TS}")


def test_markers_are_read_once_while_online_and_let_go_after() -> None:
    h, store = setup()
    session, conn = alice(h)
    for n in range(5):
        h.say(session, f"MARKREAD #tea timestamp=2020-01-0{n + 1}T00:00:00.000Z")
    assert store.reads == 1
    h.say(session, "QUIT")
    h.server.sweep()  # saved, then let go
    assert store.markers("alice") == {"#tea": 1578182400000}
    reads = store.reads
    again, conn = h.connect()
    h.say(again, f"CAP REQ {CAP}", "NICK alice", "USER a 0 * :a", "CAP END")
    h.say(again, "PRIVMSG NickServ :IDENTIFY wonderland1", "MARKREAD #tea")
    assert answers(conn)[-1].params == ("#tea", "timestamp=2020-01-05T00:00:00.000Z")
    assert store.reads == reads + 1  # read again from the store


def test_a_dropped_account_leaves_no_markers_in_memory_or_store() -> None:
    h, store = setup()
    session, conn = alice(h)
    h.say(session, f"MARKREAD #tea timestamp={TS}")
    h.server.sweep()
    h.say(session, "PRIVMSG NickServ :DROP wonderland1")
    h.server.sweep()
    assert store.markers("alice") == {}
    assert session.client is not None and session.client.account is None
    h.say(session, "MARKREAD #tea")  # a guest now, with a guest's markers
    assert answers(conn)[-1].params == ("#tea", "*")


def test_a_guest_keeps_at_most_a_hundred_markers_in_memory() -> None:
    h = Harness()  # read_marker_targets: 1000, for accounts
    session, conn = h.user("guest")
    for n in range(GUEST_TARGETS + 50):
        h.say(session, f"MARKREAD #c{n} timestamp=2020-01-01T00:00:{n % 60:02d}.{n:03d}Z")
    assert session.client is not None and session.client.read_markers is not None
    assert len(session.client.read_markers) == GUEST_TARGETS
    assert [m.command for m in conn.take()].count("MARKREAD") == GUEST_TARGETS + 50
