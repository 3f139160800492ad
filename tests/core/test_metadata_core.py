"""IRCv3 metadata in the core: an account's key that cannot be saved is not set."""

from __future__ import annotations

from core.fake import Harness
from parley.server.passwords import credentials
from parley.server.store.metadata import MemoryMetadataStore
from parley.server.store.schema import StoreError


class FullDisk(MemoryMetadataStore):
    """A store that reads, but whose writes fail as on a full disk."""

    def save(self, account: str, changes: dict[str, str | None]) -> None:
        raise StoreError(f"the metadata of {account} could not be saved: disk full")


def test_a_key_that_cannot_be_saved_is_refused_and_nothing_changes() -> None:
    harness = Harness()
    harness.server.accounts.create("dora", *credentials("explorer-map"))
    session, conn = harness.user("dora")
    harness.say(session, "CAP REQ :draft/metadata-3", "PRIVMSG NickServ :IDENTIFY explorer-map")
    harness.say(session, "METADATA * SET status :on the map")
    assert [m.command for m in conn.take()][-1] == "761"
    harness.server.metadata = FullDisk()
    harness.say(session, "METADATA * SET status :lost", "METADATA * SET status")
    fails = [m.params[:4] for m in conn.take()]
    assert fails == [("METADATA", "TEMPORARILY_UNAVAILABLE", "dora", "status")] * 2
    harness.say(session, "METADATA * GET status")
    assert [m.params[-1] for m in conn.take() if m.command == "761"] == ["on the map"]


def test_a_guest_keeps_keys_in_memory_only() -> None:
    harness = Harness()
    session, conn = harness.user("guest")
    harness.server.metadata = FullDisk()  # never asked
    harness.say(session, "METADATA * SET status :here")
    assert [m.command for m in conn.take()] == ["761"]


def test_joining_a_large_channel_brings_every_members_keys_as_read() -> None:
    harness = Harness(lobby=None)
    for i in range(60):
        session, _ = harness.user(f"m{i}", "#big")
        harness.say(session, f"METADATA * SET display-name :Member {i}")
    joiner, conn = harness.user("joiner")
    harness.say(joiner, "CAP REQ :draft/metadata-3 batch", "METADATA * SUB display-name")
    conn.take()
    harness.say(joiner, "JOIN #big")
    while joiner.pending is not None:  # the rest of a streamed reply, as the net layer pulls it
        conn.send(joiner.pull(4096))
    lines = conn.take()
    keyed = [m for m in lines if m.command == "761"]
    assert sorted(m.params[1] for m in keyed) == sorted(f"m{i}" for i in range(60))
    ref = next(m.params[0][1:] for m in lines if m.command == "BATCH")
    assert all(m.tags == {"batch": ref} for m in keyed)
