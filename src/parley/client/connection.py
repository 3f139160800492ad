"""The client's connection: a ClientState over TCP or TLS, run in a background thread.

How this works: `Connection.start()` starts a thread with its own asyncio loop.
The loop connects, checks the TLS certificate against the pinned fingerprint,
feeds server lines to the ClientState and writes what it asks to send. Every
event goes onto `events`, a thread-safe queue the GUI polls with `after()`, so
only the Tk thread touches widgets. If the connection drops, it reconnects
with backoff and rejoins the channels it was in; with `retry_first=False` a
first connection that fails before the welcome is not retried, so the connect
dialog can say why. `send()` may be called from any thread; it returns False
while disconnected, so no input is lost silently.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import queue
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass

from parley.client import state as cs
from parley.client.farewell import Farewell, farewell
from parley.client.pins import PinStore, fingerprint
from parley.irc.message import Message, ProtocolError, encode, parse

BACKOFF = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)  # seconds between reconnection tries
LAG_INTERVAL = 15.0  # seconds between lag probes
CONNECT_TIMEOUT = 15.0  # seconds for TCP, and again for the TLS handshake


class ConnectFailure(Exception):
    """The server could not be reached or the TLS handshake failed: the text says why."""


def describe_connect_error(exc: OSError, host: str, port: int, timeout: float) -> str:
    """Why TCP did not connect, in words a user can act on."""
    where = f"{host}:{port}"
    refused = f"[Errno {errno.ECONNREFUSED}]"
    if isinstance(exc, socket.gaierror):
        return f"The server name {host} was not found. Check its spelling and your network."
    if isinstance(exc, ConnectionRefusedError) or refused in str(exc):
        return (
            f"Nothing answers at {where} (connection refused). "
            "Check the server name and port, and that the server is running."
        )
    if isinstance(exc, TimeoutError):
        return f"No answer from {where} within {timeout:g} seconds. Check the name and port."
    return f"Cannot reach {where}: {exc.strerror or exc}."


def describe_tls_error(exc: OSError, host: str, port: int, timeout: float) -> str:
    """Why the TLS handshake failed; the usual cause is a port that is not a TLS port."""
    where = f"{host}:{port}"
    plain_hint = "untick Encrypted (TLS) or use the server's TLS port (often 6697)"
    reason = getattr(exc, "reason", None) or ""
    if reason == "WRONG_VERSION_NUMBER":
        return (
            f"{where} did not answer in TLS: it looks like a plain port. To connect, {plain_hint}."
        )
    if isinstance(exc, TimeoutError):
        return (
            f"The TLS handshake with {where} did not finish within {timeout:g} seconds. "
            f"If this is not a TLS port, {plain_hint}."
        )
    if reason in ("UNSUPPORTED_PROTOCOL", "TLSV1_ALERT_PROTOCOL_VERSION"):
        return f"{where} offers only TLS older than 1.2, which is not safe: not connected."
    if isinstance(exc, ssl.SSLError):
        return f"The TLS handshake with {where} failed ({reason or exc})."
    return f"{where} closed the connection during the TLS handshake."


@dataclass(frozen=True, slots=True)
class Lag:
    """How long the server took to answer our last PING."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Connecting:
    host: str
    port: int


@dataclass(frozen=True, slots=True)
class Connected:
    tls_fingerprint: str | None  # None for plain TCP


@dataclass(frozen=True, slots=True)
class CertificatePinned:
    """First connection to this server: its fingerprint is now trusted (shown to the user)."""

    fingerprint: str


@dataclass(frozen=True, slots=True)
class CertificateChanged:
    """The server's certificate is not the pinned one: the user must decide (like SSH)."""

    old: str
    new: str


@dataclass(frozen=True, slots=True)
class CertificateUnknown:
    """First TLS connection to this server and `ask_first`: the user must decide."""

    fingerprint: str


@dataclass(frozen=True, slots=True)
class Disconnected:
    reason: str
    retry_in: float | None  # seconds until the next try, or None if it will not retry
    waiting: bool = False  # no retry on its own (a kill, a ban): the user may ask for one


ConnectionEvent = (
    Connecting
    | Connected
    | CertificatePinned
    | CertificateChanged
    | CertificateUnknown
    | Disconnected
    | Lag
)


class Connection:
    """One server connection, in its own thread."""

    def __init__(
        self,
        host: str,
        port: int,
        tls: bool,
        make_state: Callable[[], cs.ClientState],
        pins: PinStore | None = None,
        reconnect: bool = True,
        retry_first: bool = True,  # False: a first connection that fails ends here
        ask_first: bool = False,  # True: an unknown certificate waits for trust(), not pinned
    ) -> None:
        self.host, self.port, self.tls = host, port, tls
        self.make_state = make_state
        self.pins = pins
        self.reconnect = reconnect
        self.retry_first = retry_first
        self.ask_first = ask_first
        self.registered_once = False  # reached the welcome at least once
        self.farewell: Farewell | None = None  # the server's last words on this connection
        self.lag_interval = LAG_INTERVAL
        self.connect_timeout = CONNECT_TIMEOUT
        self.backoff = BACKOFF
        self.events: queue.Queue[cs.Event | ConnectionEvent] = queue.Queue()
        self.state: cs.ClientState | None = None
        self._loop = asyncio.new_event_loop()
        self._writer: asyncio.StreamWriter | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._thread = threading.Thread(target=self._run, name="parley-connection", daemon=True)

    # -- called from the GUI thread ------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def send(self, message: Message) -> bool:
        """Queue a line for the server; False if not connected (the GUI says so)."""
        if (
            self._writer is None
            or self.state is None
            or self.state.phase is not cs.Phase.REGISTERED
        ):
            return False
        self._loop.call_soon_threadsafe(self._write, [message])
        return True

    def mark_read(self, conversation: str) -> None:
        """The user has read `conversation`: the state sends MARKREAD if the server has it."""

        def mark() -> None:
            state = self.state
            if state is not None and state.phase is cs.Phase.REGISTERED:
                state.mark_read(conversation)
                self._write(state.take_outbox())

        with contextlib.suppress(RuntimeError):  # its loop closed as the thread ends
            self._loop.call_soon_threadsafe(mark)

    def choose_nick(self, nick: str) -> None:
        """After NickRefused, during registration: try another nick."""
        state = self.state
        if state is not None:
            state.nick = nick
        self._loop.call_soon_threadsafe(self._write, [Message.of("NICK", nick)])

    def trust(self, new_fingerprint: str) -> None:
        """The user accepts a new or changed certificate: pin it and connect again."""
        if self.pins is not None:
            self.pins.pin(self.host, self.port, new_fingerprint)
        self.reconnect_now()

    def reconnect_now(self) -> None:
        """Skip the rest of the wait before the next try (the user asked)."""
        if self._thread.is_alive():
            with contextlib.suppress(RuntimeError):  # its loop closed as the thread ends
                self._loop.call_soon_threadsafe(self._retry_now.set)

    def close(self, reason: str = "Leaving") -> None:
        """Quit and stop reconnecting; a connection still being made is abandoned."""
        self._stopping = True

        def quit_now() -> None:
            if self._writer is not None:
                self._write([Message.of("QUIT", reason)])
                self._writer.close()
            elif self._task is not None:
                self._task.cancel()
            self._retry_now.set()

        if self._thread.is_alive():
            # The thread may be ending on its own (the connection failed): its loop is
            # then closed and takes no more calls, and there is nothing left to quit.
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(quit_now)
            self._thread.join(timeout=5)

    # -- the connection thread -----------------------------------------------

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._retry_now = asyncio.Event()
        self._task = self._loop.create_task(self._keep_connected())
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(self._task)
        if self._task.cancelled():
            self.events.put(Disconnected("cancelled", None))
        self._loop.close()

    async def _keep_connected(self) -> None:
        attempt = 0
        channels: list[str] = []
        while not self._stopping:
            self.events.put(Connecting(self.host, self.port))
            reason, trusted = await self._session(channels)
            if self.state is not None and self.state.channels:
                channels = [view.name for view in self.state.channels.values()]
            if self._stopping:
                self.events.put(Disconnected(reason, None))
                return
            if not trusted:  # a changed certificate: wait for the user to decide
                self.events.put(Disconnected(reason, None))
                self._retry_now.clear()
                await self._retry_now.wait()
                continue
            if not self.reconnect or not (self.registered_once or self.retry_first):
                self.events.put(Disconnected(reason, None))
                return
            if self.farewell is not None and self.farewell.final:  # killed or banned
                self.events.put(Disconnected(reason, None, waiting=True))
                self._retry_now.clear()
                await self._retry_now.wait()
                continue
            delay = self.backoff[min(attempt, len(self.backoff) - 1)]
            attempt = (
                0
                if self.state is not None and self.state.phase is cs.Phase.REGISTERED
                else attempt + 1
            )
            self.events.put(Disconnected(reason, delay))
            self._retry_now.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._retry_now.wait(), delay)

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # trust comes from the pinned fingerprint
        return context

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """TCP, then the TLS handshake when TLS is on; a failure of either says which."""
        host, port, timeout = self.host, self.port, self.connect_timeout
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except OSError as exc:  # TimeoutError is one
            raise ConnectFailure(describe_connect_error(exc, host, port, timeout)) from exc
        if self.tls:
            try:
                await asyncio.wait_for(
                    writer.start_tls(self._tls_context(), server_hostname=host), timeout
                )
            except OSError as exc:  # ssl.SSLError and TimeoutError are
                writer.close()
                raise ConnectFailure(describe_tls_error(exc, host, port, timeout)) from exc
        return reader, writer

    async def _session(self, rejoin: list[str]) -> tuple[str, bool]:
        """One connection, until it ends; (why it ended, whether the certificate was trusted)."""
        self.farewell = None  # a try that fails to connect is retried, not held as a ban
        try:
            reader, writer = await self._open()
        except ConnectFailure as exc:
            return str(exc), True
        print_ = None
        if self.tls:
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
            print_ = fingerprint(der) if der else None
            if not self._check_pin(print_):
                writer.close()
                return "the server's certificate is not trusted", False
        self._writer = writer
        banned = False
        previous = self.state
        self.state = state = self.make_state()
        if previous is not None:
            state.last_seen = dict(previous.last_seen)  # to fetch only what was missed
            if self.registered_once:
                state.nick = previous.nick  # back as who they were, after a /nick too
        self.events.put(Connected(print_))
        self._write(state.start())
        rejoined = heard = False
        prober = asyncio.ensure_future(self._probe_lag(state))
        try:
            while True:
                line = await reader.readline()
                if not line:
                    if self.farewell is not None:
                        return self.farewell.text, True
                    return self._closed_reason(heard), True
                heard = True
                try:
                    message = parse(line)
                except ProtocolError:
                    continue
                for event in state.receive(message):
                    if isinstance(event, cs.Pong) and event.token.startswith("lag:"):
                        sent = float(event.token[4:])
                        self.events.put(Lag(max(0.0, self._loop.time() - sent)))
                        continue
                    if isinstance(event, cs.Banned):
                        banned = True
                    elif isinstance(event, cs.Closed):
                        self.farewell = farewell(event.reason, banned)
                    self.events.put(event)
                self._write(state.take_outbox())
                if state.phase is cs.Phase.REGISTERED:
                    self.registered_once = True
                if not rejoined and rejoin and state.phase is cs.Phase.REGISTERED:
                    rejoined = True
                    self._write([Message.of("JOIN", ",".join(rejoin))])
        except (OSError, ssl.SSLError) as exc:
            return f"connection lost: {exc}", True
        finally:
            prober.cancel()
            self._writer = None
            writer.close()

    def _closed_reason(self, heard: bool) -> str:
        """Why the server hung up; not a word from it on a plain connection suggests TLS."""
        if heard:
            return "The server closed the connection."
        hint = "" if self.tls else " If it is a TLS port, tick Encrypted (TLS)."
        return f"{self.host}:{self.port} closed the connection without a word.{hint}"

    async def _probe_lag(self, state: cs.ClientState) -> None:
        """PING the server now and then; the PONG tells the lag (shown in the status bar)."""
        while True:
            registered = state.phase is cs.Phase.REGISTERED
            await asyncio.sleep(self.lag_interval if registered else min(1.0, self.lag_interval))
            if state.phase is cs.Phase.REGISTERED:
                self._write([Message.of("PING", f"lag:{self._loop.time():.3f}")])

    def _check_pin(self, print_: str | None) -> bool:
        if self.pins is None or print_ is None:
            return True
        pinned = self.pins.get(self.host, self.port)
        if pinned is None and self.ask_first:
            self.events.put(CertificateUnknown(print_))
            return False
        if pinned is None:
            self.pins.pin(self.host, self.port, print_)
            self.events.put(CertificatePinned(print_))
            return True
        if pinned != print_:
            self.events.put(CertificateChanged(pinned, print_))
            return False
        return True

    def _write(self, lines: list[Message]) -> None:
        if self._writer is not None and lines:
            self._writer.write(b"".join(encode(line) for line in lines))
