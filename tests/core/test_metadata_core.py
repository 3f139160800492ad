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
