"""IRC over WebSocket without sockets: a wsproto client against net/websocket.py."""

from __future__ import annotations

import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    Request,
    TextMessage,
)

from parley.server.net import http
from parley.server.net.websocket import (
    BINARY,
    MAX_MESSAGE,
    TEXT,
    IrcWebSocket,
    accept,
    origin_allowed,
)


def handshake(
    subprotocols: list[str], origin: str | None = None, secure: bool = False,
    allowed: tuple[str, ...] = (),
) -> tuple[WSConnection, IrcWebSocket | http.Response, str | None]:  # fmt: skip
    client = WSConnection(ConnectionType.CLIENT)
    headers = [(b"Origin", origin.encode())] if origin else []
    head = client.send(Request(host="chat.example:8097", target="/", subprotocols=subprotocols,
                               extra_headers=headers))  # fmt: skip
    request = http.parse_request(head)
    assert not isinstance(request, http.Response)
    result = accept(head, request, secure, allowed)
    if isinstance(result, http.Response):
        return client, result, None
    socket, reply = result
    client.receive_data(reply)
    event = next(client.events())
    assert isinstance(event, AcceptConnection)
    return client, socket, event.subprotocol


def opened(subprotocols: list[str] | None = None) -> tuple[WSConnection, IrcWebSocket]:
    client, socket, _ = handshake([TEXT] if subprotocols is None else subprotocols)
    assert isinstance(socket, IrcWebSocket)
    return client, socket


def masked_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """A client frame with an all-zero mask (so the payload goes as it is): for the
    frames a well-behaved library will not make, like bad UTF-8 in a text frame."""
    assert len(payload) < 126
    return bytes([(0x80 if fin else 0) | opcode, 0x80 | len(payload)]) + b"\0\0\0\0" + payload


@pytest.mark.parametrize(
    ("offered", "chosen", "binary"),
    [
        ([], None, False),
        ([TEXT], TEXT, False),
        ([BINARY], BINARY, True),
        ([BINARY, TEXT], BINARY, True),
        ([TEXT, BINARY], TEXT, False),
        (["chat", BINARY], BINARY, True),
        (["chat"], None, False),
    ],
)
def test_subprotocol_is_the_clients_first_that_we_speak(
    offered: list[str], chosen: str | None, binary: bool
) -> None:
    _, socket, subprotocol = handshake(offered)
    assert isinstance(socket, IrcWebSocket)
    assert subprotocol == chosen
    assert socket.binary is binary


def test_one_line_a_message_with_or_without_crlf() -> None:
    client, socket = opened()
    data = client.send(TextMessage(data="NICK a")) + client.send(TextMessage(data="USER a\r\n"))
    assert socket.receive(data).lines == [b"NICK a", b"USER a"]


def test_fragmented_message_is_put_together_even_a_byte_at_a_time() -> None:
    client, socket = opened()
    data = client.send(TextMessage(data="PRIVMSG #a :h\u00e9", message_finished=False))
    data += client.send(TextMessage(data="llo \u2603", message_finished=True))
    lines: list[bytes] = []
    for index in range(len(data)):
        lines += socket.receive(data[index : index + 1]).lines
    assert lines == ["PRIVMSG #a :h\u00e9llo \u2603".encode()]


def test_oversized_message_is_dropped_and_counted_once_and_the_next_goes_through() -> None:
    client, socket = opened()
    piece = "x" * 1000
    data = b"".join(client.send(TextMessage(data=piece, message_finished=False)) for _ in range(10))
    data += client.send(TextMessage(data="end", message_finished=True))
    data += client.send(TextMessage(data="PING :ok"))
    got = socket.receive(data)
    assert got.too_long == 1
    assert got.lines == [b"PING :ok"]
    assert not got.closed


def test_huge_single_frame_is_not_held_whole() -> None:
    client, socket = opened([BINARY])
    data = client.send(BytesMessage(data=b"y" * (4 * MAX_MESSAGE)))
    too_long = 0
    for start in range(0, len(data), 512):
        got = socket.receive(data[start : start + 512])
        too_long += got.too_long
        assert not got.lines
        assert sum(len(part) for part in socket._parts) <= MAX_MESSAGE
    assert too_long == 1


def test_line_just_under_the_limit_reaches_the_core_which_answers_417() -> None:
    client, socket = opened()
    line = "PRIVMSG #a :" + "z" * 600
    assert socket.receive(client.send(TextMessage(data=line))).lines == [line.encode()]


def test_bad_utf8_in_a_text_frame_closes_with_1007() -> None:
    client, socket = opened()
    got = socket.receive(masked_frame(0x1, b"PRIVMSG #a :caf\xe9"))
    assert got.closed and not got.lines
    client.receive_data(got.reply)
    event = next(client.events())
    assert isinstance(event, CloseConnection) and event.code == 1007
    assert socket.receive(masked_frame(0x1, b"NICK late")).lines == []  # nothing after


def test_non_utf8_in_a_binary_frame_goes_to_the_core_as_is() -> None:
    client, socket = opened([TEXT])
    assert socket.receive(client.send(BytesMessage(data=b"PRIVMSG #a :caf\xe9"))).lines == [
        b"PRIVMSG #a :caf\xe9"
    ]


def test_unmasked_client_frame_is_a_protocol_error() -> None:
    _, socket = opened()
    got = socket.receive(b"\x81\x04NICK")
    assert got.closed
    assert got.reply[2:4] == (1002).to_bytes(2, "big")


def test_ping_is_answered_with_its_payload() -> None:
    client, socket = opened()
    got = socket.receive(client.send(Ping(payload=b"tick")))
    client.receive_data(got.reply)
    event = next(client.events())
    assert isinstance(event, Pong) and event.payload == b"tick"


def test_close_is_echoed_with_the_peers_code() -> None:
    client, socket = opened()
    got = socket.receive(client.send(CloseConnection(code=1001, reason="bye")))
    assert got.closed
    client.receive_data(got.reply)
    event = next(client.events())
    assert isinstance(event, CloseConnection) and event.code == 1001
    assert socket.frame(b"ERROR :late\r\n") == b""


def test_goodbye_is_a_normal_close() -> None:
    client, socket = opened()
    client.receive_data(socket.frame(b"ERROR :Closing link\r\n") + socket.goodbye())
    events = list(client.events())
    assert events[0] == TextMessage(data="ERROR :Closing link")
    assert isinstance(events[1], CloseConnection) and events[1].code == 1000


@pytest.mark.parametrize(("subprotocol", "kind"), [(TEXT, TextMessage), (BINARY, BytesMessage)])
def test_each_outgoing_line_is_one_message_of_the_subprotocols_kind(
    subprotocol: str, kind: type
) -> None:
    client, socket = opened([subprotocol])
    client.receive_data(
        socket.frame(":s 001 a :Welcome\r\n:a PRIVMSG b :\u00e9t\u00e9\r\n".encode())
    )
    events = list(client.events())
    assert [type(e) for e in events] == [kind, kind]
    texts = [e.data if isinstance(e.data, str) else e.data.decode() for e in events]
    assert texts == [":s 001 a :Welcome", ":a PRIVMSG b :\u00e9t\u00e9"]


def test_text_subprotocol_never_sends_invalid_utf8() -> None:
    client, socket = opened([TEXT])
    client.receive_data(socket.frame(b":a PRIVMSG b :caf\xe9\r\n"))
    event = next(client.events())
    assert isinstance(event, TextMessage) and event.data == ":a PRIVMSG b :caf\ufffd"


def test_origin_rules() -> None:
    own = "chat.example:8097"
    assert origin_allowed(None, own, True, ())  # not a browser
    assert origin_allowed("https://chat.example:8097", own, True, ())
    assert origin_allowed("HTTPS://Chat.Example:8097/", own, True, ())
    assert not origin_allowed("http://chat.example:8097", own, True, ())  # scheme differs
    assert not origin_allowed("https://evil.example", own, True, ())
    assert not origin_allowed("null", own, True, ())
    assert not origin_allowed("https://chat.example:8097", None, True, ())
    assert origin_allowed("https://app.example", own, True, ("https://app.example",))
    assert origin_allowed("https://evil.example", own, True, ("*",))


def test_page_from_elsewhere_gets_403() -> None:
    _, refused, _ = handshake([TEXT], origin="https://evil.example")
    assert isinstance(refused, http.Response) and refused.status == 403
    _, socket, _ = handshake([TEXT], origin="http://chat.example:8097")
    assert isinstance(socket, IrcWebSocket)
    _, socket, _ = handshake([TEXT], origin="https://app.example", allowed=("https://app.example",))
    assert isinstance(socket, IrcWebSocket)


def test_handshake_wsproto_refuses_gets_400() -> None:
    head = (
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n"
    )  # fmt: skip  (no key)
    request = http.parse_request(head)
    assert not isinstance(request, http.Response)
    refused = accept(head, request, False, ())
    assert isinstance(refused, http.Response) and refused.status == 400
