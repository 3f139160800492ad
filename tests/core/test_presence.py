"""Persistent sessions in the core: where logged-in users are is saved as it changes."""

from __future__ import annotations

from core.fake import Harness
from parley.server.passwords import credentials


def test_channel_changes_of_a_logged_in_user_are_saved_at_the_next_sweep() -> None:
    harness = Harness()
    harness.server.accounts.create("dora", *credentials("explorer-map"))
    session, _ = harness.user("dora")
    harness.say(session, "PRIVMSG NickServ :IDENTIFY explorer-map", "JOIN #map,#backpack")
    harness.server.sweep()
    saved = harness.server.accounts.presence("dora")
    assert saved is not None and {"#map", "#backpack"} <= set(saved.channels)
    harness.say(session, "PART #map")
    harness.server.sweep()
    saved = harness.server.accounts.presence("dora")
    assert saved is not None and "#map" not in saved.channels
