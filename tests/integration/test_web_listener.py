"""The web listener on real sockets: IRC over WebSocket next to TCP, and its HTTP side."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.client import IrcClient
from support.servers import ProcessServer, ThreadServer, web_config
from support.waiting import wait_until
from support.wsclient import BINARY, TEXT, Rejected, WebSocketClient

STRANGER = "127.0.0.2"  # not in connection_exempt, so the caps apply to it


@pytest.fixture
def web(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(web=web_config())


@pytest.fixture
def closing() -> Iterator[list[IrcClient | socket.socket]]:
    opened: list[IrcClient | socket.socket] = []
    yield opened
    for thing in opened:
        thing.close()


def http_get(port: int, raw: bytes, tls: bool = False, source: str | None = None) -> bytes:
    """Send a raw request; everything the server answers until it hangs up."""
    bind = (source, 0) if source else None
    sock: socket.socket = socket.create_connection(("127.0.0.1", port), 5, source_address=bind)
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        sock = context.wrap_socket(sock, server_hostname="127.0.0.1")
    with sock:
        sock.sendall(raw)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def request(target: str, method: str = "GET", extra: str = "") -> bytes:
    return f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


@pytest.mark.parametrize("subprotocols", [(TEXT,), (BINARY,), ()])
def test_websocket_and_tcp_users_chat(
    web: ThreadServer, closing: list[IrcClient | socket.socket], subprotocols: tuple[str, ...]
) -> None:
    browser = WebSocketClient(web.web_port, subprotocols=subprotocols)
    tcp = IrcClient(web.port)
    closing += [browser, tcp]
    browser.register("webby")
    tcp.register("tcpy")
    browser.send("PRIVMSG tcpy :hi")
    said = tcp.expect("PRIVMSG")
    assert said.params == ("tcpy", "hi") and said.source.startswith("webby!")
    tcp.send("PRIVMSG #lobby :gr\u00fc\u00df dich \u2603")
    heard = browser.expect("PRIVMSG")
    assert heard.params == ("#lobby", "gr\u00fc\u00df dich \u2603")
    browser.send("PRIVMSG #lobby :\u00e7a va")
    assert tcp.expect("PRIVMSG").params == ("#lobby", "\u00e7a va")
    kind = bytes if subprotocols == (BINARY,) else str
    assert browser.messages and all(isinstance(m, kind) for m in browser.messages)
    assert all(not (m.endswith("\r\n") if isinstance(m, str) else m.endswith(b"\r\n"))
               for m in browser.messages)  # fmt: skip
    assert browser.subprotocol == (subprotocols[0] if subprotocols else None)


def test_websocket_session_is_an_ordinary_session(
    web: ThreadServer, closing: list[IrcClient | socket.socket]
) -> None:
    browser = WebSocketClient(web.web_port)
    tcp = IrcClient(web.port)
    closing += [browser, tcp]
    browser.register("webby")
    tcp.register("tcpy")
    tcp.send("WHOIS webby")
    whois = tcp.collect_until("318")
    assert any(m.command == "311" and m.params[1] == "webby" for m in whois)
    browser.send("QUIT :off")
    assert tcp.expect("QUIT").source.startswith("webby!")
    browser.wait_closed()
    assert browser.close_code == 1000


def test_over_long_line_gets_417_and_the_session_goes_on(
    web: ThreadServer, closing: list[IrcClient | socket.socket]
) -> None:
    browser = WebSocketClient(web.web_port)
    closing.append(browser)
    browser.register("webby")
    browser.send("PRIVMSG #lobby :" + "x" * 600)
    assert browser.expect("417").params[0] == "webby"
    browser.send("PRIVMSG #lobby :" + "y" * 10000)  # past what is kept at all
    assert browser.expect("417").params[0] == "webby"
    browser.sync()


def test_bad_utf8_in_a_text_frame_closes_1007_and_the_user_quits(
    web: ThreadServer, closing: list[IrcClient | socket.socket]
) -> None:
    browser = WebSocketClient(web.web_port)
    tcp = IrcClient(web.port)
    closing += [browser, tcp]
    browser.register("webby")
    tcp.register("tcpy")
    browser.send_raw(bytes([0x81, 0x80 | 4]) + b"\0\0\0\0" + b"a\xffb\n")
    browser.wait_closed()
    assert browser.close_code == 1007
    assert tcp.expect("QUIT").source.startswith("webby!")


def test_page_from_another_origin_is_refused_and_our_own_let_in(web: ThreadServer) -> None:
    port = web.web_port
    with pytest.raises(Rejected) as refused:
        WebSocketClient(port, origin="https://evil.example")
    assert refused.value.status == 403
    own = WebSocketClient(port, origin=f"http://127.0.0.1:{port}")
    own.register("mine")
    own.close()


def test_health_and_the_index_with_their_headers(web: ThreadServer) -> None:
    answer = http_get(web.web_port, request("/health"))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert json.loads(body) == {"status": "ok"}
    answer = http_get(web.web_port, request("/"))
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    for needed in (b"Content-Security-Policy: ", b"X-Content-Type-Options: nosniff",
                   b"Cache-Control: no-cache", b"ETag: ", b"Content-Type: text/html"):  # fmt: skip
        assert needed in head
    assert b'<script type="module" src="app.js"></script>' in body  # the web client


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (request("/../../../../etc/passwd"), b"400"),
        (request("/%2e%2e/%2e%2e/%2e%2e/etc/passwd"), b"400"),
        (request("/nothing-here.js"), b"404"),
        (request("/", "POST", "Content-Length: 3\r\n"), b"405"),
        (request("/", "DELETE"), b"405"),
        (request("/", extra="X-Big: " + "a" * 20000 + "\r\n"), b"431"),
        (b"NICK alice\r\nUSER a 0 * :a\r\n\r\n", b"400"),
    ],
)
def test_bad_requests_get_clear_answers(web: ThreadServer, raw: bytes, status: bytes) -> None:
    answer = http_get(web.web_port, raw)
    assert answer.startswith(b"HTTP/1.1 " + status + b" ")
    assert b"root:" not in answer


def test_huge_headers_are_refused_before_they_are_all_read(web: ThreadServer) -> None:
    sock = socket.create_connection(("127.0.0.1", web.web_port), 5)
    with sock:
        sock.sendall(b"GET / HTTP/1.1\r\nX: " + b"a" * 9000)  # no end of head, ever
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 431 ")


def test_silent_client_is_dropped_after_the_handshake_timeout_and_counted_meanwhile(
    make_server: Callable[..., ThreadServer], closing: list[IrcClient | socket.socket]
) -> None:
    limits = {"handshake_timeout": 1.0, "max_unregistered": 1, "connection_exempt": ()}
    server = make_server(web=web_config(), limits=limits)
    silent = socket.create_connection(("127.0.0.1", server.web_port), 5, (STRANGER, 0))
    closing.append(silent)
    hub = server.process.hub  # type: ignore[union-attr]
    wait_until(lambda: server.call(lambda: len(hub.handshakes)) == 1, what="the handshake")
    # Its place is taken: a second one is refused at once, over HTTP.
    refused = http_get(server.web_port, b"", source=STRANGER)  # (a request would race the close)
    assert refused.startswith(b"HTTP/1.1 503 ") and b"set up" in refused
    silent.settimeout(5)
    assert silent.recv(100) == b""  # dropped, without a word
    wait_until(lambda: server.call(lambda: not hub.handshakes and not hub.connections))
    assert server.call(lambda: hub.handshake_failures) == 1
    assert http_get(server.web_port, request("/health"), source=STRANGER).startswith(
        b"HTTP/1.1 200 "
    )


def test_tls_web_listener_serves_wss_and_https(
    make_server: Callable[..., ThreadServer], closing: list[IrcClient | socket.socket]
) -> None:
    server = make_server(web=web_config(tls=True))
    assert http_get(server.web_port, request("/health"), tls=True).startswith(b"HTTP/1.1 200 ")
    browser = WebSocketClient(
        server.web_port, tls=True, origin=f"https://127.0.0.1:{server.web_port}"
    )
    closing.append(browser)
    browser.register("secure")
    hub = server.process.hub  # type: ignore[union-attr]
    assert server.call(lambda: [c.tls for c in hub.connections]) == [True]


def test_slow_tls_client_is_dropped_too(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(web=web_config(tls=True), limits={"handshake_timeout": 0.5})
    sock = socket.create_connection(("127.0.0.1", server.web_port), 5)
    with sock:
        sock.settimeout(5)
        with contextlib.suppress(ConnectionResetError):  # a reset is a drop too
            assert sock.recv(100) == b""


def test_the_cli_prints_the_url_and_websocket_means_plain(tmp_path: Path) -> None:
    default = ProcessServer(["--data-dir", str(tmp_path / "a"), "--listen", "127.0.0.1:0",
                             "--web-listen", "127.0.0.1:0"])  # fmt: skip
    try:
        [url] = default.web_urls
        assert url.startswith("https://127.0.0.1:")
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        assert http_get(port, request("/health"), tls=True).startswith(b"HTTP/1.1 200 ")
    finally:
        default.stop()
    plain = ProcessServer(["--data-dir", str(tmp_path / "b"), "--listen", "127.0.0.1:0",
                           "--websocket", "127.0.0.1:0"])  # fmt: skip
    try:
        [url] = plain.web_urls
        assert url.startswith("http://127.0.0.1:")
        port = int(url.rstrip("/").rsplit(":", 1)[1])
        client = WebSocketClient(port)
        client.register("plain", lobby=False)
        client.close()
    finally:
        plain.stop()
    only_irc = ProcessServer(["--data-dir", str(tmp_path / "c"), "--listen", "127.0.0.1:0"])
    try:
        assert only_irc.web_urls == []
    finally:
        only_irc.stop()


def test_closed_client_is_gone_from_the_server(
    web: ThreadServer, closing: list[IrcClient | socket.socket]
) -> None:
    browser = WebSocketClient(web.web_port)
    browser.register("brief")
    browser.close()  # no close frame: the socket just goes
    tcp = IrcClient(web.port)
    closing.append(tcp)
    tcp.register("stays")
    wait_until(lambda: (tcp.send("WHOIS brief"), tcp.collect_until("318"))[1][0].command == "401")
