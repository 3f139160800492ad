"""IRCv3 draft/metadata-3 over real sockets: keys on users and channels, who is told of
them, the limits under hostile input, and accounts' keys across reconnects and restarts."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from parley.irc.message import Message
from support.accounts import sasl_started
from support.client import IrcClient
from support.servers import ThreadServer
from support.servers import test_config as config_for

CAP = "draft/metadata-3"
CAPS = (CAP, "batch")


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def create_account(data_dir: Path, name: str, password: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(data_dir),
         "create-account", name, password],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def sasl_connect(
    port: int, nick: str, password: str, account: str | None = None, caps: tuple[str, ...] = CAPS
) -> IrcClient:
    """Log into `account` (or `nick`'s) with SASL while registering (the burst unread)."""
    client = sasl_started(port, account or nick, password, caps)
    client.expect("903")
    client.send(f"NICK {nick}")
    client.send(f"USER {nick} 0 * :{nick}")
    client.send("CAP END")
    client.nick = nick
    return client


def batch_of(client: IrcClient, kind: str = "metadata") -> tuple[list[str], list[Message]]:
    """The next batch of `kind`: its parameters, and the lines in it."""
    start = client.expect(lambda m: m.command == "BATCH" and m.params[1:2] == (kind,))
    ref = start.params[0][1:]
    lines = client.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == f"-{ref}")
    inside = [m for m in lines[:-1] if m.tags and m.tags.get("batch") == ref]
    assert len(inside) == len(lines) - 1, lines
    return list(start.params[2:]), inside


def values(lines: list[Message]) -> dict[str, str]:
    assert all(m.command == "761" for m in lines), lines
    return {m.params[2]: m.params[4] for m in lines}


def set_key(client: IrcClient, target: str, key: str, value: str | None) -> Message:
    client.send(f"METADATA {target} SET {key}" + (f" :{value}" if value is not None else ""))
    return client.expect(lambda m: m.command in ("761", "766", "FAIL"))


def listed(client: IrcClient, target: str = "*") -> dict[str, str]:
    client.send(f"METADATA {target} LIST")
    return values(batch_of(client)[1])


def joined(client: IrcClient, channel: str) -> None:
    client.send(f"JOIN {channel}")
    client.expect("366")


def test_set_get_list_and_clear_ones_own_keys(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    heart = "\U0001f49c"
    reply = set_key(alice, "*", "display-name", f"Alice {heart} Liddell")
    assert reply.command == "761"
    assert reply.params == ("alice", "alice", "display-name", "*", f"Alice {heart} Liddell")
    assert set_key(alice, "alice", "pronouns", "she/her").command == "761"
    assert set_key(alice, "*", "status", "").params[-1] == ""  # an empty value is a value
    alice.send("METADATA * GET display-name avatar pronouns")
    params, lines = batch_of(alice)
    assert params == ["alice"]
    assert [(m.command, m.params[2]) for m in lines] == [
        ("761", "display-name"), ("766", "avatar"), ("761", "pronouns")
    ]  # fmt: skip
    assert listed(alice) == {
        "display-name": f"Alice {heart} Liddell", "pronouns": "she/her", "status": ""
    }  # fmt: skip
    assert set_key(alice, "*", "pronouns", None).params == (
        "alice",
        "alice",
        "pronouns",
        "key not set",
    )
    alice.send("METADATA * CLEAR")
    assert sorted(m.params[2] for m in batch_of(alice)[1]) == ["display-name", "status"]
    assert listed(alice) == {}


def test_changes_reach_subscribers_who_share_a_channel_and_nobody_else(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)  # shares a channel, subscribed
    carol = connect("carol", caps=CAPS)  # subscribed, shares nothing
    dave = connect("dave", caps=CAPS)  # shares a channel, not subscribed to the key
    erin = connect("erin")  # shares a channel, no capability
    for client in (bob, carol, dave):
        client.send("METADATA * SUB " + ("avatar" if client is dave else "display-name avatar"))
        assert client.expect("770")
    for client in (alice, bob, dave, erin):
        joined(client, "#tea")
    set_key(alice, "*", "display-name", "Alice")
    notice = bob.expect("761")
    assert notice.source == "test.parley"
    assert notice.params == ("*", "alice", "display-name", "*", "Alice")
    assert set_key(alice, "*", "display-name", "Alice").command == "761"  # the same again
    assert not [m for m in bob.sync() if m.command == "761"]  # is no change to tell
    set_key(alice, "*", "display-name", None)
    assert bob.expect("766").params[:3] == ("*", "alice", "display-name")
    for client in (alice, carol, dave, erin):
        assert not [m for m in client.sync() if m.command in ("761", "766")]


def test_unsubscribing_stops_notices_and_subs_lists_what_is_left(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    bob.send("METADATA * SUB display-name avatar status")
    assert bob.expect("770").params[1:] == ("display-name", "avatar", "status")
    bob.send("METADATA * UNSUB avatar nosuch")
    assert bob.expect("771").params[1:] == ("avatar", "nosuch")
    bob.send("METADATA * SUBS")
    assert [m.params[1:] for m in batch_of(bob, "metadata-subs")[1]] == [("display-name", "status")]
    joined(alice, "#x")
    joined(bob, "#x")
    set_key(alice, "*", "avatar", "https://example.com/a.png")
    assert not [m for m in bob.sync() if m.command == "761"]


def test_joining_brings_the_channels_and_members_keys_and_members_learn_the_joiners(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    for client in (alice, bob):
        client.send("METADATA * SUB display-name avatar")
        client.expect("770")
    joined(alice, "#x")
    set_key(alice, "#x", "display-name", "The X")
    set_key(alice, "*", "display-name", "Alice")
    set_key(bob, "*", "avatar", "https://example.com/b.png")
    bob.send("JOIN #x")
    params, lines = batch_of(bob)
    assert params == ["#x"]
    assert {(m.params[1], m.params[2], m.params[4]) for m in lines} == {
        ("#x", "display-name", "The X"), ("alice", "display-name", "Alice"),
        ("bob", "avatar", "https://example.com/b.png"),
    }  # fmt: skip
    assert alice.expect("761").params == ("*", "bob", "avatar", "*", "https://example.com/b.png")


def test_monitor_brings_keys_and_later_changes(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    set_key(alice, "*", "status", "reading")
    carol = connect("carol", caps=CAPS)
    carol.send("METADATA * SUB status")
    carol.expect("770")
    carol.send("MONITOR + alice")
    carol.expect("730")
    assert values(batch_of(carol)[1]) == {"status": "reading"}
    set_key(alice, "*", "status", "away for lunch")
    assert carol.expect("761").params[1:] == ("alice", "status", "*", "away for lunch")


def test_subscribing_later_sends_the_values_already_set(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    joined(alice, "#x")
    joined(bob, "#x")
    set_key(alice, "*", "display-name", "Alice")
    bob.send("METADATA * SUB display-name")
    assert bob.expect("770").params[1:] == ("display-name",)
    assert values(batch_of(bob)[1]) == {"display-name": "Alice"}
    bob.send("METADATA #x SYNC")
    assert values(batch_of(bob)[1]) == {"display-name": "Alice"}


def test_whois_shows_keys_to_those_who_asked_for_the_capability(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=CAPS)
    set_key(alice, "*", "pronouns", "she/her")
    modern, plain = connect("modern", caps=CAPS), connect("plain")
    for client in (modern, plain):
        client.send("WHOIS alice")
    assert [m.params for m in modern.collect_until("318") if m.command == "760"] == [
        ("modern", "alice", "pronouns", "*", "she/her")
    ]
    assert not [m for m in plain.collect_until("318") if m.command == "760"]


def test_nobody_changes_another_users_keys(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    mallory = connect("mallory", caps=CAPS)
    set_key(alice, "*", "display-name", "Alice")
    reply = set_key(mallory, "alice", "display-name", "Alice (real)")
    assert reply.params[:4] == ("METADATA", "KEY_NO_PERMISSION", "alice", "display-name")
    mallory.send("METADATA alice CLEAR")
    assert mallory.expect("FAIL").params[:4] == ("METADATA", "KEY_NO_PERMISSION", "alice", "*")
    assert listed(alice) == {"display-name": "Alice"}
    assert listed(mallory, "alice") == {"display-name": "Alice"}  # a user's keys are public


def test_channel_keys_are_set_by_operators_and_read_by_members_only(
    connect: Callable[..., IrcClient],
) -> None:
    op, member, outsider = (connect(n, caps=CAPS) for n in ("op", "member", "outsider"))
    joined(op, "#club")
    joined(member, "#club")
    assert set_key(op, "#club", "avatar", "https://example.com/c.png").command == "761"
    refused = set_key(member, "#club", "avatar", "https://evil.example/x.png")
    assert refused.params[:4] == ("METADATA", "KEY_NO_PERMISSION", "#club", "avatar")
    assert listed(member, "#club") == {"avatar": "https://example.com/c.png"}
    for sub in ("GET avatar", "LIST", "SYNC"):
        outsider.send(f"METADATA #club {sub}")
        lines = outsider.sync()
        assert [m.params[:3] for m in lines] == [("METADATA", "KEY_NO_PERMISSION", "#club")]
    op.send("MODE #club +s")
    op.expect("MODE")
    outsider.send("METADATA #club LIST")
    secret = outsider.expect("FAIL")
    outsider.send("METADATA #nosuch LIST")
    missing = outsider.expect("FAIL")
    assert secret.params[1] == missing.params[1] == "INVALID_TARGET"  # no sign it exists
    op.send("METADATA #club CLEAR")
    assert [m.params[2] for m in batch_of(op)[1]] == ["avatar"]


def test_invalid_keys_values_and_targets_are_refused(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    joined(alice, "#x")
    joined(bob, "#x")
    bob.send("METADATA * SUB display-name")
    bob.expect("770")
    for key in ("Display-Name", "$url", "a" * 41, "ключ", "a,b"):
        assert set_key(alice, "*", key, "x").params[:3] == ("METADATA", "INVALID_KEY", key)
    # bytes that are not UTF-8 are refused before the command is read (UTF8ONLY)
    alice.send(b"METADATA * SET display-name :bad \xc3\xff bytes")
    assert alice.expect("FAIL").params[:2] == ("METADATA", "INVALID_UTF8")
    alice.send(b"METADATA * SET \xff\xfe :x")
    assert alice.expect("FAIL").params[:2] == ("METADATA", "INVALID_UTF8")
    limit = server.config.limits.metadata_value_bytes
    too_long = set_key(alice, "*", "display-name", "\U0001f49c" * (limit // 4 + 1))
    assert too_long.params[1] == "INVALID_VALUE"
    assert set_key(alice, "*", "display-name", "x" * limit).command == "761"
    bob.expect("761")
    assert set_key(alice, "*", "display-name", "x" * (limit + 1)).params[1] == "INVALID_VALUE"
    alice.send("METADATA nosuchnick LIST")
    assert alice.expect("FAIL").params[:3] == ("METADATA", "INVALID_TARGET", "nosuchnick")
    alice.send("METADATA * FROB")
    assert alice.expect("FAIL").params[1] == "SUBCOMMAND_INVALID"
    alice.send("METADATA * GET")
    assert alice.expect("461")
    assert not [m for m in bob.sync() if m.command in ("761", "766")]  # nothing refused is told
    assert listed(alice) == {"display-name": "x" * limit}


def test_thousands_of_keys_and_subscriptions_stop_at_the_limits(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    limits = server.config.limits
    alice = connect("alice", caps=CAPS)
    alice.send(b"".join(f"METADATA * SET key{i} :value {i}\r\n".encode() for i in range(2000)))
    replies = [alice.expect(lambda m: m.command in ("761", "FAIL")) for _ in range(2000)]
    assert sum(m.command == "761" for m in replies) == limits.metadata_max_keys
    refused = [m for m in replies if m.command == "FAIL"]
    assert {m.params[1] for m in refused} == {"LIMIT_REACHED"}
    assert len(listed(alice)) == limits.metadata_max_keys
    keys = [f"k{i}" for i in range(300)]
    for start in range(0, 300, 60):
        alice.send("METADATA * SUB " + " ".join(keys[start : start + 60]))
    lines = alice.sync()
    acked = [k for m in lines if m.command == "770" for k in m.params[1:]]
    assert acked == keys[: limits.metadata_max_subs]
    full = [m for m in lines if m.command == "FAIL"]
    assert full[0].params[:3] == ("METADATA", "LIMIT_REACHED", keys[limits.metadata_max_subs])
    alice.send("METADATA * SUBS")
    subs = [k for m in batch_of(alice, "metadata-subs")[1] for k in m.params[1:]]
    assert sorted(subs) == sorted(keys[: limits.metadata_max_subs])


def test_keys_set_before_registration_arrive_in_the_burst(server: ThreadServer) -> None:
    client = IrcClient(server.port)
    client.send("CAP LS 302")
    ls = client.expect("CAP")
    offered = dict(item.partition("=")[::2] for item in ls.params[-1].split())
    assert offered[CAP].split(",")[0] == "before-connect"
    assert f"max-keys={server.config.limits.metadata_max_keys}" in offered[CAP]
    client.send(f"CAP REQ :{CAP} batch server-time")
    client.expect("CAP")
    client.send("METADATA * SUB display-name")
    assert client.expect("770").params == ("*", "display-name")
    assert set_key(client, "*", "display-name", "Early Bird").params[:3] == (
        "*",
        "*",
        "display-name",
    )
    assert set_key(client, "someone", "display-name", "x").params[1] == "KEY_NO_PERMISSION"
    client.send("NICK early")
    client.send("USER early 0 * :early")
    client.send("CAP END")
    burst = client.collect_until("376")
    batch_at = next(i for i, m in enumerate(burst) if m.command == "BATCH")
    assert burst[batch_at].params[1:] == ("metadata", "early")
    assert burst[batch_at + 1].params == ("early", "early", "display-name", "*", "Early Bird")
    assert all("time" in (m.tags or {}) for m in burst[batch_at : batch_at + 3])
    assert listed(client) == {"display-name": "Early Bird"}


def test_metadata_before_registration_needs_the_capability(server: ThreadServer) -> None:
    client = IrcClient(server.port)
    client.send("METADATA * SET display-name :x")
    assert client.expect("451")


def test_an_accounts_keys_come_back_at_login_and_after_a_restart(tmp_path: Path) -> None:
    config = config_for(tmp_path / "data", lobby=None, limits={"flood_enabled": False})
    server = ThreadServer(config).start()
    try:
        create_account(config.data_dir, "alice", "secret")
        alice = sasl_connect(server.port, "alice", "secret")
        params, lines = batch_of(alice)
        assert (params, lines) == (["alice"], [])  # an empty batch when nothing is set
        set_key(alice, "*", "display-name", "Alice")
        set_key(alice, "*", "pronouns", "she/her")
        second = sasl_connect(
            server.port, "alice2", "secret", "alice"
        )  # another client, same account
        assert values(batch_of(second)[1]) == {"display-name": "Alice", "pronouns": "she/her"}
        set_key(second, "*", "pronouns", "they/them")
        assert listed(alice) == {"display-name": "Alice", "pronouns": "they/them"}
        alice.close()
        second.close()
        guest = IrcClient(server.port)
        guest.register("guest", caps=CAPS, lobby=False)
        set_key(guest, "*", "display-name", "Guest")
        guest.close()
    finally:
        server.stop()
    server = ThreadServer(config).start()
    try:
        alice = sasl_connect(server.port, "alice", "secret")
        assert values(batch_of(alice)[1]) == {"display-name": "Alice", "pronouns": "they/them"}
        guest = IrcClient(server.port)
        guest.register("guest", caps=CAPS, lobby=False)
        assert listed(guest) == {}  # a guest's keys went with its connection
    finally:
        server.stop()


def test_logging_in_later_restores_the_accounts_keys_and_keeps_the_connections(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    create_account(server.config.data_dir, "alice", "secret")
    first = sasl_connect(server.port, "alice", "secret")
    set_key(first, "*", "display-name", "Alice")
    first.close()
    watcher = connect("watcher", caps=CAPS)
    watcher.send("METADATA * SUB display-name status")
    watcher.expect("770")
    later = connect("someone", caps=CAPS)
    joined(later, "#x")
    joined(watcher, "#x")
    set_key(later, "*", "status", "hi")
    watcher.expect("761")
    later.send("PRIVMSG NickServ :IDENTIFY alice secret")
    assert values(batch_of(later)[1]) == {"display-name": "Alice", "status": "hi"}
    assert watcher.expect("761").params[1:] == ("someone", "display-name", "*", "Alice")
    again = sasl_connect(server.port, "alice2", "secret", "alice")
    assert values(batch_of(again)[1]) == {"display-name": "Alice", "status": "hi"}


def test_a_labelled_request_nests_the_metadata_batch(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=(*CAPS, "labeled-response", "message-tags"))
    set_key(alice, "*", "display-name", "Alice")
    alice.send("@label=L1 METADATA * LIST")
    outer = alice.expect("BATCH")
    assert outer.tags == {"label": "L1"} and outer.params[1] == "labeled-response"
    inner = alice.expect("BATCH")
    assert inner.tags == {"batch": outer.params[0][1:]} and inner.params[1] == "metadata"
    line = alice.expect("761")
    assert line.tags == {"batch": inner.params[0][1:]}


def test_keys_set_before_logging_in_at_connect_join_the_accounts(server: ThreadServer) -> None:
    create_account(server.config.data_dir, "alice", "secret")
    first = sasl_connect(server.port, "alice", "secret")
    set_key(first, "*", "display-name", "Alice")
    set_key(first, "*", "status", "old")
    first.close()
    client = IrcClient(server.port)
    client.send("CAP LS 302")
    client.send(f"CAP REQ :sasl {CAP} batch")
    client.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    set_key(client, "*", "status", "new")
    set_key(client, "*", "pronouns", "she/her")
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE " + base64.b64encode(b"\0alice\0secret").decode())
    client.expect("903")
    client.send("NICK alice_")  # (the first connection may not be gone yet)
    client.send("USER alice 0 * :alice")
    client.send("CAP END")
    expected = {"display-name": "Alice", "status": "new", "pronouns": "she/her"}
    assert values(batch_of(client)[1]) == expected
    client.close()
    again = sasl_connect(server.port, "alice2", "secret", "alice")
    assert values(batch_of(again)[1]) == expected
