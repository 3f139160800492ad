"""A scripted IRC server on 127.0.0.1 for client tests: it offers the caps it is given,
welcomes one client into #lobby, then sends what the test tells it and records what
the client sends. For lines of extensions the real server does not have (the server
side is tested on its own)."""

from __future__ import annotations

import contextlib
import socket
import threading

from parley.irc.message import Message, parse
from support.waiting import wait_until


class ScriptedServer:
    """One client at a time; `send` writes raw lines to it, `received` is what it sent."""

    def __init__(self, caps: str, names: str = "alice bob robo") -> None:
        self.caps = caps
        self.names = names
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received: list[Message] = []
        self.nick = ""
        self._conn: socket.socket | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self.listener.accept()
            self._conn = conn
            buffer = b""
            while chunk := conn.recv(65536):
                buffer += chunk
                while b"\n" in buffer:
                    raw, buffer = buffer.split(b"\n", 1)
                    if raw.strip():
                        self._answer(parse(raw))

    def _answer(self, msg: Message) -> None:
        with self._lock:
            self.received.append(msg)
        params = msg.params
        if msg.command == "CAP" and params[:1] == ("LS",):
            self.send(f":srv CAP * LS :{self.caps}")
        elif msg.command == "CAP" and params[:1] == ("REQ",):
            self.send(f":srv CAP * ACK :{params[-1]}")
        elif msg.command == "NICK":
            self.nick = params[0]
        elif msg.command == "CAP" and params[:1] == ("END",):
            me = self.nick
            self.send(f":srv 001 {me} :Welcome to the scripted server")
            self.send(f":srv 422 {me} :No MOTD")
            self.send(f":{me}!u@h JOIN #lobby")
            self.send(f":srv 353 {me} = #lobby :@{me} {self.names}")
            self.send(f":srv 366 {me} #lobby :End of /NAMES list")
        elif msg.command == "PING":
            self.send(f":srv PONG srv :{params[-1]}")

    def send(self, *lines: str) -> None:
        conn = self._conn
        assert conn is not None, "no client yet"
        conn.sendall(b"".join(line.encode() + b"\r\n" for line in lines))

    def got(self, command: str) -> list[Message]:
        with self._lock:
            return [m for m in self.received if m.command == command]

    def wait_for(self, command: str, count: int = 1) -> list[Message]:
        """The client's lines of a command, once there are `count` of them."""
        wait_until(lambda: len(self.got(command)) >= count, what=f"{count} {command} from client")
        return self.got(command)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.listener.close()
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.shutdown(socket.SHUT_RDWR)
            self._conn.close()
        self._thread.join(timeout=5)
