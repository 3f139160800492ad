"""The classroom, across nodes: three Parley nodes on a three-server NATS JetStream
cluster, each user on its own node, behave as one server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from support.client import IrcClient
from support.nats import NatsServers
from support.nodes import Node
from support.waiting import wait_until

QUIT_WITHIN = 10.0  # the bound: a dead node's users are seen to quit by then


@pytest.fixture(scope="module")
def nodes(nats3: NatsServers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Node]]:
    root = tmp_path_factory.mktemp("chat")
    started = [Node(root / f"n{i}", f"n{i}", cluster=nats3.url_list()) for i in (1, 2, 3)]
    yield started
    for node in started:
        node.stop()


def user(node: Node, nick: str) -> IrcClient:
    client = IrcClient(node.port())
    client.register(nick)
    client.sync()
    return client


def names(client: IrcClient, channel: str) -> set[str]:
    client.send(f"NAMES {channel}")
    lines = client.collect_until("366")
    return {n.lstrip("@+") for m in lines if m.command == "353" for n in m.params[-1].split()}


def test_users_on_three_nodes_share_a_channel(nodes: list[Node]) -> None:
    ann, ben, cat = (user(n, nick) for n, nick in zip(nodes, ("ann", "ben", "cat"), strict=True))
    ann.send("JOIN #maths")
    ann.sync()
    ben.send("JOIN #maths")
    ben.collect_until("366")
    cat.send("JOIN #maths")
    cat.collect_until("366")
    for watcher in (ann, ben):
        watcher.expect(
            lambda m: (
                m.command == "JOIN" and m.source.startswith("cat!") and m.params[0] == "#maths"
            )
        )
    assert names(cat, "#maths") == {"ann", "ben", "cat"}
    ann.send("PRIVMSG #maths :x")  # one word, as people write
    for reader in (ben, cat):
        got = reader.collect_until("PRIVMSG")[-1]
        assert (got.source.split("!")[0], got.params) == ("ann", ("#maths", "x"))
    assert all(m.command != "PRIVMSG" for m in ann.sync())  # never echoed to its sender
    ben.send("PART #maths :")  # an empty reason
    for watcher in (ann, cat):
        parted = watcher.collect_until("PART")[-1]
        assert parted.source.startswith("ben!") and parted.params[0] == "#maths"
    cat.send("QUIT :bye")
    for watcher in (ann,):
        quit_line = watcher.collect_until("QUIT")[-1]
        assert quit_line.source.startswith("cat!") and quit_line.params == ("Quit: bye",)
    assert names(ann, "#maths") == {"ann"}
    for client in (ann, ben):
        client.close()


def test_whois_and_private_messages_cross_nodes(nodes: list[Node]) -> None:
    dot, eve = user(nodes[0], "dot"), user(nodes[2], "eve")

    def known() -> bool:  # (dot's registration reaches eve's node a moment later)
        eve.send("WHOIS dot")
        return any(m.command == "311" and m.params[1] == "dot" for m in eve.collect_until("318"))

    wait_until(known, timeout=5, what="dot known on eve's node")
    eve.send("PRIVMSG DOT :psst")  # a nick in another case
    got = dot.collect_until("PRIVMSG")[-1]
    assert got.source.startswith("eve!") and got.params == ("dot", "psst")
    for client in (dot, eve):
        client.close()


def test_a_nick_in_use_on_one_node_is_refused_on_another(nodes: list[Node]) -> None:
    fay = user(nodes[0], "fay")
    other = IrcClient(nodes[1].port())
    other.send("NICK FAY")
    other.send("USER f 0 * :f")
    refused = other.collect_until_match(lambda m: m.command in ("433", "001"))[-1]
    assert refused.command == "433"
    other.send("NICK fay2")
    assert other.collect_until_match(lambda m: m.command in ("433", "001"))[-1].command == "001"
    other.send("NICK Fay")  # a change of nick to one held elsewhere
    assert other.collect_until_match(lambda m: m.command in ("433", "NICK"))[-1].command == "433"
    for client in (fay, other):
        client.close()


def test_one_winner_among_a_hundred_claims_of_one_nick(nodes: list[Node]) -> None:
    """100 connections on three nodes ask for one nick at the same instant."""
    socks = []
    for i in range(100):
        source = (f"127.0.1.{1 + i // 10}", 0)  # (a few per address, under the per-address cap)
        sock = socket.create_connection(("127.0.0.1", nodes[i % 3].port()), 30, source)
        sock.sendall(b"USER r 0 * :r\r\n")
        socks.append(sock)
    go = threading.Barrier(len(socks))
    answers: list[str] = [""] * len(socks)

    def claim(i: int) -> None:
        go.wait()
        socks[i].sendall(b"NICK racer\r\n")
        data = b""
        while b" 001 " not in data and b" 433 " not in data and b" 437 " not in data:
            chunk = socks[i].recv(4096)
            if not chunk:
                break
            data += chunk
        answers[i] = "001" if b" 001 " in data else "433" if b" 433 " in data else "other"

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(socks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for sock in socks:
        sock.close()
    assert answers.count("001") == 1
    assert answers.count("433") == 99


def test_a_node_killed_takes_its_users_with_it_within_seconds(
    nats3: NatsServers, tmp_path_factory: pytest.TempPathFactory, nodes: list[Node]
) -> None:
    doomed = Node(tmp_path_factory.mktemp("doomed") / "n4", "n4", cluster=nats3.url_list())
    try:
        gus = user(doomed, "gus")
        gus.send("JOIN #news")
        gus.sync()
        hal = user(nodes[0], "hal")
        hal.send("JOIN #news")
        hal.collect_until("366")
        doomed.kill9()
        killed = time.monotonic()
        quit_line = hal.expect(
            lambda m: m.command == "QUIT" and m.source.startswith("gus!"), timeout=QUIT_WITHIN
        )
        assert time.monotonic() - killed < QUIT_WITHIN
        assert "n4" in quit_line.params[0]
        assert names(hal, "#news") == {"hal"}
        back = IrcClient(nodes[1].port())  # the nick is free again, on another node
        back.send("NICK gus")
        back.send("USER g 0 * :g")
        answer = back.expect(lambda m: m.command in ("001", "433", "437"))
        assert answer.command == "001", answer
        back.close()
        hal.close()
    finally:
        doomed.stop()


def test_a_node_stopped_gracefully_tells_its_peers_at_once(
    nats3: NatsServers, tmp_path_factory: pytest.TempPathFactory, nodes: list[Node]
) -> None:
    leaving = Node(tmp_path_factory.mktemp("leaving") / "n5", "n5", cluster=nats3.url_list())
    ivy = user(leaving, "ivy")
    ivy.send("JOIN #news2")
    ivy.sync()
    jon = user(nodes[2], "jon")
    jon.send("JOIN #news2")
    jon.collect_until("366")
    leaving.stop()
    told = ivy.wait_closed()
    assert any(m.command == "ERROR" for m in told)  # its own clients hear it first
    quit_line = jon.expect(
        lambda m: m.command == "QUIT" and m.source.startswith("ivy!"),
        timeout=4.0,  # (before dead_after: the goodbye, not the silence)
    )
    assert quit_line.params[0]
    jon.close()


def test_a_node_that_joins_later_sees_who_is_already_there(
    nats3: NatsServers, tmp_path_factory: pytest.TempPathFactory, nodes: list[Node]
) -> None:
    kim = user(nodes[0], "kim")
    kim.send("JOIN #late")
    kim.sync()
    kim.send("TOPIC #late :read chapter 2")
    kim.send("MODE #late +m")
    kim.sync()
    late = Node(tmp_path_factory.mktemp("late") / "n6", "n6", cluster=nats3.url_list())
    try:
        lou = user(late, "lou")
        assert "kim" in names(lou, "#late")
        lou.send("TOPIC #late")
        assert lou.collect_until("332")[-1].params[-1] == "read chapter 2"
        lou.send("MODE #late")
        assert "m" in lou.collect_until("324")[-1].params[2]
        lou.close()
    finally:
        late.stop()
    kim.close()


def test_a_node_stopped_just_after_its_user_came_leaves_no_claim_or_ghost(
    nats3: NatsServers, tmp_path_factory: pytest.TempPathFactory, nodes: list[Node]
) -> None:
    """Its peers may not have heard of the user yet when the goodbye comes: the nick is
    free at once on another node, and no peer brings the user back from late events."""
    root = tmp_path_factory.mktemp("brief")
    watcher = user(nodes[2], "watcher")
    for i in range(2):
        brief = Node(root / f"b{i}", f"b{i}", cluster=nats3.url_list())
        try:
            quick = user(brief, "quick")
            quick.send(f"JOIN #brief{i}")
            quick.sync()
        finally:
            brief.stop()
        again = IrcClient(nodes[1].port())
        again.send("NICK quick")
        again.send("USER q 0 * :q")
        welcome = again.collect_until_match(lambda m: m.command in ("433", "001"))[-1]
        assert welcome.command == "001"  # (not 433: the stopped node's claim is gone)
        again.send("JOIN #again")
        again.sync()
        watcher.send("JOIN #again")
        watcher.collect_until("366")
        wait_until(lambda: "quick" in names(watcher, "#again"), what="the new quick")
        assert "quick" not in names(watcher, f"#brief{i}")  # no ghost of the old one
        again.close()
        watcher.expect(lambda m: m.command == "QUIT" and m.source.startswith("quick!"))
        watcher.send("PART #again")
        watcher.sync()
    watcher.close()
