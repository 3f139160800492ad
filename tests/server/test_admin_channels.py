"""The console's channel tools through the admin API, without a window: modes set from
the server, a channel closed, a ChanServ registration seen and dropped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_admin import TIMEOUT, Running

from parley.server.admin import AdminError
from parley.server.admin.channels import Modes, parse_limit
from parley.server.admin.views import ChannelRow
from support.accounts import logged_in
from support.client import IrcClient

PASSWORD = "wonderland1"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    server = Running(tmp_path)
    yield server
    server.stop()


def rows(running: Running) -> dict[str, ChannelRow]:
    return {c.name: c for c in running.admin.channels().result(TIMEOUT)}


def chanserv(client: IrcClient, line: str) -> list[str]:
    client.send(f"PRIVMSG ChanServ :{line}")
    return [m.params[1] for m in client.sync()
            if m.command == "NOTICE" and (m.source or "").startswith("ChanServ!")]  # fmt: skip


def test_modes_are_set_and_unset_as_the_server(running: Running) -> None:
    alice = running.client("alice")
    bob = running.client("bob")
    admin = running.admin
    done = admin.set_modes("#LOBBY", Modes("imnst", "sesame", 5)).result(TIMEOUT)
    assert done == "Modes of #lobby set"
    mode = bob.expect("MODE")
    assert mode.source == "test.parley"
    assert mode.params == ("#lobby", "+imskl", "sesame", "5")
    assert alice.expect("MODE").params == mode.params
    row = rows(running)["#lobby"]
    assert (row.flags, row.key, row.limit) == ("imnst", "sesame", 5)
    assert row.modes == "+imnstkl * 5"  # the key is not in the table's summary
    assert "already" in admin.set_modes("#lobby", Modes("imnst", "sesame", 5)).result(TIMEOUT)

    admin.set_modes("#lobby", Modes("Cnt", None, None)).result(TIMEOUT)
    assert bob.expect("MODE").params == ("#lobby", "-ims+C-kl", "*")
    row = rows(running)["#lobby"]
    assert (row.flags, row.key, row.limit) == ("Cnt", None, None)
    bob.send("MODE #lobby")
    assert bob.expect("324").params[1:] == ("#lobby", "+Cnt")


@pytest.mark.parametrize(
    ("modes", "why"),
    [
        (Modes("nt", "two words", None), "A key is one word"),
        (Modes("nt", "", None), "A key is one word"),
        (Modes("nt", "a,b", None), "A key is one word"),
        (Modes("nt", ":x", None), "A key is one word"),
        (Modes("nt", "k" * 24, None), "A key is one word"),
        (Modes("ntz", None, None), "Unknown channel modes: z"),
        (Modes("ov", None, None), "Unknown channel modes: ov"),
        (Modes("nt", None, 0), "above 0"),
    ],
)
def test_bad_modes_are_refused_and_nothing_changes(
    running: Running, modes: Modes, why: str
) -> None:
    bob = running.client("bob")
    with pytest.raises(AdminError, match=why):
        running.admin.set_modes("#lobby", modes).result(TIMEOUT)
    assert rows(running)["#lobby"].modes == "+nt"
    assert not [m for m in bob.sync() if m.command == "MODE"]


def test_the_limit_field_takes_a_whole_number_or_blank() -> None:
    assert parse_limit(" ") is None and parse_limit("12") == 12
    for bad in ("0", "-3", "1.5", "ten", "٣", "9" * 40):
        with pytest.raises(ValueError, match="Limit"):
            parse_limit(bad)


def test_modes_and_closing_a_channel_nobody_is_in_are_refused(running: Running) -> None:
    with pytest.raises(AdminError, match="Nobody is in #nowhere"):
        running.admin.set_modes("#nowhere", Modes("nt", None, None)).result(TIMEOUT)
    with pytest.raises(AdminError, match="Nobody is in #nowhere"):
        running.admin.close_channel("#nowhere", "bye").result(TIMEOUT)
    with pytest.raises(AdminError, match="#nowhere is not registered"):
        running.admin.drop_registration("#nowhere").result(TIMEOUT)


def test_closing_kicks_everyone_as_the_server_and_the_channel_is_gone(running: Running) -> None:
    alice = running.client("alice")
    bob = running.client("bob")
    for client in (alice, bob):
        client.send("JOIN #tea")
        client.expect("366")
    done = running.admin.close_channel("#tea", "tea time is over").result(TIMEOUT)
    assert done == "Closed #tea: 2 members removed"
    kicks = [m for m in bob.collect_until_match(lambda m: m.command == "KICK" and
             m.params[1] == "bob") if m.command == "KICK"]  # fmt: skip
    assert {k.source for k in kicks} == {"test.parley"}
    assert {k.params for k in kicks} == {("#tea", n, "tea time is over") for n in ("alice", "bob")}
    assert "#tea" not in rows(running) and "#lobby" in rows(running)
    alice.send("JOIN #tea")  # anyone may make it anew; the first one is its operator
    names = alice.collect_until("366")
    assert any("@alice" in m.params[-1].split() for m in names if m.command == "353")
    running.admin.close_channel("#tea", "").result(TIMEOUT)
    assert alice.expect("KICK").params == ("#tea", "alice", "Channel closed")


def test_a_registration_is_shown_outlives_closing_and_is_dropped(running: Running) -> None:
    admin = running.admin
    admin.create_account("ada", PASSWORD).result(TIMEOUT)
    ada = logged_in(running.port, "ada", "ada", PASSWORD)
    ada.send("JOIN #club")
    ada.expect(lambda m: m.command == "366" and m.params[1] == "#club")
    assert "registered to your account" in chanserv(ada, "REGISTER #club")[0]
    assert rows(running)["#club"].founder == "ada" and rows(running)["#lobby"].founder is None
    admin.set_modes("#club", Modes("imnt", None, None)).result(TIMEOUT)  # kept by ChanServ

    done = admin.close_channel("#club", "cleaning").result(TIMEOUT)
    assert done == "Closed #club: 1 member removed (its registration stays)"
    assert ada.expect("KICK").params == ("#club", "ada", "cleaning")
    empty = rows(running)["#club"]  # listed though empty: as it comes back
    assert (empty.members, empty.founder, empty.flags) == (0, "ada", "imnt")
    with pytest.raises(AdminError, match="Nobody is in #club"):
        admin.set_modes("#club", Modes("nt", None, None)).result(TIMEOUT)

    assert admin.drop_registration("#CLUB").result(TIMEOUT) == "#club is no longer registered"
    assert "#club" not in rows(running)
    assert "not registered" in chanserv(ada, "INFO #club")[0]
    with pytest.raises(AdminError, match="not registered"):
        admin.drop_registration("#club").result(TIMEOUT)
