"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent, for tests."""

from __future__ import annotations

import email
import threading
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class _Keeper:
    """aiosmtpd's handler: every message accepted is kept, or refused when told."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.recipients: list[list[str]] = []
        self.refuse = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "554 Transaction failed"
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


class _AnyPort(Controller):
    """aiosmtpd's Controller on port 0: it learns the port it got before its own check."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """Start with `with SmtpSink() as sink:`; `sink.port`, `sink.messages`."""

    def __init__(self) -> None:
        self.keeper = _Keeper()
        self.controller = _AnyPort(self.keeper, hostname="127.0.0.1", port=0)

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    @property
    def messages(self) -> list[Message]:
        with self.keeper.lock:
            return list(self.keeper.messages)

    def refuse(self, refusing: bool = True) -> None:
        self.keeper.refuse = refusing
