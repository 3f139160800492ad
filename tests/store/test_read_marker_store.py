"""Read markers on disk: forward only, and gone with their account."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.server.store.accounts import DB_NAME, SqliteAccountStore
from parley.server.store.markers import MemoryReadMarkers, ReadMarkerStore, SqliteReadMarkers


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ReadMarkerStore:
    if request.param == "memory":
        return MemoryReadMarkers()
    accounts = SqliteAccountStore(tmp_path / DB_NAME)
    accounts.create("Alice", "$argon2id$x")
    accounts.close()
    return SqliteReadMarkers(tmp_path / DB_NAME)


def test_a_marker_saved_never_moves_back(store: ReadMarkerStore) -> None:
    store.save_markers({("alice", "#tea"): 2000, ("alice", "bob"): 5})
    store.save_markers({("alice", "#tea"): 1000})  # an older one, from a slower session
    assert store.markers("alice") == {"#tea": 2000, "bob": 5}
    store.save_markers({("alice", "bob"): None})
    assert store.markers("alice") == {"#tea": 2000}
    assert store.markers("nobody") == {}


def test_deleting_the_account_deletes_its_markers_and_late_saves_are_dropped(
    tmp_path: Path,
) -> None:
    accounts = SqliteAccountStore(tmp_path / DB_NAME)
    accounts.create("Alice", "$argon2id$x")
    markers = SqliteReadMarkers(tmp_path / DB_NAME)
    markers.save_markers({("alice", "#tea"): 2000})
    assert accounts.delete("alice")
    assert markers.markers("alice") == {}
    markers.save_markers({("alice", "#tea"): 3000})  # on its way when the account went
    accounts.create("alice", "$argon2id$y")  # the name's next owner inherits nothing
    assert markers.markers("alice") == {}
    markers.close()
    accounts.close()
