"""ChanServ: a registered channel keeps its founder, topic and modes across restarts."""

from __future__ import annotations

import signal
from pathlib import Path

from parley.irc.message import Message
from support.accounts import logged_in
from support.client import IrcClient
from support.servers import ProcessServer, run_cli

PASSWORD = "rabbit-hole"


def start(data_dir: Path) -> ProcessServer:
    return ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(data_dir), "--no-flood-limit", "--no-lobby"]
    )


def restart(server: ProcessServer, data_dir: Path) -> ProcessServer:
    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    return start(data_dir)


def accounts(data_dir: Path, *names: str) -> None:
    for name in names:
        assert run_cli(data_dir, "create-account", name, PASSWORD).returncode == 0


def chanserv(client: IrcClient, line: str) -> list[str]:
    """Send ChanServ a line; its NOTICEs in answer."""
    client.send(f"PRIVMSG ChanServ :{line}")
    return [m.params[1] for m in client.sync() if _from_chanserv(m)]


def _from_chanserv(m: Message) -> bool:
    return m.command == "NOTICE" and (m.source or "").startswith("ChanServ!")


def names_of(client: IrcClient, channel: str) -> set[str]:
    client.send(f"NAMES {channel}")
    found = client.collect_until("366")
    return {n for m in found if m.command == "353" for n in m.params[-1].split()}


def joined(client: IrcClient, channel: str) -> list[Message]:
    client.send(f"JOIN {channel}")
    return client.collect_until("366")


def test_a_registered_channel_keeps_topic_modes_and_founder_across_a_restart(
    tmp_path: Path,
) -> None:
    accounts(tmp_path, "alice", "mallory")
    server = start(tmp_path)
    try:
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        joined(alice, "#Tea")
        alice.send("TOPIC #Tea :Only the finest leaves")
        alice.send("MODE #Tea +mk-n secret")
        alice.send("MODE #Tea +b eve!*@*")
        alice.sync()
        said = chanserv(alice, "REGISTER #tea")
        assert said and "registered to your account alice" in said[0]
        alice.send("TOPIC #Tea :Only the finest leaves, and biscuits")  # saved as it changes
        alice.sync()
        server = restart(server, tmp_path)

        # A stranger (logged in, even) comes first: no op for coming first, the saved
        # topic, and the key is asked for.
        mallory = logged_in(server.port(), "mallory", "mallory", PASSWORD)
        mallory.send("JOIN #tea")
        assert mallory.expect(lambda m: m.command in ("475", "JOIN")).command == "475"
        burst = joined(mallory, "#tea secret")
        assert burst[0].command == "JOIN" and burst[0].params[0] == "#Tea"  # its saved name
        assert not [m for m in burst if m.command == "MODE"]
        topic = next(m for m in burst if m.command == "332")
        assert topic.params[-1] == "Only the finest leaves, and biscuits"
        assert names_of(mallory, "#tea") == {"mallory"}
        mallory.send("MODE #tea")
        modes = mallory.expect("324").params[2:]
        assert modes[0] == "+mtk" and modes[1] == "secret"
        mallory.send("MODE #tea +o mallory")
        assert mallory.expect("482")
        assert "no access" in chanserv(mallory, "OP #tea")[0]  # not by asking ChanServ either
        mallory.send("MODE #tea +b")
        bans = [m.params[2] for m in mallory.collect_until("368") if m.command == "367"]
        assert bans == ["eve!*@*"]

        # The founder joins after: made operator by ChanServ, and the others see it.
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        burst = joined(alice, "#tea secret")
        mode = next(m for m in burst if m.command == "MODE")
        assert mode.source is not None and mode.source.startswith("ChanServ!")
        assert mode.params == ("#Tea", "+o", "alice")
        assert "@alice" in names_of(alice, "#tea")
        seen = mallory.expect("MODE")
        assert seen.params == ("#Tea", "+o", "alice")
        eve = IrcClient(server.port())
        eve.register("eve", lobby=False)
        eve.send("JOIN #tea secret")
        assert eve.expect(lambda m: m.command in ("474", "JOIN")).command == "474"
    finally:
        server.stop()


def test_an_empty_registered_channel_still_has_its_topic_and_is_listed(tmp_path: Path) -> None:
    accounts(tmp_path, "alice")
    server = start(tmp_path)
    try:
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        joined(alice, "#tea")
        alice.send("TOPIC #tea :Kept while empty")
        chanserv(alice, "REGISTER #tea")
        joined(alice, "#hidden")
        alice.send("TOPIC #hidden :Nobody must read this")
        alice.send("MODE #hidden +s")
        chanserv(alice, "REGISTER #hidden")
        alice.send("PART #tea,#hidden")
        alice.sync()
        bob = IrcClient(server.port())
        bob.register("bob", lobby=False)
        bob.send("TOPIC #tea")
        assert bob.expect("332").params[-1] == "Kept while empty"
        bob.send("LIST")
        listed = [m.params[1:] for m in bob.collect_until("323") if m.command == "322"]
        assert listed == [("#tea", "0", "Kept while empty")]  # not the secret one
        bob.send("TOPIC #hidden")
        assert bob.expect(lambda m: m.command in ("332", "442")).command == "442"
        info = chanserv(bob, "INFO #hidden")
        assert "Founder: alice" in info and not [t for t in info if "Nobody" in t]
        assert [t for t in chanserv(alice, "INFO #hidden") if "Nobody" not in t]
        # The first to come back is not its operator.
        burst = joined(bob, "#tea")
        assert [m.params[-1] for m in burst if m.command == "353"] == ["bob"]
    finally:
        server.stop()


def test_access_list_ops_and_voices_by_account_and_only_the_founder_changes_it(
    tmp_path: Path,
) -> None:
    accounts(tmp_path, "alice", "bob", "carol")
    server = start(tmp_path)
    try:
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        joined(alice, "#tea")
        chanserv(alice, "REGISTER #tea")
        assert "now has op" in chanserv(alice, "ACCESS #tea ADD bob op")[0]
        assert "now has voice" in chanserv(alice, "ACCESS #tea ADD Carol voice")[0]
        assert "no account" in chanserv(alice, "ACCESS #tea ADD nobody op")[0].lower()
        assert "now has op" in chanserv(alice, "AMODE #tea +o bob")[0]  # as ergo writes it
        assert "op or voice" in chanserv(alice, "ACCESS #tea ADD bob owner")[0]
        listed = chanserv(alice, "ACCESS #tea LIST")
        assert listed[1:4] == ["alice founder", "bob op", "carol voice"]
        server = restart(server, tmp_path)
        carol = logged_in(server.port(), "carol", "carol", PASSWORD)
        burst = joined(carol, "#tea")
        assert [m.params for m in burst if m.command == "MODE"] == [("#tea", "+v", "carol")]
        assert "Only the founder" in chanserv(carol, "ACCESS #tea ADD carol op")[0]
        assert "no access" in chanserv(carol, "OP #tea")[0]
        # Logging in while in the channel gives op there.
        bob = IrcClient(server.port())
        bob.register("bobby", lobby=False)
        joined(bob, "#tea")
        bob.send("PRIVMSG NickServ :IDENTIFY bob rabbit-hole")
        mode = bob.expect("MODE")
        assert mode.params == ("#tea", "+o", "bobby")
        # An op by access may op others through ChanServ.
        chanserv(bob, "DEOP #tea carol")  # carol has no op: nothing to take
        bob.send("PRIVMSG ChanServ :OP #tea carol")
        assert carol.expect(lambda m: m.command == "MODE" and m.params[-1] == "carol")
        assert "no longer" in chanserv(carol, "ACCESS #tea DEL carol")[0]  # one's own entry
        assert "not on the access list" in chanserv(alice_again(server), "ACCESS #tea DEL zed")[0]
    finally:
        server.stop()


def alice_again(server: ProcessServer) -> IrcClient:
    return logged_in(server.port(), "alice", "alice", PASSWORD)


def test_refusals_say_why(tmp_path: Path) -> None:
    accounts(tmp_path, "alice", "bob")
    server = start(tmp_path)
    try:
        guest = IrcClient(server.port())
        guest.register("guest", lobby=False)
        joined(guest, "#guest")
        assert "Log in first" in chanserv(guest, "REGISTER #guest")[0]
        bob = logged_in(server.port(), "bob", "bob", PASSWORD)
        assert "Join #nowhere" in chanserv(bob, "REGISTER #nowhere")[0]
        joined(bob, "#guest")
        assert "must be an operator" in chanserv(bob, "REGISTER #guest")[0]
        assert "not registered" in chanserv(bob, "INFO #guest")[0]
        assert "not registered" in chanserv(bob, "DROP #nowhere")[0]
        assert "Usage" in chanserv(bob, "REGISTER")[0]
        assert "Unknown command" in chanserv(bob, "FROB #guest")[0]
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        joined(alice, "#tea")
        chanserv(alice, "REGISTER #tea")
        joined(bob, "#TEA")
        bob.send("MODE #tea +o bob")  # alice makes bob op; still not his to register
        alice.send("MODE #tea +o bob")
        bob.expect("MODE")
        assert "another account" in chanserv(bob, "REGISTER #TEA")[0]
        assert "Only the founder" in chanserv(bob, "DROP #tea")[0]
        assert "Only the founder" in chanserv(bob, "ACCESS #tea ADD bob op")[0]
        assert "Only the founder" in chanserv(bob, "ACCESS #tea LIST")[0]
        # The service's nick is nobody's.
        squatter = IrcClient(server.port())
        squatter.send("NICK ChanServ")
        assert squatter.expect("433")
        # One's own registration ends with DROP; then anyone may register it.
        assert "no longer registered" in chanserv(alice, "DROP #tea")[0]
        assert "not registered" in chanserv(alice, "INFO #tea")[0]
        assert "registered to your account bob" in chanserv(bob, "REGISTER #tea")[0]
    finally:
        server.stop()


def test_the_command_form_and_odd_names(tmp_path: Path) -> None:
    accounts(tmp_path, "alice")
    server = start(tmp_path)
    try:
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        joined(alice, "#Café[1]")
        alice.send("CS REGISTER #CAFé{1}")  # rfc1459: only ASCII letters and []\\~ fold
        said = [m.params[1] for m in alice.sync() if _from_chanserv(m)]
        assert "#Café[1] is registered" in said[0]
        alice.send("CHANSERV INFO #cAfé[1]")
        info = [m.params[1] for m in alice.sync() if _from_chanserv(m)]
        assert info[0] == "Information on #Café[1]:"
        assert len(chanserv(alice, "HELP")) > 3
        assert "not registered" in chanserv(alice, "INFO " + "#x" * 200)[0]
    finally:
        server.stop()


def test_an_always_on_founder_is_back_with_op_after_a_restart(tmp_path: Path) -> None:
    accounts(tmp_path, "alice")
    server = start(tmp_path)
    try:
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        joined(alice, "#tea")
        chanserv(alice, "REGISTER #tea")
        alice.send("PRIVMSG NickServ :SET ALWAYS-ON ON")
        alice.expect(lambda m: m.command == "NOTICE" and "stay online" in m.params[1])
        server = restart(server, tmp_path)
        bob = IrcClient(server.port())
        bob.register("bob", lobby=False)
        assert names_of(bob, "#tea") == {"@alice"}
    finally:
        server.stop()


def test_odd_and_hostile_lines_get_a_usage_line_or_nothing(tmp_path: Path) -> None:
    accounts(tmp_path, "alice")
    server = start(tmp_path)
    try:
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        joined(alice, "#tea")
        chanserv(alice, "REGISTER #tea")
        alice.send("CS")
        assert len([m for m in alice.sync() if _from_chanserv(m)]) > 3  # HELP
        alice.send("NOTICE ChanServ :REGISTER #tea")  # NOTICE is never answered
        assert not [m for m in alice.sync() if _from_chanserv(m)]
        for line, answer in (
            ("ACCESS #tea", "Usage"),
            ("ACCESS #tea ADD alice", "Usage"),
            ("ACCESS #tea FROB x y", "Usage"),
            ("AMODE #tea +q bob", "Usage"),
            ("OP #tea nobody-here", "not in #tea"),
            ("OP #tea alice extra words", "Usage"),
            ("DEOP", "Usage"),
            ("INFO #", "not registered"),
            ("REGISTER " + "#" * 400, "Join"),
            ("OP #tea alice", "has op in #tea already"),
        ):
            said = chanserv(alice, line)
            assert len(said) == 1 and answer in said[0], (line, said)
            assert len(said[0]) < 400
        alice.send(b"PRIVMSG ChanServ :INFO #t\xffea")  # not UTF-8: refused before ChanServ
        alice.sync()
        alice.send("PRIVMSG ChanServ,ChanServ,ChanServ :INFO #tea")  # one target at a time
        assert len([m for m in alice.sync() if _from_chanserv(m)]) >= 3
        assert "Founder: alice" in chanserv(alice, "info #TEA")  # commands in any case
    finally:
        server.stop()
