"""The server's configuration: one frozen value built from defaults, TOML and flags.

The core, the network layer and the console are each handed a Config; nothing
reads configuration from a global. REHASH builds a new one and swaps it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_MOTD = """\
Welcome to {server_name}, a Parley chat server.
You are in {lobby}: say something and everyone there reads it.
  /join #name      join or make another channel
  /msg nick text   talk to one person
  /names           see who is here
  /quit            leave
Be kind."""


@dataclass(frozen=True, slots=True)
class Address:
    """A listening address; host None means every interface (IPv4 and IPv6)."""

    host: str | None
    port: int

    def __str__(self) -> str:
        if self.host is None:
            return f"*:{self.port}"
        if ":" in self.host:
            return f"[{self.host}]:{self.port}"
        return f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Oper:
    """An operator block: a name and the argon2id hash of its password."""

    name: str
    password_hash: str


@dataclass(frozen=True, slots=True)
class Limits:
    """Everything a client can make the server hold or do, bounded."""

    nick_length: int = 30
    channel_length: int = 64
    topic_length: int = 390
    away_length: int = 390
    kick_length: int = 390
    user_length: int = 18
    realname_length: int = 100
    channels_per_user: int = 50
    targets_per_command: int = 4
    sessions_per_account: int = 8  # connections sharing one logged-in nick (devices)
    list_modes_per_channel: int = 100  # bans, invite exceptions
    mask_length: int = 200  # characters in a ban/exception mask or a WHO mask
    modes_per_command: int = 4  # MODE changes with an argument in one command (MODES)
    whowas_entries: int = 1000
    host_length: int = 63  # characters in a host an operator sets with CHGHOST
    monitor_entries: int = 100  # nicks one client may watch with MONITOR (ISUPPORT MONITOR)
    sendq_bytes: int = 256 * 1024
    flood_enabled: bool = True
    flood_burst: int = 5
    flood_rate: float = 2.0  # lines per second once the burst is spent
    connections_per_ip: int = 16  # 0: no limit
    # All connections; 0: the open-files limit less what the process keeps for itself.
    max_connections: int = 0
    max_unregistered: int = 1000  # in TLS handshake or registration at once; 0: no cap
    handshake_timeout: float = 10.0  # seconds for a TLS handshake, counted from accept
    # Addresses and networks that skip the two caps above (operators, local gateways).
    connection_exempt: tuple[str, ...] = ("127.0.0.1", "::1")
    registration_timeout: float = 30.0
    ping_interval: float = 120.0  # idle time before the server PINGs
    ping_timeout: float = 60.0  # time after that PING before the client is dropped
    nick_grace: float = 30.0  # time to identify for a registered nick before a rename
    nick_squat_block: float = 300.0  # after that rename, the nick is refused from that address
    # Password tries a minute, counted as they start (a right one is given back):
    login_tries_per_account_address: int = 5  # on one account (or operator) from one address
    login_tries_per_account: int = 20  # on one account from all addresses together
    login_tries_per_address: int = 10  # from one address, over all accounts
    # Registrations waiting for their e-mail code: per address (and per e-mail address),
    # and in all.
    pending_registrations_per_address: int = 3
    pending_registrations: int = 1000
    # IRCv3 draft/multiline: what one batch may hold (the text's bytes, with a byte for
    # each line break; its lines), and the seconds it may wait for its next line.
    multiline_max_bytes: int = 4096
    multiline_max_lines: int = 32
    multiline_timeout: float = 15.0
    # IRCv3 metadata: keys a user (or channel) may hold, keys a connection may subscribe
    # to, and the size of a key's name and value (a value's reply fits one line).
    metadata_max_keys: int = 20
    metadata_max_subs: int = 50
    metadata_key_length: int = 40
    metadata_value_bytes: int = 280
    read_marker_targets: int = 1000  # IRCv3 read markers a user keeps; the oldest go first
    # Seconds before a renamed channel may be renamed again (RENAME moves its history
    # and sends a NAMES burst to members without draft/channel-rename); 0: no wait.
    channel_rename_interval: float = 60.0
    # Always-on accounts (NickServ SET ALWAYS-ON): clients kept with no device connected,
    # counted before one more is kept; and the days one may go unused before it goes.
    always_on_clients: int = 1000  # 0: none kept
    always_on_expiry_days: float = 30.0  # 0: never
    # Registered channels (ChanServ): how many one account may found, and the
    # accounts on one channel's access list.
    channels_per_account: int = 10  # 0: registration is off
    channel_access_entries: int = 50
    # File sharing on the web listener (soju.im/FILEHOST): the size of one file (0 turns
    # uploads off), what one account may keep, uploads an account may start a minute,
    # uploads under way per address and in all, and the free space the disk keeps (an
    # upload that would take it below is refused with 507).
    upload_max_bytes: int = 25 * 1024 * 1024
    upload_quota_bytes: int = 200 * 1024 * 1024
    upload_max_files: int = 500  # files one account may keep
    uploads_per_minute: int = 10
    uploads_per_address: int = 2
    uploads_at_once: int = 16
    upload_disk_floor_bytes: int = 256 * 1024 * 1024
    # A body comes in at this many bytes a second at least (after handshake_timeout's
    # grace), with no pause longer than upload_idle_timeout: slow uploads are cut off.
    upload_min_rate: int = 16 * 1024
    upload_idle_timeout: float = 20.0
    # IRCv3 draft/webpush: subscriptions an account keeps, the longest endpoint URL, and
    # the pushes one account may be sent in a minute (the rest are dropped).
    push_subscriptions_per_account: int = 10
    push_endpoint_length: int = 400
    pushes_per_account_minute: int = 30
    # History search (SEARCH, /msg HistServ SEARCH): characters and words of a search,
    # lines one answer holds at most, searches a user may run a minute, and the seconds
    # one may take on a worker thread before it is stopped.
    search_length: int = 300
    search_words: int = 8
    search_results: int = 100
    searches_per_minute: int = 10
    search_seconds: float = 1.0


@dataclass(frozen=True, slots=True)
class HistoryPolicy:
    """What is kept of past messages, and what a joiner is shown."""

    replay_lines: int = 20  # shown on JOIN to clients without draft/chathistory; 0: none
    max_age_days: float = 0.0  # older messages are deleted; 0: kept forever
    max_per_target: int = 0  # messages kept per channel or conversation; 0: no cap
    # Messages kept in all, the oldest deleted first: what users can make the disk
    # hold has a bound even with no age or per-target cap; 0: no cap.
    max_messages: int = 10_000_000
    # The writer's backlog, in messages: past queue_high, senders of messages are
    # paused until it is back under queue_low; past queue_max, messages are not stored.
    queue_high: int = 2000
    queue_low: int = 500
    queue_max: int = 10000


@dataclass(frozen=True, slots=True)
class Registration:
    """Who may register an account with REGISTER or NickServ, and how it is confirmed."""

    before_connect: bool = True  # REGISTER before NICK/USER complete (draft/account-registration)
    email_required: bool = False  # an e-mail address, confirmed by a code sent to it
    code_lifetime: float = 3600.0  # seconds a code (and the registration it holds) lasts
    always_on: bool = False  # accounts that never chose (NickServ SET ALWAYS-ON) stay online


@dataclass(frozen=True, slots=True)
class Mail:
    """How verification codes are sent: a command (the message on its stdin) or SMTP."""

    command: tuple[str, ...] = ()  # argv, run without a shell, e.g. sendmail -t -i
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: str | None = None  # from smtp_password_file, never a flag
    sender: str = ""  # the From address; default: parley@<server_name>
    timeout: float = 20.0  # seconds a delivery may take before it counts as failed

    @property
    def configured(self) -> bool:
        return bool(self.command) or self.smtp_host is not None


@dataclass(frozen=True, slots=True)
class Web:
    """The web listener: IRC over WebSocket, the web client's files and a health check."""

    listen: tuple[Address, ...] = (Address(None, 8097),)
    tls: bool = True  # plain HTTP only when configured (a local proxy, irctest)
    # Pages whose scripts may open a WebSocket, besides the server's own ("*": any).
    allowed_origins: tuple[str, ...] = ()
    # Where clients reach the web listener (https://chat.example.org:8097), for the
    # upload endpoint named in ISUPPORT; None: from the bound address and server name.
    public_url: str | None = None


@dataclass(frozen=True, slots=True)
class Push:
    """Web Push (IRCv3 draft/webpush): where pushes may go, and how they are sent."""

    enabled: bool = True  # offered when the `push` extra is installed
    # Endpoints on loopback and private addresses, over http too: for tests with a
    # local push service only (it lets clients make the server reach internal hosts).
    allow_private_endpoints: bool = False
    ports: tuple[int, ...] = (443,)  # endpoint ports accepted besides private ones
    ttl: int = 86400  # seconds a push service keeps a push for an offline device
    contact: str = ""  # the VAPID `sub`: mailto: or https: (default https://<server_name>)
    vapid_key: str = ""  # the VAPID public key in use, set at start (not a setting)


@dataclass(frozen=True, slots=True)
class Cluster:
    """Cluster mode (docs/cluster.md): this node, and the NATS servers it shares state through."""

    servers: tuple[str, ...] = ()  # nats://host:port URLs; empty: one process, no cluster
    node_name: str = ""  # unique in the cluster; empty: the machine's host name
    replicas: int = 0  # copies of each stream and bucket; 0: 3 with 3+ servers given, else 1
    heartbeat: float = 1.0  # seconds between a node's heartbeats
    dead_after: float = 5.0  # a node silent this long is gone: its users quit
    grace: float = 10.0  # cut off from NATS this long, a node drops its clients
    snapshot_every: float = 3600.0  # seconds between snapshots of the database (snapshots.py)
    keep_days: float = 7.0  # the stream's records are kept this long; a node away longer restores

    @property
    def enabled(self) -> bool:
        return bool(self.servers)


@dataclass(frozen=True, slots=True)
class Config:
    """All settings of one server run."""

    data_dir: Path
    server_name: str = "parley.local"
    network_name: str = "Parley"
    server_description: str = "A Parley chat server"  # WHOIS shows it
    listen: tuple[Address, ...] = (Address(None, 6667),)
    tls_listen: tuple[Address, ...] = (Address(None, 6697),)
    tls_cert: Path | None = None  # None: a self-signed one in data_dir
    tls_key: Path | None = None
    password: str | None = None  # server password (PASS), None for none
    opers: tuple[Oper, ...] = ()
    motd: str | None = DEFAULT_MOTD  # None: no MOTD (422)
    motd_file: Path | None = None  # read at start and on REHASH; wins over motd
    lobby: str | None = "#lobby"  # joined on registration; None turns it off
    lobby_topic: str = "Welcome! Everyone here reads what you say."
    log_level: str = "info"
    log_format: str = "text"  # text, or json: one object a line
    config_file: Path | None = None  # where this came from, for REHASH
    metrics: Address | None = None  # Prometheus endpoint, off unless given
    announce: bool = True  # on the local network over mDNS/DNS-SD (the `lan` extra)
    limits: Limits = field(default_factory=Limits)
    history: HistoryPolicy = field(default_factory=HistoryPolicy)
    registration: Registration = field(default_factory=Registration)
    mail: Mail = field(default_factory=Mail)
    web: Web = field(default_factory=Web)
    push: Push = field(default_factory=Push)
    cluster: Cluster = field(default_factory=Cluster)
