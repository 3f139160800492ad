"""Announcing the server on the local network: the records (sans-IO), the settings, and
zeroconf itself restricted to 127.0.0.1, where a browser must see what was announced."""

from __future__ import annotations

import asyncio
import dataclasses
import sys
import threading
from pathlib import Path

import pytest

from parley.client.discovery import Gone, servers
from parley.irc.dnssd import (
    MAX_INSTANCE,
    MAX_TXT_VALUE,
    PLAIN_TYPE,
    TLS_TYPE,
    Description,
    Found,
    instance_label,
    instance_name,
    parse_txt,
    txt_record,
)
from parley.server.announce import announce, lan_addresses, services, wildcard_ports
from parley.server.config import Address
from parley.server.configfile import ConfigError
from support.configs import load
from support.servers import ThreadServer, new_event_loop
from support.servers import test_config as server_config
from support.waiting import wait_until

FP = ":".join(["AB"] * 32)
DESCRIPTION = Description("parley.local", "Parley", 6697, FP, "https://host.local:8097/")


def test_the_txt_record_carries_name_network_tls_port_fingerprint_and_web() -> None:
    txt = txt_record(DESCRIPTION)
    assert txt == {"txtvers": "1", "server": "parley.local", "network": "Parley",
                   "tls": "6697", "fp": FP, "web": "https://host.local:8097/"}  # fmt: skip
    assert parse_txt({k.encode(): v.encode() for k, v in txt.items()}) == DESCRIPTION


def test_a_plain_only_server_leaves_out_what_it_has_not() -> None:
    txt = txt_record(Description("a.example", "Net"))
    assert set(txt) == {"txtvers", "server", "network"}


def test_what_strangers_announce_is_cut_and_cleaned() -> None:
    parsed = parse_txt({
        b"server": b"\xff\xfe bad \x1b[31m" + b"x" * 5000,
        b"TLS": b"99999",
        b"fp": None,
        b"web": b"",
        b"network": "Net\nwork",
    })  # fmt: skip
    assert parsed.tls_port is None and parsed.fingerprint is None and parsed.web is None
    assert len(parsed.server) <= MAX_TXT_VALUE and "\x1b" not in parsed.server
    assert parsed.network == "Network"
    assert parse_txt({b"tls": b"-1"}).tls_port is None
    assert parse_txt({}) == Description("", "")


def test_the_instance_name_is_one_label_of_at_most_63_bytes() -> None:
    name = instance_name(Description("a.b", "Réseau" * 20), "my.host")
    assert "." not in name and len(name.encode()) <= MAX_INSTANCE
    assert instance_name(DESCRIPTION, "classroom") == "Parley on classroom"
    assert instance_label(f"Parley on x.{TLS_TYPE}", TLS_TYPE) == "Parley on x"


def test_only_listeners_on_every_interface_are_announced() -> None:
    bound = [("127.0.0.1:6667", False), ("0.0.0.0:7000", False), ("[::]:7000", False),
             ("0.0.0.0:6697", True), ("192.0.2.7:6698", True)]  # fmt: skip
    assert wildcard_ports(bound) == {False: 7000, True: 6697}
    assert wildcard_ports([("127.0.0.1:6667", False), ("[::1]:6697", True)]) == {}
    made = services({False: 7000, True: 6697}, Description("p.local", "P", None, FP), "h")
    assert [(s.type, s.port) for s in made] == [(TLS_TYPE, 6697), (PLAIN_TYPE, 7000)]
    assert all(s.txt["tls"] == "6697" for s in made)  # the plain one points at TLS too
    assert "tls" not in services({False: 7000}, Description("p.local", "P"), "h")[0].txt


def test_loopback_and_link_local_addresses_are_not_announced() -> None:
    candidates = ["127.0.0.1", "169.254.3.4", "0.0.0.0", "192.168.1.20", "10.0.0.5", "::1", "x"]
    assert lan_addresses(candidates) == ["192.168.1.20", "10.0.0.5"]


def test_announce_is_on_by_default_and_off_by_flag_or_file(tmp_path: Path) -> None:
    assert load(tmp_path, None).announce is True
    assert load(tmp_path, None, "--no-announce").announce is False
    assert load(tmp_path, "announce = false\n").announce is False
    with pytest.raises(ConfigError, match="announce: expected true or false"):
        load(tmp_path, 'announce = "no"\n')


def test_a_loopback_server_announces_nothing(tmp_path: Path) -> None:
    server = ThreadServer(server_config(tmp_path, tls=True)).start()
    try:
        process = server.process
        assert process is not None and process._announcing is not None
        wait_until(process._announcing.done, what="the announcement decided")
        assert process.announcer is None
    finally:
        server.stop()


def test_a_server_on_every_interface_is_seen_with_its_fingerprint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole path from Process.start; the announcement kept to loopback, where a
    test may send (the machine's real addresses are what lan_addresses gives)."""
    from parley.client.discovery import LanBrowser
    from parley.server import announce as announce_module

    monkeypatch.setattr(announce_module, "lan_addresses", lambda _candidates: ["127.0.0.1"])
    every = (Address(None, 0),)
    config = server_config(tmp_path, tls=True)
    config = dataclasses.replace(config, listen=every, tls_listen=every, network_name="Room12")
    server = ThreadServer(config).start()
    browser = LanBrowser(["127.0.0.1"])
    seen: list[Found | Gone] = []
    try:
        process = server.process
        assert process is not None

        def found() -> bool:
            while not browser.events.empty():
                seen.append(browser.events.get_nowait())
            return any(s.port == server.tls_port for s in servers(seen))

        wait_until(found, timeout=30, what="the server's TLS service")
        (mine,) = [s for s in servers(seen) if s.port == server.tls_port]
        assert mine.tls and mine.name.startswith("Room12 on ")
        assert mine.description.fingerprint == process.fingerprint
        assert mine.description.server == "test.parley"
        assert mine.description.tls_port == server.tls_port
    finally:
        browser.close()
        server.stop()


def test_without_a_wildcard_listener_zeroconf_is_not_needed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("zeroconf", "zeroconf.asyncio"):
        monkeypatch.setitem(sys.modules, name, None)  # importing it now fails
    loop = new_event_loop()
    try:
        done = loop.run_until_complete(announce([("127.0.0.1:1", False)], DESCRIPTION, None))
    finally:
        loop.close()
    assert done is None


def test_servers_keeps_one_entry_a_server_and_forgets_those_gone() -> None:
    d = Description("p.local", "P", 6697, FP)
    tls = Found("P on h", "10.0.0.2", 6697, True, d)
    plain = Found("P on h", "10.0.0.2", 6667, False, d)
    other = Found("Q on k", "10.0.0.3", 6667, False, Description("q.local", "Q"))
    assert servers([plain, tls, other]) == [tls, other]
    assert servers([plain, tls, other, Gone("P on h", True)]) == [plain, other]
    assert servers([other, Gone("Q on k", False)]) == []


def test_a_browser_on_loopback_sees_the_announcement_with_its_txt() -> None:
    from parley.client.discovery import LanBrowser

    loop = new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    bound = [("0.0.0.0:16667", False), ("0.0.0.0:16697", True)]
    made = asyncio.run_coroutine_threadsafe(announce(bound, DESCRIPTION, ["127.0.0.1"]), loop)
    announcer = made.result(timeout=30)
    assert announcer is not None
    browser = LanBrowser(["127.0.0.1"])
    seen: list[Found | Gone] = []
    try:

        def both() -> bool:
            while not browser.events.empty():
                seen.append(browser.events.get_nowait())
            return {(s.tls, s.port) for s in seen if isinstance(s, Found)} >= {
                (True, 16697), (False, 16667)}  # fmt: skip

        wait_until(both, timeout=30, what="both services seen")
        (found,) = servers(seen)
        assert found.tls and found.port == 16697 and found.address == "127.0.0.1"
        assert found.description == dataclasses.replace(DESCRIPTION, tls_port=16697)
        asyncio.run_coroutine_threadsafe(announcer.close(), loop).result(timeout=30)
        announcer = None

        def gone() -> bool:
            while not browser.events.empty():
                seen.append(browser.events.get_nowait())
            return servers(seen) == []

        wait_until(gone, timeout=30, what="the goodbye seen")
    finally:
        browser.close()
        if announcer is not None:
            asyncio.run_coroutine_threadsafe(announcer.close(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
