"""Web Push (IRCv3 draft/webpush) end to end: a browser's subscription, a local push
service that checks the VAPID token and decrypts, and what reaches it and when."""

from __future__ import annotations

import logging
import os
import sqlite3
import ssl
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from parley.irc.message import Message, parse
from parley.server import push as push_setup
from parley.server.config import Config, Push
from parley.server.push import sender
from parley.server.push.sender import WebPush
from parley.server.push.vapid import KEY_FILE
from parley.server.tls import ensure_certificate
from support.accounts import logged_in
from support.client import IrcClient
from support.privacy import make_channel, register_account
from support.push_service import PushService, Subscriber
from support.servers import ProcessServer, ThreadServer
from support.waiting import wait_until

PASSWORD = "wonderland1"
CAPS = ("draft/webpush", "standard-replies")


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(
        lobby=None,
        push=Push(allow_private_endpoints=True),
        limits={"flood_enabled": False, "push_subscriptions_per_account": 3},
    )


def vapid_of(client: IrcClient) -> str:
    """The VAPID key the server advertised to `client` (ISUPPORT VAPID)."""
    for message in client.received:
        if message.command == "005":
            for token in message.params[1:-1]:
                if token.startswith("VAPID="):
                    return token.removeprefix("VAPID=")
    raise AssertionError("no VAPID in ISUPPORT")


@pytest.fixture
def service(server: ThreadServer) -> Iterator[PushService]:
    probe = IrcClient(server.port)
    probe.register("probe", caps=CAPS, lobby=False)
    running = PushService(vapid_of(probe))
    probe.close()
    yield running
    running.close()


def member(server: ThreadServer, nick: str, *channels: str, always_on: bool = False) -> IrcClient:
    """`nick` registers an account (and joins `channels`, stays online if `always_on`)."""
    client = IrcClient(server.port)
    client.register(nick, caps=CAPS, lobby=False)
    register_account(client, PASSWORD)
    for channel in channels:
        make_channel(client, channel)
    if always_on:
        client.send("PRIVMSG NickServ :SET ALWAYS-ON ON")
        client.expect(lambda m: m.command == "NOTICE" and "stay online" in m.params[1])
    return client


def guest(server: ThreadServer, nick: str) -> IrcClient:
    client = IrcClient(server.port)
    client.register(nick, caps=("message-tags",), lobby=False)
    return client


def browser(endpoint: str) -> Subscriber:
    """A browser's subscription at an endpoint of no local service."""
    return Subscriber("x", endpoint, ec.generate_private_key(ec.SECP256R1()), os.urandom(16))


def subscribe(client: IrcClient, subscriber: Subscriber) -> Message:
    """WEBPUSH REGISTER: the echo, or the FAIL."""
    client.send(f"WEBPUSH REGISTER {subscriber.endpoint} {subscriber.keys}")
    return client.expect(lambda m: m.command in ("WEBPUSH", "FAIL"))


def leave(client: IrcClient) -> None:
    client.send("QUIT :bye")
    client.wait_closed()


def pusher_of(server: ThreadServer) -> WebPush:
    process = server.process
    assert process is not None and process.push is not None
    return process.push


def subscriptions_stored(server: ThreadServer) -> int:
    with sqlite3.connect(server.config.data_dir / "parley.db") as db:
        (count,) = db.execute("SELECT count(*) FROM push_subscriptions").fetchone()
    return int(count)


def test_a_private_message_to_an_account_with_no_device_arrives_decrypted(
    server: ThreadServer, service: PushService
) -> None:
    alice = member(server, "alice")
    echo = subscribe(alice, service.subscribe("alice"))
    assert echo.params == ("REGISTER", service.subscribers["alice"].endpoint)
    leave(alice)
    bob = guest(server, "bob")
    bob.send("PRIVMSG alice :are you there?")
    wait_until(lambda: service.texts("alice"), what="the push")
    [line] = service.texts("alice")
    assert "\r" not in line and "\n" not in line  # one IRC message, no CRLF
    pushed = parse(line.encode())
    assert pushed.command == "PRIVMSG" and pushed.params == ("alice", "are you there?")
    assert (pushed.source or "").startswith("bob!") and pushed.tags.get("msgid")
    assert "time" in pushed.tags
    [received] = [r for r in service.received if r.name == "alice"]
    assert received.headers["Urgency"] == "high" and int(received.headers["TTL"]) > 0
    assert not service.refused


def test_a_mention_in_a_channel_reaches_an_always_on_member_with_no_device(
    server: ThreadServer, service: PushService
) -> None:
    alice = member(server, "alice", "#tea", always_on=True)
    subscribe(alice, service.subscribe("alice"))
    leave(alice)  # kept online, in #tea, with no device
    bob = guest(server, "bob")
    bob.send("JOIN #tea")
    bob.expect("366")
    bob.send("PRIVMSG #tea :the kettle is on")  # no mention: no push
    bob.send("PRIVMSG #tea :malice is not a mention either")
    bob.send("PRIVMSG #tea :ALICE, tea?")
    bob.send("PRIVMSG alice :and a private word")
    wait_until(lambda: len(service.texts("alice")) == 2, what="two pushes")
    ends = sorted(t.rsplit(" PRIVMSG ", 1)[1] for t in service.texts("alice"))  # (sent apart)
    assert ends == ["#tea :ALICE, tea?", "alice :and a private word"]


def test_a_mention_in_a_channel_the_account_is_not_in_is_not_pushed(
    server: ThreadServer, service: PushService
) -> None:
    alice = member(server, "alice", "#tea", always_on=True)
    subscribe(alice, service.subscribe("alice"))
    leave(alice)
    bob = guest(server, "bob")
    bob.send("JOIN #gossip")
    bob.expect("366")
    bob.send("PRIVMSG #gossip :did you hear what alice said?")
    bob.send("PRIVMSG alice :hello")
    wait_until(lambda: service.texts("alice"), what="the private message's push")
    assert [t.rsplit(" :", 1)[1] for t in service.texts("alice")] == ["hello"]


def test_no_push_while_the_account_has_a_device_connected(
    server: ThreadServer, service: PushService
) -> None:
    alice = member(server, "alice")
    subscribe(alice, service.subscribe("alice"))
    bob = guest(server, "bob")
    bob.send("PRIVMSG alice :first, while you are here")
    alice.expect("PRIVMSG")
    leave(alice)
    bob.send("PRIVMSG alice :second, once you left")
    wait_until(lambda: service.texts("alice"), what="the push")
    assert [t.rsplit(" :", 1)[1] for t in service.texts("alice")] == ["second, once you left"]


def test_a_second_device_of_the_account_counts_as_connected(
    server: ThreadServer, service: PushService
) -> None:
    alice = member(server, "alice")
    subscribe(alice, service.subscribe("alice"))
    leave(alice)
    phone = logged_in(server.port, "alice_", "alice", PASSWORD)
    bob = guest(server, "bob")
    bob.send("PRIVMSG alice :to the account")
    phone.sync()
    leave(phone)
    bob.send("PRIVMSG alice :after the phone left")
    wait_until(lambda: service.texts("alice"), what="the push")
    assert [t.rsplit(" :", 1)[1] for t in service.texts("alice")] == ["after the phone left"]


def test_unregister_stops_pushes(server: ThreadServer, service: PushService) -> None:
    alice = member(server, "alice")
    laptop, phone = service.subscribe("laptop"), service.subscribe("phone")
    subscribe(alice, laptop)
    subscribe(alice, phone)
    alice.send(f"WEBPUSH UNREGISTER {laptop.endpoint}")
    assert alice.expect("WEBPUSH").params == ("UNREGISTER", laptop.endpoint)
    alice.send("WEBPUSH UNREGISTER https://push.example.org/never-registered")  # ignored
    assert alice.expect("WEBPUSH").params[0] == "UNREGISTER"
    leave(alice)
    bob = guest(server, "bob")
    bob.send("PRIVMSG alice :ping")
    wait_until(lambda: service.texts("phone"), what="the phone's push")
    assert service.texts("laptop") == []
    assert subscriptions_stored(server) == 1


def test_a_gone_subscription_is_forgotten(server: ThreadServer, service: PushService) -> None:
    alice = member(server, "alice")
    subscribe(alice, service.subscribe("alice"))
    service.answers["alice"] = 410
    leave(alice)
    bob = guest(server, "bob")
    bob.send("PRIVMSG alice :hello?")
    pusher = pusher_of(server)
    wait_until(lambda: not server.call(pusher.subscribed, "alice"), what="forgotten")
    assert subscriptions_stored(server) == 0
    assert service.requests == 1  # not tried again


def test_only_logged_in_users_register(server: ThreadServer, service: PushService) -> None:
    client = IrcClient(server.port)
    client.register("carol", caps=CAPS, lobby=False)
    fail = subscribe(client, service.subscribe("carol"))
    assert fail.command == "FAIL" and fail.params[:3] == ("WEBPUSH", "ACCOUNT_REQUIRED", "REGISTER")


@pytest.mark.parametrize(
    "keys",
    [
        "",
        "p256dh=abc;auth=abc",
        "auth=AAECAwQFBgcICQoLDA0ODw",  # no public key
        "p256dh=" + "A" * 87 + ";auth=AAECAwQFBgcICQoLDA0ODw",  # not a point (0x00 first)
        "p256dh=BAAA;auth=AAECAwQFBgcICQoLDA0ODw",  # too short
        "p256dh=!!!;auth=???",
        "\u00e9",
    ],
)
def test_bad_keys_are_refused_with_invalid_params(
    server: ThreadServer, service: PushService, keys: str
) -> None:
    alice = member(server, "alice")
    endpoint = service.subscribe("alice").endpoint
    alice.send(f"WEBPUSH REGISTER {endpoint} :{keys}")
    fail = alice.expect("FAIL")
    assert fail.params[:4] == ("WEBPUSH", "INVALID_PARAMS", "REGISTER", endpoint)
    assert subscriptions_stored(server) == 0


def test_malformed_commands_get_invalid_params(server: ThreadServer) -> None:
    alice = member(server, "alice")
    for line in ("WEBPUSH REGISTER", "WEBPUSH FROBNICATE x", "WEBPUSH UNREGISTER a b",
                 "WEBPUSH register https://h/x k extra"):  # fmt: skip
        alice.send(line)
        fail = alice.expect("FAIL")
        assert fail.params[:2] == ("WEBPUSH", "INVALID_PARAMS"), line
    alice.send("WEBPUSH")
    alice.expect("461")


def test_subscriptions_per_account_are_limited(server: ThreadServer, service: PushService) -> None:
    alice = member(server, "alice")
    devices = [service.subscribe(f"device{i}") for i in range(4)]
    for device in devices[:3]:
        assert subscribe(alice, device).command == "WEBPUSH"
    fail = subscribe(alice, devices[3])
    assert fail.params[:4] == ("WEBPUSH", "MAX_REGISTRATIONS", "REGISTER", devices[3].endpoint)
    assert subscribe(alice, devices[0]).command == "WEBPUSH"  # the same endpoint: replaced
    assert subscriptions_stored(server) == 3


def test_an_endpoint_registered_by_another_account_moves_to_it(
    server: ThreadServer, service: PushService
) -> None:
    browser = service.subscribe("shared")
    alice = member(server, "alice")
    subscribe(alice, browser)
    bob = member(server, "bob")
    subscribe(bob, browser)
    leave(alice)
    leave(bob)
    carol = guest(server, "carol")
    carol.send("PRIVMSG alice :for alice")
    carol.send("PRIVMSG bob :for bob")
    wait_until(lambda: service.texts("shared"), what="bob's push")
    carol.sync()
    assert [t.rsplit(" :", 1)[1] for t in service.texts("shared")] == ["for bob"]
    assert subscriptions_stored(server) == 1


def test_a_long_line_is_pushed_with_its_msgid_alone(
    server: ThreadServer, service: PushService
) -> None:
    alice = member(server, "alice")
    subscribe(alice, service.subscribe("alice"))
    leave(alice)
    bob = guest(server, "bob")
    bob.send("@+example.org/big=" + "x" * 4000 + " PRIVMSG alice :a big one")
    wait_until(lambda: service.texts("alice"), what="the push")
    [line] = service.texts("alice")
    tags, _, rest = line.partition(" ")
    assert tags.startswith("@msgid=") and ";" not in tags
    assert rest.endswith(" PRIVMSG alice :a big one")


def test_the_account_deleted_takes_its_subscriptions(
    server: ThreadServer, service: PushService
) -> None:
    alice = member(server, "alice")
    subscribe(alice, service.subscribe("alice"))
    alice.send(f"PRIVMSG NickServ :DROP {PASSWORD}")
    alice.expect(lambda m: m.command == "NOTICE" and "deleted" in m.params[1].lower())
    wait_until(lambda: subscriptions_stored(server) == 0, what="the row gone")
    pusher = pusher_of(server)
    wait_until(lambda: not server.call(pusher.subscribed, "alice"), what="forgotten in memory")
    alice.sync()
    register_account(alice, PASSWORD)  # the name's next owner inherits nothing
    assert not server.call(pusher.subscribed, "alice")


# -- endpoints the server refuses (docs/security.md) -------------------------------------


@pytest.fixture
def strict(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """A server with the defaults: https on port 443 to public addresses only."""
    return make_server(lobby=None, limits={"flood_enabled": False, "push_endpoint_length": 100})


@pytest.mark.parametrize(
    ("endpoint", "why"),
    [
        ("http://93.184.216.34/push/abc", "https"),
        ("https://127.0.0.1/push/abc", "private"),
        ("https://10.1.2.3/push/abc", "private"),
        ("https://169.254.169.254/latest/meta-data", "private"),
        ("https://[::1]/push/abc", "private"),
        ("https://[::ffff:192.168.0.1]/push", "private"),
        ("https://localhost/push/abc", "private"),
        ("https://93.184.216.34:8443/push/abc", "port"),
        ("https://user:pw@93.184.216.34/push", "Invalid"),
        ("https://93.184.216.34/" + "a" * 100, "at most 100"),
        ("ftp://93.184.216.34/push", "https"),
        ("https:///nohost", "Invalid"),
    ],
)
def test_endpoints_not_public_https_are_refused(
    strict: ThreadServer, endpoint: str, why: str
) -> None:
    alice = member(strict, "alice")
    fail = subscribe(alice, browser(endpoint))
    assert fail.command == "FAIL", fail
    assert fail.params[:3] == ("WEBPUSH", "INVALID_PARAMS", "REGISTER")
    assert why in fail.params[-1]
    assert subscriptions_stored(strict) == 0


def test_a_public_https_endpoint_is_accepted(strict: ThreadServer) -> None:
    alice = member(strict, "alice")
    public = browser("https://93.184.216.34/push/abc")  # (registering sends nothing to it)
    assert subscribe(alice, public).params == ("REGISTER", public.endpoint)


# -- offered or not, and the key kept --------------------------------------------------


def test_not_offered_when_turned_off(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(lobby=None, push=Push(enabled=False))
    client = IrcClient(server.port)
    client.send("CAP LS 302")
    listed = client.collect_until_match(lambda m: m.command == "CAP" and m.params[2] != "*")
    assert not any("draft/webpush" in m.params[-1] for m in listed)
    client.send("CAP REQ draft/webpush")
    assert client.expect("CAP").params[1] == "NAK"
    client.send("CAP END")
    client.register("dave", lobby=False)
    assert not any(
        t.startswith("VAPID=") for m in client.received if m.command == "005" for t in m.params
    )


def test_without_its_packages_it_is_off_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(push_setup, "missing", lambda: ["http_ece"])
    with caplog.at_level(logging.WARNING, "parley"):
        assert push_setup.make_web_push(Config(data_dir=tmp_path), tmp_path / "parley.db") is None
    assert "http_ece not installed" in caplog.text


def test_the_vapid_key_is_made_once_and_kept_across_restarts(tmp_path: Path) -> None:
    args = ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path), "--no-web"]
    keys = []
    for _ in range(2):
        process = ProcessServer(args)
        try:
            client = IrcClient(process.port())
            client.register("erin", caps=CAPS, lobby=False)
            keys.append(vapid_of(client))
            client.close()
        finally:
            process.stop()
    assert keys[0] == keys[1] and len(keys[0]) == 87  # 65 bytes, base64url
    mode = stat.S_IMODE((tmp_path / KEY_FILE).stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE((tmp_path / KEY_FILE).parent.stat().st_mode) == 0o700


def test_a_busy_service_is_tried_a_bounded_number_of_times(
    server: ThreadServer, service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender, "BACKOFF", 0.05)
    alice = member(server, "alice")
    subscribe(alice, service.subscribe("alice"))
    service.answers["alice"] = 503
    leave(alice)
    bob = guest(server, "bob")
    bob.send("PRIVMSG alice :knock knock")
    pusher = pusher_of(server)
    wait_until(lambda: server.call(lambda: pusher.dropped) == 1, what="given up")
    assert service.requests == sender.ATTEMPTS
    assert server.call(pusher.subscribed, "alice")  # busy is not gone: it stays


def test_pushes_to_an_account_are_capped_per_minute(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(
        lobby=None,
        push=Push(allow_private_endpoints=True),
        limits={"flood_enabled": False, "pushes_per_account_minute": 2},
    )
    alice = member(server, "alice")
    service = PushService(vapid_of(alice))
    try:
        subscribe(alice, service.subscribe("alice"))
        leave(alice)
        bob = guest(server, "bob")
        for i in range(5):
            bob.send(f"PRIVMSG alice :message {i}")
        bob.sync()
        pusher = pusher_of(server)
        assert server.call(lambda: pusher.dropped) == 3  # counted as they are said
        wait_until(lambda: len(service.texts("alice")) == 2, what="two pushes")
    finally:
        service.close()


def test_a_multiline_message_is_pushed_as_one_line(
    server: ThreadServer, service: PushService
) -> None:
    alice = member(server, "alice", "#tea", always_on=True)
    subscribe(alice, service.subscribe("alice"))
    leave(alice)
    bob = IrcClient(server.port)
    bob.register("bob", caps=("batch", "draft/multiline", "message-tags"), lobby=False)
    bob.send("JOIN #tea")
    bob.expect("366")
    bob.send(
        "BATCH +m draft/multiline #tea\r\n@batch=m PRIVMSG #tea :first line\r\n"
        "@batch=m PRIVMSG #tea :then alice,\r\n"
        "@batch=m;draft/multiline-concat PRIVMSG #tea : continued\r\nBATCH -m"
    )
    bob.send("BATCH +p draft/multiline alice\r\n@batch=p PRIVMSG alice :one\r\n"
             "@batch=p PRIVMSG alice :two\r\nBATCH -p")  # fmt: skip
    wait_until(lambda: len(service.texts("alice")) == 2, what="two pushes")
    lines = [parse(t.encode()) for t in service.texts("alice")]
    assert sorted(m.params for m in lines) == [
        ("#tea", "first line then alice, continued"),
        ("alice", "one two"),
    ]
    assert all(m.tags.get("msgid") for m in lines)


def test_a_push_goes_over_https_with_the_certificate_checked(
    server: ThreadServer, tmp_path: Path
) -> None:
    cert, key = ensure_certificate(tmp_path / "service", "push.test")
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    alice = member(server, "alice")
    service = PushService(vapid_of(alice), tls=served)
    try:
        pusher = pusher_of(server)
        trusting = ssl.create_default_context(cafile=str(cert))  # (the system's CAs, and ours)
        server.call(setattr, pusher, "_tls", trusting)
        subscriber = service.subscribe("alice")
        assert subscriber.endpoint.startswith("https://127.0.0.1:")
        subscribe(alice, subscriber)
        leave(alice)
        bob = guest(server, "bob")
        bob.send("PRIVMSG alice :over TLS")
        wait_until(lambda: service.texts("alice"), what="the push over https")
        assert service.texts("alice")[0].endswith(" PRIVMSG alice :over TLS")
        assert not service.refused  # the token's audience is the https origin
    finally:
        service.close()


def test_a_push_to_a_service_whose_certificate_is_not_trusted_is_not_sent(
    server: ThreadServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender, "BACKOFF", 0.05)
    cert, key = ensure_certificate(tmp_path / "service", "push.test")
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    alice = member(server, "alice")
    service = PushService(vapid_of(alice), tls=served)
    try:
        subscribe(alice, service.subscribe("alice"))
        leave(alice)
        bob = guest(server, "bob")
        bob.send("PRIVMSG alice :to a stranger")
        pusher = pusher_of(server)
        wait_until(lambda: server.call(lambda: pusher.dropped) == 1, what="dropped")
        assert service.texts("alice") == []
    finally:
        service.close()


def test_a_subscription_that_keeps_failing_is_forgotten(
    server: ThreadServer, service: PushService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender, "FAILURES_TO_FORGET", 2)
    alice = member(server, "alice")
    subscribe(alice, service.subscribe("alice"))
    service.answers["alice"] = 400  # refused, not gone: tried no more, but kept a while
    leave(alice)
    bob = guest(server, "bob")
    pusher = pusher_of(server)
    bob.send("PRIVMSG alice :one")
    wait_until(lambda: server.call(lambda: pusher.dropped) == 1, what="the first refused")
    assert server.call(pusher.subscribed, "alice")
    bob.send("PRIVMSG alice :two")
    wait_until(lambda: not server.call(pusher.subscribed, "alice"), what="forgotten")
    assert subscriptions_stored(server) == 0 and service.requests == 2
