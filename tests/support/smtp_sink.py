"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it is sent, for tests."""

from __future__ import annotations

import email
import ssl
import threading
from email.message import Message
from functools import partial
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


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
    """Start with `with SmtpSink() as sink:`; `sink.port`, `sink.messages`.

    With `tls` (a certificate and key), it offers STARTTLS and insists on it; with
    `login` too, it wants that user name and password (after STARTTLS).
    """

    def __init__(
        self, tls: tuple[Path, Path] | None = None, login: tuple[str, str] | None = None
    ) -> None:
        self.keeper = _Keeper()
        self.logins: list[str] = []
        options: dict[str, Any] = {}
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            options.update(tls_context=context, require_starttls=True)
        if login is not None:
            options.update(authenticator=partial(self._check, login), auth_required=True)
        self.controller = _AnyPort(self.keeper, hostname="127.0.0.1", port=0, **options)

    def _check(
        self, login: tuple[str, str], server: Any, session: Any, envelope: Any,
        mechanism: str, data: Any,
    ) -> AuthResult:  # fmt: skip
        given = (data.login.decode(), data.password.decode()) if data is not None else None
        self.logins.append(given[0] if given else "")
        return AuthResult(success=given == login)

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
