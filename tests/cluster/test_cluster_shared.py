"""What is stored is the same whichever node a user reaches: accounts made on one node
log in on another, and CHATHISTORY gives the same lines in the same order everywhere,
also after a NATS server dies mid-traffic (every acknowledged line once)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from support.accounts import logged_in
from support.client import IrcClient
from support.nats import NatsServers
from support.nodes import Node
from support.privacy import HISTORY_CAPS, register_account
from support.waiting import wait_until

CAPS = (*HISTORY_CAPS, "echo-message")


@pytest.fixture
def cluster(
    fresh_nats3: NatsServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Node]]:
    """Three nodes, each told of all three NATS servers, on a NATS cluster of their own."""
    root = tmp_path_factory.mktemp("shared")
    started = [Node(root / f"n{i}", f"n{i}", cluster=fresh_nats3.url_list()) for i in (1, 2, 3)]
    yield started
    for node in started:
        node.stop()


def msgids(client: IrcClient, target: str, limit: int = 200) -> list[tuple[str, str]]:
    """(msgid, text) of the messages CHATHISTORY LATEST gives, oldest first."""
    client.send(f"CHATHISTORY LATEST {target} * {limit}")
    start = client.expect(lambda m: m.command in ("BATCH", "FAIL"))
    assert start.command == "BATCH", start
    ref = start.params[0][1:]
    lines = client.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    return [(m.tags["msgid"], m.params[-1]) for m in lines if m.command == "PRIVMSG"]


def reader(node: Node, nick: str) -> IrcClient:
    client = IrcClient(node.port())
    client.register(nick, caps=CAPS)
    client.sync()
    return client


def test_an_account_made_on_one_node_logs_in_on_another(cluster: list[Node]) -> None:
    maker = IrcClient(cluster[0].port())
    maker.register("mia")
    register_account(maker, "wonderland1")
    maker.close()

    def logs_in() -> bool:
        try:
            logged_in(cluster[2].port(), "mia", "mia", "wonderland1").close()
        except (TimeoutError, OSError):
            return False
        return True

    wait_until(logs_in, timeout=20, what="the account on another node")
    taken = IrcClient(cluster[1].port())  # the name is taken everywhere
    taken.register("other")
    taken.send("REGISTER mia * wonderland2")
    refused = taken.expect(lambda m: m.command in ("FAIL", "REGISTER", "NOTICE"))
    assert refused.command != "REGISTER" or refused.params[0] != "SUCCESS"


def test_history_is_the_same_on_every_node(cluster: list[Node]) -> None:
    speakers = [reader(node, f"sp{i}") for i, node in enumerate(cluster)]
    for speaker in speakers:
        speaker.send("JOIN #hist")
        speaker.expect(lambda m: m.command == "366" and m.params[1] == "#hist")
    said: list[str] = []
    for round_ in range(5):
        for i, speaker in enumerate(speakers):
            text = f"r{round_}s{i}"
            speaker.send(f"PRIVMSG #hist :{text}")
            speaker.expect(lambda m, t=text: m.command == "PRIVMSG" and m.params[-1] == t)
            said.append(text)
    first: list[tuple[str, str]] = []
    wait_until(lambda: _same(speakers, first, len(said)), timeout=20, what="one history")
    assert sorted(t for _, t in first) == sorted(said)
    for speaker in speakers:
        speaker.close()


def _same(speakers: list[IrcClient], first: list[tuple[str, str]], count: int) -> bool:
    """Every node gives the same `count` lines in the same order (`first` is refreshed)."""
    first[:] = msgids(speakers[0], "#hist")
    return len(first) == count and all(msgids(s, "#hist") == first for s in speakers[1:])


def test_a_nats_server_killed_mid_traffic_loses_nothing(
    cluster: list[Node], fresh_nats3: NatsServers
) -> None:
    speakers = [reader(node, f"tx{i}") for i, node in enumerate(cluster)]
    for speaker in speakers:
        speaker.send("JOIN #busy")
        speaker.expect(lambda m: m.command == "366" and m.params[1] == "#busy")
    acknowledged: list[set[str]] = [set() for _ in speakers]
    halfway = threading.Event()

    def talk(i: int) -> None:
        speaker = speakers[i]
        for n in range(30):  # (90 lines in all: one CHATHISTORY page reads them back)
            text = f"m{i}-{n}"
            speaker.send(f"PRIVMSG #busy :{text}")
            echo = speaker.expect(
                lambda m, t=text: m.command == "PRIVMSG" and m.params[-1] == t, timeout=30
            )  # (echo-message: the server took it)
            acknowledged[i].add(echo.tags["msgid"])
            if n == 10:
                halfway.set()

    threads = [threading.Thread(target=talk, args=(i,)) for i in range(len(speakers))]
    for thread in threads:
        thread.start()
    assert halfway.wait(30)
    fresh_nats3.kill(0)
    for thread in threads:
        thread.join(60)
    fresh_nats3.restart(0)
    wanted = set().union(*acknowledged)
    assert len(wanted) == 90

    def complete(client: IrcClient) -> bool:
        got = [msgid for msgid, _ in msgids(client, "#busy", 100)]
        return len(got) == len(set(got)) and set(got) == wanted

    for speaker in speakers:  # every node has every line, once
        wait_until(lambda s=speaker: complete(s), timeout=30, what="every line on every node")
    for speaker in speakers:
        speaker.close()


def test_an_always_on_user_kept_by_one_node_comes_back_on_another(cluster: list[Node]) -> None:
    """Its device went from node 1; it logs in on node 3 and finds its channel and the
    private message it was sent meanwhile, and nobody ever saw its nick free."""
    maker = IrcClient(cluster[0].port())
    maker.register("pia")
    register_account(maker, "wonderland1")
    maker.send("JOIN #club")
    maker.expect(lambda m: m.command == "366" and m.params[1] == "#club")
    maker.send("PRIVMSG NickServ :SET ALWAYS-ON ON")
    maker.expect(lambda m: m.command == "NOTICE" and "stay online" in m.params[1])
    maker.send("QUIT :bye")
    maker.wait_closed()
    friend = reader(cluster[1], "quin")
    wait_until(lambda: "pia" in _whois_nicks(friend, "pia"), timeout=10, what="pia kept")
    watcher = reader(cluster[2], "rex")  # (on the node pia comes back to)
    friend.send("PRIVMSG pia :while you were out")
    friend.send("PRIVMSG #lobby :x")  # after the message, in the same node's order:
    watcher.expect(lambda m: m.command == "PRIVMSG" and m.params == ("#lobby", "x"))
    watcher.close()  # once rex has it, the line to pia is on rex's node too

    def back() -> IrcClient | None:
        try:
            return logged_in(cluster[2].port(), "pia", "pia", "wonderland1")
        except (TimeoutError, OSError):
            return None

    found: list[IrcClient] = []

    def logged_back() -> bool:
        client = back()
        if client is not None:
            found.append(client)
        return client is not None

    wait_until(logged_back, timeout=20, what="the account on node 3")
    pia = found[0]
    seen = pia.sync()

    assert any(m.command == "JOIN" and m.params[0] == "#club" for m in seen)
    assert any(m.command == "PRIVMSG" and m.params[-1].endswith("while you were out")
               for m in seen)  # fmt: skip
    pia.close()
    friend.close()


def _whois_nicks(client: IrcClient, nick: str) -> set[str]:
    client.send(f"WHOIS {nick}")
    return {m.params[1] for m in client.collect_until("318") if m.command == "311"}
