"""IRCv3 draft/read-marker: MARKREAD against a real server, as clients and attackers send it."""

from __future__ import annotations

import base64
import calendar
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from parley.irc.message import Message
from parley.server.store.accounts import DB_NAME
from parley.server.store.markers import SqliteReadMarkers
from support import accounts
from support.client import IrcClient
from support.privacy import make_channel, register_account
from support.servers import ProcessServer, ThreadServer, run_cli
from support.waiting import wait_until

CAP = "draft/read-marker"
CAPS = (CAP, "server-time", "labeled-response", "batch")
PASSWORD = "looking-glass"
TS = "2019-01-04T14:33:26.123Z"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False, "read_marker_targets": 3})


def guest(server: ThreadServer, nick: str, caps: tuple[str, ...] = CAPS) -> IrcClient:
    client = IrcClient(server.port)
    client.register(nick, caps=caps, lobby=False)
    return client


def logged_in(port: int, nick: str, account: str, caps: tuple[str, ...] = CAPS) -> IrcClient:
    """A client that logs into `account` with SASL PLAIN before registering."""
    return accounts.logged_in(port, nick, account, PASSWORD, caps)


def markread(client: IrcClient, *params: str) -> Message:
    """Send MARKREAD; its answer (MARKREAD or FAIL)."""
    client.send(" ".join(("MARKREAD", *params)))
    return client.expect(lambda m: m.command in ("MARKREAD", "FAIL"))


def markreads(messages: list[Message]) -> list[tuple[str, ...]]:
    return [m.params for m in messages if m.command == "MARKREAD"]


def test_a_guest_sets_and_reads_its_marker_which_only_moves_forward(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    assert markread(alice, "#tea").params == ("#tea", "*")
    assert markread(alice, "#tea", f"timestamp={TS}").params == ("#tea", f"timestamp={TS}")
    assert markread(alice, "#tea").params == ("#tea", f"timestamp={TS}")
    older = markread(alice, "#TEA", "timestamp=2018-01-01T00:00:00.000Z")
    assert older.params == ("#TEA", f"timestamp={TS}")  # the stored one, same target folded
    same = markread(alice, "#tea", f"timestamp={TS}")
    assert same.params == ("#tea", f"timestamp={TS}")
    assert "time" in same.tags  # server-time, as every line to a session that asked


def test_a_marker_in_the_future_is_taken_as_now(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    before = time.time()
    answer = markread(alice, "bob", "timestamp=9999-12-31T23:59:59.999Z")
    at = answer.params[1].removeprefix("timestamp=")
    stamp = calendar.timegm(time.strptime(at[:19], "%Y-%m-%dT%H:%M:%S"))
    assert before - 2 <= stamp <= time.time() + 2
    # and a later real marker still moves it on
    assert markread(alice, "bob", "timestamp=2000-01-01T00:00:00Z").params[1] == answer.params[1]


@pytest.mark.parametrize(
    "given",
    [
        "*",
        "not-a-timestamp",
        "timestamp=",
        "timestamp=*",
        "timestamp=2019-01-04T14:33:26.123",  # no Z
        "timestamp=2019-01-04 14:33:26.123Z",
        "timestamp=2019-13-04T14:33:26.123Z",
        "timestamp=2019-02-30T14:33:26.123Z",
        "timestamp=2019-01-04T24:00:00.000Z",
        "timestamp=2019-01-04T14:33:60.000Z",
        "timestamp=1969-12-31T23:59:59.999Z",
        "timestamp=0000-01-01T00:00:00.000Z",
        "timestamp=2019-01-04T14:33:26.1234Z",
        "timestamp=12019-01-04T14:33:26.123Z",
        "timestamp=\uff12\uff10\uff11\uff19-01-04T14:33:26.123Z",  # fullwidth digits
        "timestamp=\u0662\u0660\u0661\u0669-01-04T14:33:26.123Z",  # Arabic-Indic digits
        "timestamp=2019-01-04T14:33:26.123Z" + "9" * 400,
        "1546612406123",
    ],
)
def test_a_bad_timestamp_gets_invalid_params_and_changes_nothing(
    server: ThreadServer, given: str
) -> None:
    alice = guest(server, "alice")
    markread(alice, "#tea", f"timestamp={TS}")
    answer = markread(alice, "#tea", given)
    assert answer.command == "FAIL" and answer.params[:2] == ("MARKREAD", "INVALID_PARAMS")
    assert markread(alice, "#tea").params == ("#tea", f"timestamp={TS}")


def test_missing_and_bad_targets_get_standard_replies(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    answer = markread(alice)
    assert answer.command == "FAIL" and answer.params[:2] == ("MARKREAD", "NEED_MORE_PARAMS")
    for target in ("#", "9lives", "#" + "x" * 300, "a,b", "#bad\x1bname", "é"):
        answer = markread(alice, target, f"timestamp={TS}")
        assert answer.command == "FAIL", target
        assert answer.params[:2] == ("MARKREAD", "INVALID_PARAMS")
    alice.send(b"MARKREAD \xff\xfe timestamp=" + TS.encode())  # not UTF-8 (UTF8ONLY)
    assert alice.expect("FAIL").params[:2] == ("MARKREAD", "INVALID_UTF8")
    assert markread(alice, "#tea").params == ("#tea", "*")  # still answering


def test_a_label_gets_the_answer(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    alice.send(f"@label=mr1 MARKREAD #tea timestamp={TS}")
    answer = alice.expect("MARKREAD")
    assert answer.tags.get("label") == "mr1"


def test_join_sends_the_marker_after_join_and_before_366(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    markread(alice, "#tea", f"timestamp={TS}")
    alice.send("JOIN #tea,#cake")
    burst = alice.collect_until("366") + alice.collect_until("366")
    commands = [m.command for m in burst]
    first_end = commands.index("366")
    assert commands.index("JOIN") < commands.index("MARKREAD") < first_end
    assert markreads(burst) == [("#tea", f"timestamp={TS}"), ("#cake", "*")]
    bob = guest(server, "bob", caps=("server-time",))  # did not ask: no MARKREAD, ever
    bob.send("JOIN #tea")
    assert markreads(bob.collect_until("366") + bob.sync()) == []


def test_markers_are_private_to_their_owner(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    bob = guest(server, "bob")
    make_channel(alice, "#tea")
    bob.send("JOIN #tea")
    bob.expect("366")
    markread(alice, "#tea", f"timestamp={TS}")
    assert markreads(bob.sync()) == []  # a member of the channel hears nothing of it
    assert markread(bob, "#tea").params == ("#tea", "*")
    assert markread(bob, "alice").params == ("alice", "*")


def test_asking_about_a_channel_one_cannot_see_tells_nothing_of_it(server: ThreadServer) -> None:
    """A secret channel one is banned from answers exactly as a channel that does not exist."""
    alice = guest(server, "alice")
    make_channel(alice, "#vault", "+sik secret")
    alice.send("MODE #vault +b mallory!*@*")
    alice.expect("MODE")
    mallory = guest(server, "mallory")
    for target in ("#vault", "#nowhere"):
        assert markread(mallory, target).params == (target, "*")
        answer = markread(mallory, target, f"timestamp={TS}")
        assert answer.params == (target, f"timestamp={TS}")  # only her own words back
        assert markread(mallory, target).params == (target, f"timestamp={TS}")
    assert markreads(alice.sync()) == []
    mallory.send("JOIN #vault")
    refused = mallory.expect(lambda m: m.command.isdigit() and m.params[1:2] == ("#vault",))
    assert refused.command in ("474", "475")
    assert markreads(mallory.sync()) == []  # no JOIN: no marker sent


def test_a_user_keeps_at_most_the_limit_of_targets_the_oldest_read_going_first(
    server: ThreadServer,
) -> None:
    alice = guest(server, "alice")  # read_marker_targets = 3 in this server
    for day, target in enumerate(("#a", "#b", "#c"), start=10):
        markread(alice, target, f"timestamp=2020-01-{day}T00:00:00.000Z")
    markread(alice, "#a", "timestamp=2020-01-20T00:00:00.000Z")  # #b is now the oldest read
    markread(alice, "#d", "timestamp=2020-01-01T00:00:00.000Z")
    kept = {t: markread(alice, t).params[1] for t in ("#a", "#b", "#c", "#d")}
    assert kept["#b"] == "*"
    assert all(value.startswith("timestamp=") for t, value in kept.items() if t != "#b")


def test_every_session_of_the_account_is_told_and_no_one_else(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    register_account(alice, PASSWORD)
    phone = logged_in(server.port, "alice_phone", "alice")
    old = logged_in(server.port, "alice_old", "alice", caps=("server-time",))  # did not ask
    stranger = guest(server, "mallory")
    markread(phone, "bob", f"timestamp={TS}")
    told = alice.expect("MARKREAD")
    assert told.params == ("bob", f"timestamp={TS}") and "time" in told.tags
    assert markreads(old.sync()) == [] and markreads(stranger.sync()) == []
    assert markread(alice, "bob").params == ("bob", f"timestamp={TS}")
    markread(alice, "bob", "timestamp=2001-01-01T00:00:00.000Z")  # older: nobody else is told
    assert markreads(phone.sync()) == []


def test_a_second_connection_with_the_same_nick_joins_the_client(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    register_account(alice, PASSWORD)
    make_channel(alice, "#tea")
    markread(alice, "#tea", f"timestamp={TS}")
    bob = guest(server, "bob")
    bob.send("JOIN #tea")
    bob.expect("366")
    second = logged_in(server.port, "alice", "alice")
    burst = second.collect_until("366")
    assert [m.params[0] for m in burst if m.command == "JOIN"] == ["#tea"]
    assert markreads(burst) == [("#tea", f"timestamp={TS}")]
    bob.send("PRIVMSG #tea :tea for two")  # a channel line reaches both sessions
    assert alice.expect("PRIVMSG").params == ("#tea", "tea for two")
    assert second.expect("PRIVMSG").params == ("#tea", "tea for two")
    markread(second, "#tea", "timestamp=2020-02-02T00:00:00.000Z")
    assert alice.expect("MARKREAD").params == ("#tea", "timestamp=2020-02-02T00:00:00.000Z")
    second.send("JOIN #cake")  # a JOIN on one connection shows the others the channel too
    second.expect("366")
    seen = alice.collect_until("366")
    assert [m.command for m in seen] == ["JOIN", "MARKREAD", "353", "366"]
    assert markreads(seen) == [("#cake", "*")]
    second.send("QUIT")
    second.wait_closed()
    assert [m for m in bob.sync() if m.command == "QUIT"] == []  # alice is still here
    bob.send("PRIVMSG alice :still there?")
    assert alice.expect("PRIVMSG").params == ("alice", "still there?")


def test_the_same_nick_without_the_account_is_still_refused(server: ThreadServer) -> None:
    alice = guest(server, "alice")
    register_account(alice, PASSWORD)
    carol = guest(server, "carol")
    register_account(carol, PASSWORD)
    for account in (None, "carol"):
        client = IrcClient(server.port)
        if account is not None:
            client.send(f"CAP REQ :sasl {CAP}")
            client.expect("CAP")
            client.send("AUTHENTICATE PLAIN")
            client.expect("AUTHENTICATE")
            plain = base64.b64encode(f"\0{account}\0{PASSWORD}".encode()).decode()
            client.send(f"AUTHENTICATE {plain}")
            client.expect("903")
        client.send("NICK alice")
        client.send("USER x 0 * :x")
        client.send("CAP END")
        assert client.expect(lambda m: m.command in ("001", "433")).command == "433"
        client.close()


def test_markers_of_an_account_survive_a_restart_and_a_crash(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "create-account", "alice", PASSWORD).returncode == 0
    server = start(tmp_path)
    try:
        alice = logged_in(server.port(), "alice", "alice")
        alice.send("JOIN #tea")
        alice.expect("366")
        markread(alice, "#tea", f"timestamp={TS}")
        markread(alice, "bob", "timestamp=2023-07-04T00:00:00.000Z")
        alice.send("QUIT")
        alice.wait_closed()
        server.signal()
        assert server.wait() == 0
    finally:
        server.stop()

    server = start(tmp_path)
    try:
        back = logged_in(server.port(), "alice", "alice")
        burst = back.collect_until("366")  # the login brings back #tea, marker and all
        assert markreads(burst) == [("#tea", f"timestamp={TS}")]
        assert markread(back, "bob").params == ("bob", "timestamp=2023-07-04T00:00:00.000Z")
        markread(back, "bob", "timestamp=2024-01-01T00:00:00.000Z")
        store = SqliteReadMarkers(tmp_path / DB_NAME)
        try:  # saved within a second, without a clean stop
            wait_until(lambda: store.markers("alice").get("bob") == 1704067200000, what="saved")
        finally:
            store.close()
        server.signal(signal.SIGKILL)
        server.wait()
    finally:
        server.stop()

    server = start(tmp_path)
    try:
        back = logged_in(server.port(), "alice", "alice")
        assert markreads(back.collect_until("366")) == [("#tea", f"timestamp={TS}")]
        assert markread(back, "bob").params == ("bob", "timestamp=2024-01-01T00:00:00.000Z")
    finally:
        server.stop()


def start(data_dir: Path) -> ProcessServer:
    return ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(data_dir), "--no-flood-limit", "--no-lobby"]
    )
