"""The running process: wires config, core and listeners; signals, REHASH and DIE.

`run` is what `parley-server` calls once its flags are read. It owns the event
loop (uvloop when installed), prints where it listens and the certificate's
fingerprint, and on SIGTERM/SIGINT tells every client, flushes and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import ssl
import sys
import threading
from collections.abc import Callable, Coroutine
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from parley.server.config import Config
from parley.server.core.server import Server
from parley.server.core.worker import MAIL_THREADS, WAIT_THREADS
from parley.server.logs import setup_logging
from parley.server.net.hub import Hub
from parley.server.net.worker import ThreadWorker
from parley.server.push import make_web_push
from parley.server.secret import load_secret
from parley.server.store.accounts import DB_NAME, SqliteAccountStore, StoreError
from parley.server.store.bans import SqliteBanStore
from parley.server.store.files import private_dir
from parley.server.store.markers import SqliteReadMarkers
from parley.server.store.metadata import SqliteMetadataStore
from parley.server.store.registrations import SqliteRegistrations
from parley.server.store.schema import check as check_database
from parley.server.store.sqlite_history import SqliteHistory
from parley.server.store.uploads import SqliteUploadStore, files_dir
from parley.server.store.vhosts import SqliteVhostStore
from parley.server.tls import TLSError

log = logging.getLogger("parley")

Reload = Callable[[], Config]
Started = Callable[["Process"], None]


def read_motd(config: Config) -> str | None:
    """The MOTD: the file if one is configured, else the configured text."""
    if config.motd_file is not None:
        return Path(config.motd_file).read_text(encoding="utf-8", errors="replace")
    return config.motd


class Process:
    """The server process: what REHASH and DIE act on."""

    def __init__(self, config: Config, reload: Reload | None) -> None:
        self.config = config
        self.reload = reload
        self.stopping = asyncio.Event()
        self.stop_reason = "Server shutting down"
        self.tls_context: ssl.SSLContext | None = None
        self.bound: list[tuple[str, bool]] = []  # (address, tls) actually listened on
        self.web_bound: list[tuple[str, bool]] = []  # the web listener's, likewise
        self.metrics_port: int | None = None
        self.fingerprint: str | None = None  # the TLS certificate's SHA-256, when there is one
        self._metrics: Any = None  # the metrics HTTP server, when there is one
        self.announcer: Any = None  # the mDNS/DNS-SD announcement, when there is one
        self._announcing: asyncio.Future[None] | None = None
        self.announce_addresses: list[str] | None = None  # None: this machine's LAN ones
        private_dir(Path(config.data_dir))  # 0700; looser modes found are tightened and logged
        took = check_database(Path(config.data_dir) / DB_NAME)  # damaged pages: refuse to start
        log.info("database checked (PRAGMA quick_check) in %.2f s", took)
        self.accounts = SqliteAccountStore(Path(config.data_dir) / DB_NAME)
        self.history = SqliteHistory(Path(config.data_dir) / DB_NAME, config.history)
        self.bans = SqliteBanStore(Path(config.data_dir) / DB_NAME)
        self.vhosts = SqliteVhostStore(Path(config.data_dir) / DB_NAME)
        self.metadata = SqliteMetadataStore(Path(config.data_dir) / DB_NAME)
        self.markers = SqliteReadMarkers(Path(config.data_dir) / DB_NAME)
        self.registrations = SqliteRegistrations(Path(config.data_dir) / DB_NAME)
        shared = files_dir(config.data_dir)  # files/, 0700
        self.uploads = SqliteUploadStore(Path(config.data_dir) / DB_NAME, shared)
        self.uploads.clear_temp()  # what uploads cut off by a stop left
        self.uploads.prune()  # files of accounts deleted while the server was stopped
        self.push = make_web_push(config, Path(config.data_dir) / DB_NAME)
        config = self.config = self._with_push(config)
        if self.push is not None:
            self.push.config = config
        loop = asyncio.get_running_loop()
        self.worker = ThreadWorker(loop)
        self.mailer = ThreadWorker(loop, MAIL_THREADS, "mail")
        self.link: Any = None  # cluster mode's link to its peers (cluster/link.py)
        self.snapshots: Any = None  # ...and its snapshots of the database (snapshots.py)
        self.waiter: ThreadWorker | None = None  # its claims' threads, waiting on NATS
        stores: Any = self  # the stores the core is given: these, or their replicas
        if config.cluster.enabled:
            from parley.server.cluster.stores import Replication, Stores

            self.waiter = ThreadWorker(loop, WAIT_THREADS, "cluster")
            stores = self.replication = Replication(
                Stores(self.accounts, self.history, self.bans, self.vhosts, self.metadata,
                       self.markers, self.registrations),
                lambda store, method, args: self.link.emit(store, method, args),
            )  # fmt: skip
        self.core = Server(
            config,
            control=self,
            motd=read_motd(config),
            accounts=stores.accounts,
            history=stores.history,
            bans=stores.bans,
            markers=stores.markers,
            worker=self.worker,
            mailer=self.mailer,
            waiter=self.waiter,
            metadata=stores.metadata,
            secret=load_secret(Path(config.data_dir)),
            vhosts=stores.vhosts,
            registrations=stores.registrations,
            uploads=self.uploads,
        )
        self.core.push = self.push
        self.hub = Hub(self.core, loop)
        self.worker.after = self.mailer.after = self.hub.jobs_done  # held lines read on
        if self.waiter is not None:
            self.waiter.after = self.hub.jobs_done
        self.disk = ThreadWorker(loop, 2, "files")  # shared files read and written
        self.hub.sharing.worker = self.disk
        if config.cluster.enabled:
            from parley.server.cluster.link import Link
            from parley.server.cluster.stores import apply_record

            self.link = Link(config, self.core, loop)
            self.link.apply_record = partial(apply_record, self.replication, server=self.core)
            self.link.quiet = self.replication.quiet
            self.core.cluster = self.link
            self.core.state.relay = self.link.relay

    def _with_push(self, config: Config) -> Config:
        """`config` with the VAPID key in use, when Web Push is on (offered and advertised)."""
        if self.push is None:
            return config
        return replace(config, push=replace(config.push, vapid_key=self.push.vapid_key))

    def rehash(self) -> str | None:
        """Reload config, MOTD and certificate; keep the old ones on any error."""
        from parley.server.tls import certificate_fingerprint, load_certificate

        fingerprint = self.fingerprint
        try:
            config = self.reload() if self.reload is not None else self.config
            config = self._with_web_url(config)
            config = self._with_push(config)
            motd = read_motd(config)
            if self.tls_context is not None:
                cert, key = _certificate(config, make=False)  # never a new key on reload
                fingerprint = certificate_fingerprint(cert)
                load_certificate(self.tls_context, cert, key)
        except Exception as exc:  # a bad file must not take the server down
            log.error("rehash failed: %s", exc)
            return str(exc)
        self.config = config
        if self.push is not None:
            self.push.config = config  # its limits, TTL and contact (the key stays)
        self.fingerprint = fingerprint
        self.core.reconfigure(config, motd)
        log.info("configuration reloaded")
        return None

    def die(self, reason: str) -> None:
        self.stop_reason = reason
        self.stopping.set()

    async def start(self) -> None:
        config = self.config
        if self.link is not None:  # caught up with the cluster before any client comes
            await self.link.start()
            from parley.server.cluster.snapshots import Snapshots

            self.snapshots = Snapshots(self.link, self.history, Path(config.data_dir))
            await self.snapshots.start()
            print(f"parley: cluster node {self.link.node}, "
                  f"{len(self.link.origins)} other nodes", flush=True)  # fmt: skip
        for address in config.listen:
            for bound in await self.hub.listen(address, None):
                self.bound.append((bound, False))
                print(f"parley: listening on {bound}", flush=True)
        if config.tls_listen:
            from parley.server.tls import certificate_fingerprint, server_context

            cert, key = _certificate(config)
            self.tls_context = server_context(cert, key)
            for address in config.tls_listen:
                for bound in await self.hub.listen(address, self.tls_context):
                    self.bound.append((bound, True))
                    print(f"parley: listening on {bound} (TLS)", flush=True)
            self.fingerprint = certificate_fingerprint(cert)
            print(f"parley: TLS certificate SHA-256 {self.fingerprint}", flush=True)
        await self._start_web(config)
        if config.metrics is not None:
            from parley.server.metrics import serve_metrics

            self._metrics = serve_metrics(self, config.metrics.host, config.metrics.port)
            port = self.metrics_port = int(self._metrics.server_port)
            print(f"parley: metrics on {config.metrics.host or '*'}:{port}/metrics", flush=True)
        if self.push is not None:
            self.push.start()
        if config.announce:  # probing the network takes a second or two: not before "ready"
            self._announcing = asyncio.ensure_future(self._announce(config))
        print(f"parley: server {config.server_name} ready, data in {config.data_dir}", flush=True)
        self.hub.start_sweeping()

    async def _announce(self, config: Config) -> None:
        """Announce the listeners on the local network (announce.py says which);
        `config` is as configured, before the web URL was made from an address."""
        from parley.irc.dnssd import Description
        from parley.server.announce import WILDCARDS, announce, host_label

        web = config.web.public_url
        if web is None and self.web_bound:
            bound, tls = self.web_bound[0]
            host, _, port = bound.rpartition(":")
            if host in WILDCARDS:  # every interface: reached at this machine's mDNS name
                web = f"{'https' if tls else 'http'}://{host_label()}.local:{port}/"
            else:
                web = self.config.web.public_url
        description = Description(config.server_name, config.network_name, None,
                                  self.fingerprint, web)  # fmt: skip
        self.announcer = await announce(self.bound, description, self.announce_addresses)

    async def _start_web(self, config: Config) -> None:
        """The web listener: IRC over WebSocket, the web client and /health."""
        from parley.server.net.web import WebConnection

        web = config.web
        context = None
        if web.listen and web.tls:
            context = self.tls_context or self._make_tls_context(config)
        scheme = "https" if context is not None else "http"
        urls: dict[str, list[str]] = {}  # one line a URL: IPv4 and IPv6 give the same one
        for address in web.listen:
            for bound in await self.hub.listen(address, context, WebConnection):
                self.web_bound.append((bound, context is not None))
                urls.setdefault(f"{scheme}://{_browsable(bound)}/", []).append(bound)
        for url, bound_to in urls.items():
            also = [b for b in bound_to if b not in url]
            said = f" (bound to {', '.join(also)})" if also else ""
            print(f"parley: web on {url}{said}", flush=True)
        self.config = self.core.config = self._with_web_url(config)  # (no client yet)

    def _with_web_url(self, config: Config) -> Config:
        """`config` with the web listener's public URL (for the upload endpoint in
        ISUPPORT): as configured, else its first address (a wildcard one as the server
        name, which clients resolve)."""
        if config.web.public_url is not None or not self.web_bound:
            return config
        bound, tls = self.web_bound[0]
        host, _, port = bound.rpartition(":")
        if host in ("0.0.0.0", "[::]"):
            host = config.server_name
        url = f"{'https' if tls else 'http'}://{host}:{port}"
        return dataclasses.replace(config, web=dataclasses.replace(config.web, public_url=url))

    def _make_tls_context(self, config: Config) -> ssl.SSLContext:
        from parley.server.tls import certificate_fingerprint, server_context

        cert, key = _certificate(config)
        self.tls_context = server_context(cert, key)
        self.fingerprint = certificate_fingerprint(cert)
        print(f"parley: TLS certificate SHA-256 {self.fingerprint}", flush=True)
        return self.tls_context

    async def stop(self) -> None:
        if self._announcing is not None and not self._announcing.done():
            self._announcing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._announcing
        if self.announcer is not None:
            await self.announcer.close()
        if self.link is not None:  # the peers hear of it first: this node's users quit
            self.link.say_bye(self.stop_reason)
        self.core.shutdown(self.stop_reason)
        await self.hub.close()
        self.disk.close()
        if self.push is not None:
            await self.push.close()
        self.worker.close()
        self.mailer.close()
        if self.waiter is not None:
            self.waiter.close()
        if self._metrics is not None:
            self._metrics.shutdown()
        if self.snapshots is not None:
            await self.snapshots.close()
        if self.link is not None:  # (after the last writes: they go to the peers too)
            await self.link.close()
        self.history.close()  # commits what is still queued
        self.bans.close()
        self.vhosts.close()
        self.metadata.close()
        self.markers.close()
        self.registrations.close()
        self.uploads.close()
        self.accounts.close()


def _browsable(bound: str) -> str:
    """A bound address as a browser can open it: every interface is reached at localhost."""
    host, _, port = bound.rpartition(":")
    return f"localhost:{port}" if host in ("0.0.0.0", "[::]") else bound


def _certificate(config: Config, make: bool = True) -> tuple[Path, Path]:
    """The configured certificate, or the data dir's (made on first start when `make`)."""
    from parley.server.tls import ensure_certificate, existing_certificate

    if config.tls_cert is not None and config.tls_key is not None:
        return config.tls_cert, config.tls_key
    if not make:
        return existing_certificate(config.data_dir)
    return ensure_certificate(config.data_dir, config.server_name)


async def serve(
    config: Config, reload: Reload | None = None, started: Started | None = None
) -> None:
    """Run until a signal or DIE; `started` is called with the process once it listens."""
    if config.cluster.enabled:  # a new node starts from a snapshot: before the stores open
        from parley.server.cluster.snapshots import prepare

        await prepare(config)
    process = Process(config, reload)
    await process.start()
    if started is not None:
        started(process)
    loop = asyncio.get_running_loop()
    if threading.current_thread() is threading.main_thread():  # the console has the signals
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, process.stopping.set)
        with contextlib.suppress(AttributeError):
            loop.add_signal_handler(signal.SIGHUP, process.rehash)
    await process.stopping.wait()
    log.info("shutting down: %s", process.stop_reason)
    await process.stop()


def run_loop(main: Coroutine[Any, Any, None]) -> str | None:
    """Run `main` on a new event loop (uvloop when installed); a startup error, in words."""
    try:
        import uvloop

        runner: Callable[..., None] = uvloop.run
    except ImportError:
        runner = asyncio.run
    try:
        runner(main)
    except OSError as exc:
        return str(exc.strerror or exc)
    except (StoreError, TLSError) as exc:
        return str(exc)
    return None


def run(config: Config, reload: Reload | None = None) -> int:
    """Start the server with `config`; returns the exit code."""
    setup_logging(config.log_level, config.log_format)
    error = run_loop(serve(config, reload))
    if error is not None:
        print(f"parley-server: error: {error}", file=sys.stderr)
        return 1
    return 0
