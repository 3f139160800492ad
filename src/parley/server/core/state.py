"""The server's shared state, and the one place where it changes: `State.apply`.

How this works: handlers check a command and decide; they then build an event
(events.py) and call `apply`. Each applier mutates users and channels and fans
the resulting line out to every session concerned except `origin`, the session
whose command caused it. `apply` returns that line so the handler can put the
origin's own copy into its response buffer (JOIN, NICK, echo-message...).
Sessions coming and going, MONITOR watches and the like are applied here too
(state_sessions.py); docs/architecture.md lists every event.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message, encode, encode_parts
from parley.irc.modes import format_mode_changes
from parley.server.core import events as ev
from parley.server.core.account_index import AccountIndex
from parley.server.core.channel import (
    PREFIX_LETTERS,
    STATUSMSG,
    Channel,
    ListEntry,
    status_reaches,
)
from parley.server.core.client import Client
from parley.server.core.clock import Clock
from parley.server.core.connection import Connection, Fanout, nothing_gathered, send_each
from parley.server.core.metadata import metadata_changed
from parley.server.core.multiline_out import MultilineOut
from parley.server.core.observed import Observer
from parley.server.core.outgoing import (
    EXTENDED_JOIN,
    MULTILINE,
    TAG_BITS,
    Outgoing,
    delivery_key,
)
from parley.server.core.session import Session
from parley.server.core.state_sessions import (
    history_opt_out,
    registered,
    session_attached,
    session_detached,
    session_ended,
    session_started,
    spoke,
    unwatch,
    unwatched,
    watched,
)
from parley.server.store.history import Window

if TYPE_CHECKING:
    from parley.server.core.playback import Playback

EXTENDED_MONITOR = "extended-monitor"


@dataclass(frozen=True, slots=True)
class WhowasEntry:
    """What WHOWAS remembers of a nick that left or changed."""

    nick: str
    user: str
    host: str
    realname: str
    at: float


class State:
    """Clients, channels and sessions, by their lookup keys."""

    def __init__(self, server_name: str, clock: Clock, whowas_entries: int) -> None:
        self.server_name = server_name
        self.clock = clock
        self.clients: dict[str, Client] = {}  # by folded nick
        self.channels: dict[str, Channel] = {}  # by folded name
        self.sessions: dict[int, Session] = {}  # every connection, registered or not
        self.whowas: deque[WhowasEntry] = deque(maxlen=whowas_entries)
        self.monitors: dict[str, set[Client]] = {}  # MONITOR: folded nick -> watchers
        self.max_clients = 0
        self.moved: set[Client] = set()  # logged-in clients whose channels changed, to save
        # Accounts' stays in channels that have ended, not yet saved (docs/privacy.md):
        # what they may read of those channels' history. The sweep saves them.
        self.windows: list[Window] = []
        self.windows_failing = False  # the last try to save them failed (logged once)
        self.logins: dict[Client, float] = {}  # logged-in clients: when they logged in
        self.by_account = AccountIndex()  # the same clients, by account
        # The time of the last message applied (strictly increasing: Server.message_time).
        # Stays in channels begin and end at it: a line is in a stay if joined < time <= left.
        self.last_line = 0.0
        self.observers: list[Observer] = []  # told of every applied event but messages
        # For LUSERS, kept as they change rather than counted for every newcomer.
        self.unregistered = 0  # sessions that have not finished registering
        self.invisible = 0  # clients with user mode +i
        self.opers = 0  # clients with user mode +o
        self.fanout: Fanout = send_each  # the net layer installs its faster one
        # Hands out lines the fan-out has gathered; called before a channel's recipient
        # lists change, so that no one gets a line said before they joined (net/hub.py).
        self.hand_out: Callable[[], None] = nothing_gathered
        self.playback: Playback | None = None  # keeps channel events in history (the server's)
        self.renamed: dict[str, float] = {}  # channel incarnation -> when RENAME last named it
        # The server's: saves where a logged-in user was as it quits (handlers/presence.py).
        self.keep_presence: Callable[[Client], None] | None = None
        # Whether a client whose last session ended stays online (core/always_on.py).
        self.keeps: Callable[[Client], bool] | None = None
        # Registered channels (core/registry.py): a channel made by a JOIN takes its saved
        # state (True: registered, so coming first makes nobody operator); the
        # registration follows its topic, modes and name as an observer.
        self.seed: Callable[[Channel], bool] | None = None
        # Cluster mode: every event applied here, with its line, for the peers (cluster/).
        self.relay: Callable[[ev.Event, Outgoing], None] | None = None
        self._appliers: dict[type, Callable[[Any, Session | None], Outgoing]] = {
            ev.Joined: self._joined,
            ev.Parted: self._parted,
            ev.Kicked: self._kicked,
            ev.Quit: self._quit,
            ev.NickChanged: self._nick_changed,
            ev.Messaged: self._messaged,
            ev.MultilineMessaged: self._multiline_messaged,
            ev.ChannelModeChanged: self._channel_mode_changed,
            ev.UserModeChanged: self._user_mode_changed,
            ev.TopicChanged: self._topic_changed,
            ev.Invited: self._invited,
            ev.AwayChanged: self._away_changed,
            ev.Wallops: self._wallops,
            ev.Announced: self._announced,
            ev.AccountChanged: self._account_changed,
            ev.RealnameChanged: self._realname_changed,
            ev.HostChanged: self._host_changed,
            ev.MetadataChanged: partial(metadata_changed, self),
            ev.Redacted: self._redacted,
            ev.ChannelRenamed: self._channel_renamed,
            ev.SessionStarted: partial(session_started, self),
            ev.Registered: partial(registered, self),
            ev.SessionAttached: partial(session_attached, self),
            ev.SessionEnded: partial(session_ended, self),
            ev.SessionDetached: partial(session_detached, self),
            ev.Watched: partial(watched, self),
            ev.Unwatched: partial(unwatched, self),
            ev.HistoryOptOut: partial(history_opt_out, self),
            ev.Spoke: partial(spoke, self),
        }

    # -- lookups ---------------------------------------------------------------

    def client(self, nick: str) -> Client | None:
        return self.clients.get(fold(nick))

    def channel(self, name: str) -> Channel | None:
        return self.channels.get(fold(name))

    # -- the one place state changes -------------------------------------------

    def apply(self, event: ev.Event, origin: Session | None = None) -> Outgoing:
        """Apply `event` and fan it out to everyone concerned but `origin`."""
        out = self._appliers[type(event)](event, origin)
        if self.observers and type(event) is not ev.Messaged:
            for observer in self.observers:
                observer(event)
        if self.relay is not None:
            self.relay(event, out)
        return out

    def _line(self, source: str, command: str, *params: str) -> Outgoing:
        return Outgoing(encode_parts(source, command, params), self.clock.now())

    def _from(self, client: Client, command: str, *params: str) -> Outgoing:
        """A line whose source is a user (tagged with its account for account-tag)."""
        line = encode_parts(client.prefix, command, params)
        return Outgoing(line, self.clock.now(), account=client.account, bot=client.is_bot)

    def _by(self, name: str, command: str, *params: str) -> Outgoing:
        """A line from a user by nick (with its account), or from the server by name."""
        client = self.clients.get(fold(name))
        if client is None:
            return self._line(name, command, *params)
        return self._from(client, command, *params)

    def _event(self, out: Outgoing) -> None:
        """A channel event's line gets a msgid and time of its own, as messages do (IRCv3
        event-playback); it is the last line said, so stays that end now include it."""
        if self.playback is not None:
            self.last_line = self.playback.stamp(out)

    def _keep(
        self, channel: Channel, out: Outgoing, by: str | Client, command: str, *params: str,
        public: bool = True,
    ) -> None:  # fmt: skip
        """Store a channel event (`params` after the channel's name, if it comes first);
        not `public`, it is not, whatever the channel is now. `by`: a nick or server's
        name, or the client itself when the caller has it (JOIN and QUIT: every session)."""
        if self.playback is not None:
            if isinstance(by, Client):
                client: Client | None = by
                source = by.prefix
            else:
                client = self.clients.get(fold(by))
                source = client.prefix if client is not None else by
            self.playback.keep(channel, out, source, client, command, params, public)

    @staticmethod
    def _deliver(out: Outgoing, clients: Iterable[Client], origin: Session | None) -> None:
        plain = out.plain
        for client in clients:
            for session in client.sessions:
                if session is not origin:
                    session.conn.send(out.to(session.tag_mask) if session.tag_mask else plain)

    # -- channel fan-out lists (Channel.recipients) ------------------------------

    @staticmethod
    def _recipients(channel: Channel) -> dict[int, list[Connection]]:
        """The members' connections by delivery key; built on first need, then kept."""
        groups = channel.recipients
        if groups is None:
            groups = channel.recipients = {}
            for member in channel.members:
                for session in member.sessions:
                    groups.setdefault(delivery_key(session), []).append(session.conn)
        return groups

    def _drop_recipient(self, channel: Channel, conn: Connection) -> None:
        groups = channel.recipients
        if groups is None:
            return
        self.hand_out()  # what was said while it was there still reaches it
        for key, conns in list(groups.items()):
            if conn in conns:  # connections compare by identity
                conns.remove(conn)
                if not conns:
                    del groups[key]

    def _to_channel(self, out: Outgoing, channel: Channel, origin: Session | None) -> None:
        """To every member's sessions but `origin`: one fan-out call per tag variant."""
        skip = origin.conn if origin is not None else None
        fanout = self.fanout
        groups = self._recipients(channel)
        for key, conns in groups.items():
            fanout(out.to(key & TAG_BITS), conns, skip, groups)

    def detach(self, session: Session) -> None:
        """A session is going: its connection leaves its channels' fan-out lists."""
        if session.client is not None:
            for channel in session.client.channels.values():
                self._drop_recipient(channel, session.conn)

    @staticmethod
    def forget_recipients(client: Client) -> None:
        """A session of `client` changed its capabilities: rebuild its channels' lists."""
        for channel in client.channels.values():
            channel.recipients = None

    @staticmethod
    def _notify(
        out: Outgoing, cap: str, clients: Iterable[Client], skip: Session | Client | None
    ) -> None:
        """Deliver to the sessions that negotiated `cap` (IRCv3 *-notify)."""
        for client in clients:
            if client is skip:
                continue
            for session in client.sessions:
                if session is not skip and cap in session.caps:
                    session.conn.send(out.to(session.tag_mask))

    @staticmethod
    def _peers(client: Client) -> set[Client]:
        """Everyone who shares a channel with `client`, and the client itself."""
        peers = {client}
        for channel in client.channels.values():
            peers.update(channel.members)
        return peers

    def _tell_about(self, out: Outgoing, cap: str, client: Client, origin: Session | None) -> None:
        """A change to `client` for those with `cap` who share a channel with it, and
        (IRCv3 extended-monitor) those who watch its nick with MONITOR and share none."""
        peers = self._peers(client)
        self._notify(out, cap, peers, origin)
        watchers = self.monitors.get(client.folded)
        if not watchers:
            return
        for watcher in watchers:
            if watcher in peers:
                continue  # told once, as a peer
            for session in watcher.sessions:
                caps = session.caps
                if cap in caps and EXTENDED_MONITOR in caps:
                    session.conn.send(out.to(session.tag_mask))

    def monitor_notify(self, key: str, who: str, online: bool) -> None:
        """IRCv3 MONITOR: 730 (with the full prefix) or 731 to those watching a nick."""
        watchers = self.monitors.get(key)
        if not watchers:
            return
        code = "730" if online else "731"
        for watcher in watchers:
            line = Message(code, (watcher.nick, who), self.server_name)
            watcher.send(encode(line))

    @staticmethod
    def _begin_stay(channel: Channel, account: str, since: float) -> None:
        """One more client of `account` is a member: its stay begins, or goes on."""
        stay = channel.stays.get(account)
        if stay is None:
            channel.stays[account] = [since, 1]
        else:
            stay[1] += 1

    def _end_stay(self, channel: Channel, account: str | None) -> None:
        """One client of `account` is a member no more; with the last, the stay ends:
        it may read what was said during it (stays of one account never overlap)."""
        stay = channel.stays.get(account) if account is not None else None
        if stay is None or account is None:
            return
        stay[1] -= 1
        if stay[1] <= 0:
            del channel.stays[account]
            window = Window(channel.folded, channel.incarnation, account, stay[0], self.last_line)
            self.windows.append(window)

    def close_all_windows(self) -> None:
        """The server stops: every account's stay ends now (saved by the caller)."""
        for channel in self.channels.values():
            for account, (since, _) in channel.stays.items():
                window = Window(channel.folded, channel.incarnation, account, since, self.last_line)
                self.windows.append(window)
            channel.stays.clear()

    def _remove_member(self, channel: Channel, client: Client) -> None:
        self._end_stay(channel, client.account)
        channel.joined.pop(client, None)
        channel.members.pop(client, None)
        for session in client.sessions:
            self._drop_recipient(channel, session.conn)
        client.channels.pop(channel.folded, None)
        if client.account is not None:
            self.moved.add(client)
        if not channel.members:
            del self.channels[channel.folded]

    def _count_mode(self, letter: str, change: int) -> None:
        if letter == "i":
            self.invisible += change
        elif letter == "o":
            self.opers += change

    def _remember(self, client: Client) -> None:
        self.whowas.append(
            WhowasEntry(client.nick, client.user, client.host, client.realname, self.clock.now())
        )

    # -- appliers --------------------------------------------------------------

    def _joined(self, e: ev.Joined, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.nick)]
        key = fold(e.channel)
        channel = self.channels.get(key)
        letters = ""
        if channel is None:
            channel = self.channels[key] = Channel(e.channel, self.clock.now())
            if self.seed is None or not self.seed(channel):
                letters = "o"  # modern IRC: the first to join a channel gets op
        channel.members[client] = letters
        channel.joined[client] = self.last_line
        if client.account is not None:
            self._begin_stay(channel, client.account, self.last_line)
        if channel.recipients is not None:
            self.hand_out()  # nothing said before the join reaches the joiner
            for session in client.sessions:
                channel.recipients.setdefault(delivery_key(session), []).append(session.conn)
        client.channels[key] = channel
        if channel in client.invited:
            client.invited -= {channel}
        if client.account is not None:
            self.moved.add(client)
        out = self._from(client, "JOIN", channel.name)
        self._event(out)  # (after the join: the joiner's stay holds its JOIN)
        self._keep(channel, out, client, "JOIN")
        # IRCv3 extended-join: the account and real name ride along for those who asked
        extended = None
        skip = origin.conn if origin is not None else None
        groups = self._recipients(channel)
        for dkey, conns in groups.items():
            line = out
            if dkey & EXTENDED_JOIN:
                extended = extended or self._extended_join(client, channel, out)
                line = extended
            self.fanout(line.to(dkey & TAG_BITS), conns, skip, groups)
        if client.away is not None:
            # IRCv3 away-notify: a joiner who is away is announced as such
            away = self._from(client, "AWAY", client.away)
            self._notify(away, "away-notify", channel.members, client)
        if origin is not None and "extended-join" in origin.caps:
            return extended or self._extended_join(client, channel, out)
        return out

    def _extended_join(self, client: Client, channel: Channel, out: Outgoing) -> Outgoing:
        line = encode_parts(
            client.prefix, "JOIN", (channel.name, client.account or "*", client.realname)
        )
        return Outgoing(line, out.time, out.msgid, account=client.account)

    def _parted(self, e: ev.Parted, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.nick)]
        channel = self.channels[fold(e.channel)]
        params = (channel.name, e.reason) if e.reason else (channel.name,)
        out = self._from(client, "PART", *params)
        self._event(out)
        self._keep(channel, out, client, "PART", *params[1:])
        self._to_channel(out, channel, origin)
        self._remove_member(channel, client)
        return out

    def _kicked(self, e: ev.Kicked, origin: Session | None) -> Outgoing:
        channel = self.channels[fold(e.channel)]
        victim = self.clients[fold(e.victim)]
        out = self._by(e.by, "KICK", channel.name, victim.nick, e.reason)
        self._event(out)
        self._keep(channel, out, e.by, "KICK", victim.nick, e.reason)
        self._to_channel(out, channel, origin)
        self._remove_member(channel, victim)
        return out

    def _quit(self, e: ev.Quit, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.nick)]
        if client.account is not None and self.keep_presence is not None:
            self.keep_presence(client)  # with the channels it has
        out = self._from(client, "QUIT", e.reason)
        self._event(out)
        for channel in client.channels.values():
            self._keep(channel, out, client, "QUIT", e.reason)
        # Its sessions have left the fan-out lists already (detach); with one channel,
        # nobody can hear it twice, so the channel's lists serve.
        if len(client.channels) == 1:
            for channel in client.channels.values():
                self._to_channel(out, channel, origin)
        else:
            peers = self._peers(client)
            peers.discard(client)
            self._deliver(out, peers, origin)
        for channel in list(client.channels.values()):
            self._remove_member(channel, client)
        del self.clients[client.folded]
        self.logins.pop(client, None)
        self.by_account.remove(client)
        self.moved.discard(client)  # saved above
        for letter in client.modes:
            self._count_mode(letter, -1)
        self._remember(client)
        self.monitor_notify(client.folded, client.nick, online=False)
        for key in list(client.monitoring):  # the quitter watches no more
            unwatch(self, client, key)
        return out

    def _nick_changed(self, e: ev.NickChanged, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.old)]
        out = self._from(client, "NICK", e.new)
        self._event(out)
        for channel in client.channels.values():
            self._keep(channel, out, client, "NICK", e.new)
        self._deliver(out, self._peers(client), origin)
        self._remember(client)
        old, old_key = client.nick, client.folded
        del self.clients[client.folded]
        client.rename(e.new)
        self.clients[client.folded] = client
        if client.folded != old_key:  # a change of case is the same nick to MONITOR
            self.monitor_notify(old_key, old, online=False)
            self.monitor_notify(client.folded, client.prefix, online=True)
        return out

    def _messaged(self, e: ev.Messaged, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.nick)]
        self.last_line = client.last_spoke = e.time  # (times only grow: Server.message_time)
        params = (e.target, e.text) if e.command != "TAGMSG" else (e.target,)
        line = encode_parts(client.prefix, e.command, params)
        tags = dict(e.tags) if e.tags else None
        out = Outgoing(line, e.time, e.msgid, tags, client.account, client.is_bot)
        channel = self.channels[fold(e.target)] if is_channel(e.target) else None
        recipients: Iterable[Client]
        if channel is not None:
            if e.command != "TAGMSG":
                self._to_channel(out, channel, origin)  # the hot path
                return out
            recipients = channel.members
        elif e.target[:1] in STATUSMSG:  # @#channel: to its members of that rank and up
            members = self.channels[fold(e.target[1:])].members
            recipients = [m for m, held in members.items() if status_reaches(held, e.target[0])]
            if len(client.sessions) > 1 and client not in recipients:
                recipients.append(client)  # the sender's other sessions see what it said
        else:
            target = self.clients[fold(e.target)]
            recipients = (target,)
            if target is client:
                origin = None  # a message to oneself is delivered, echo or not
            elif len(client.sessions) > 1:
                recipients = (target, client)  # sibling echo (docs/architecture.md)
        if e.command == "TAGMSG":
            self._notify(out, "message-tags", recipients, origin)  # IRCv3: tags-only
        else:
            self._deliver(out, recipients, origin)
        return out

    def _multiline_messaged(self, e: ev.MultilineMessaged, origin: Session | None) -> Outgoing:
        """As `_messaged`, a batch for those that take one and lines for the rest."""
        client = self.clients[fold(e.nick)]
        self.last_line = client.last_spoke = e.time
        tags = dict(e.tags) if e.tags else None
        out = MultilineOut(
            client.prefix, e.command, e.target, e.lines, e.ref, e.time, e.msgid, tags,
            client.account,
        )  # fmt: skip
        if is_channel(e.target):
            skip = origin.conn if origin is not None else None
            groups = self._recipients(self.channels[fold(e.target)])
            for key, conns in groups.items():
                self.fanout(out.to(key & (TAG_BITS | MULTILINE)), conns, skip, groups)
            return out
        target = self.clients[fold(e.target)]
        sessions = target.sessions  # (to oneself: echo or not)
        if target is not client and len(client.sessions) > 1:  # sibling echo
            sessions = sessions + [s for s in client.sessions if s is not origin]
        for session in sessions:
            session.conn.send(out.to(delivery_key(session) & (TAG_BITS | MULTILINE)))
        return out

    def _channel_mode_changed(self, e: ev.ChannelModeChanged, origin: Session | None) -> Outgoing:
        channel = self.channels[fold(e.channel)]
        was_public = channel.public  # (a `-k key` line is no more public than the key was)
        now = self.clock.now()
        for change in e.changes:
            letter, arg = change.letter, change.arg
            if letter in "ov":
                member = self.clients[fold(arg or "")]
                held = channel.members[member].replace(letter, "")
                channel.members[member] = held + letter if change.adding else held
            elif letter in channel.lists:
                entries = channel.lists[letter]
                entries[:] = [x for x in entries if fold(x.mask) != fold(arg or "")]
                if change.adding:
                    entries.append(ListEntry(arg or "", e.by, now))
            elif letter == "k":
                channel.key = arg if change.adding else None
            elif letter == "l":
                channel.limit = int(arg or 0) if change.adding else None
            elif change.adding:
                channel.flags.add(letter)
            else:
                channel.flags.discard(letter)
        modes = format_mode_changes(list(e.changes))
        out = self._by(e.by, "MODE", channel.name, *modes)
        self._event(out)
        self._keep(channel, out, e.by, "MODE", *modes, public=was_public)
        self._to_channel(out, channel, origin)
        return out

    def _user_mode_changed(self, e: ev.UserModeChanged, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.nick)]
        for change in e.changes:
            had = change.letter in client.modes
            if change.adding:
                client.modes |= {change.letter}
            else:
                client.modes -= {change.letter}
            if had != change.adding:
                self._count_mode(change.letter, 1 if change.adding else -1)
        out = self._line(client.nick, "MODE", client.nick, *format_mode_changes(list(e.changes)))
        self._deliver(out, (client,), origin)
        return out

    def _topic_changed(self, e: ev.TopicChanged, origin: Session | None) -> Outgoing:
        channel = self.channels[fold(e.channel)]
        channel.topic = e.topic
        setter = self.clients.get(fold(e.by))
        channel.topic_set_by = setter.prefix if setter else e.by
        channel.topic_set_at = self.clock.now()
        out = self._by(e.by, "TOPIC", channel.name, e.topic)
        self._event(out)
        self._keep(channel, out, e.by, "TOPIC", e.topic)
        self._to_channel(out, channel, origin)
        return out

    def _invited(self, e: ev.Invited, origin: Session | None) -> Outgoing:
        target = self.clients[fold(e.nick)]
        channel = self.channels.get(fold(e.channel))
        if channel is not None:  # an invite is to this channel, not to a later one of its name
            live = (c for c in target.invited if self.channels.get(c.folded) is c)
            target.invited = frozenset((*live, channel))
        out = self._by(e.by, "INVITE", target.nick, e.channel)
        self._deliver(out, (target,), origin)
        if channel is not None:  # IRCv3 invite-notify: the channel's members may see it
            self._notify(
                out, "invite-notify", [m for m in channel.members if m is not target], origin
            )
        return out

    def _away_changed(self, e: ev.AwayChanged, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.nick)]
        client.away = e.message
        params = (e.message,) if e.message else ()
        out = self._from(client, "AWAY", *params)
        self._tell_about(out, "away-notify", client, origin)
        return out

    def _wallops(self, e: ev.Wallops, origin: Session | None) -> Outgoing:
        out = self._by(e.by, "WALLOPS", e.text)
        readers = [c for c in self.clients.values() if "w" in c.modes or c.is_oper]
        self._deliver(out, readers, origin)
        return out

    def _announced(self, e: ev.Announced, origin: Session | None) -> Outgoing:
        out = self._by(e.by, e.command, e.mask, e.text)
        self._deliver(out, self.clients.values(), origin)
        return out

    def _account_changed(self, e: ev.AccountChanged, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.nick)]
        if client.account != e.account:
            for channel in client.channels.values():
                self._end_stay(channel, client.account)  # the old account reads no further
                if e.account is not None:  # the new one from now (before: the connection's)
                    self._begin_stay(channel, e.account, self.last_line)
        self.by_account.remove(client)
        client.account = e.account
        for session in client.sessions:  # each device of a user is logged in as it is
            session.account = e.account
        self.by_account.add(client)
        if e.account is not None:
            self.moved.add(client)
            self.logins[client] = self.clock.now()
        else:
            self.logins.pop(client, None)
        out = self._from(client, "ACCOUNT", e.account or "*")
        self._tell_about(out, "account-notify", client, origin)  # IRCv3 account-notify
        return out

    def _realname_changed(self, e: ev.RealnameChanged, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.nick)]
        client.realname = e.realname
        out = self._from(client, "SETNAME", e.realname)
        self._tell_about(out, "setname", client, origin)  # IRCv3 setname
        return out

    def _host_changed(self, e: ev.HostChanged, origin: Session | None) -> Outgoing:
        """IRCv3 chghost: CHGHOST (from the old mask) for those with the capability;
        for peers without it, the reconnection it stands for (QUIT, JOIN, MODE, AWAY)."""
        client = self.clients[fold(e.nick)]
        out = self._from(client, "CHGHOST", client.user, e.host)
        quit_line = self._from(client, "QUIT", "Changing hostname")
        client.set_host(e.host)
        self._tell_about(out, "chghost", client, origin)
        for peer in self._peers(client):
            if peer is client:
                continue
            shared = [c for c in client.channels.values() if peer in c.members]
            for session in peer.sessions:
                if "chghost" not in session.caps:
                    self._replay_joins(session, client, shared, quit_line)
        return out

    def _replay_joins(
        self, session: Session, client: Client, shared: list[Channel], quit_line: Outgoing
    ) -> None:
        """The chghost fallback for one session: `client` quits and joins its channels again."""
        mask = session.tag_mask
        lines = [quit_line.to(mask)]
        for channel in shared:
            join = self._from(client, "JOIN", channel.name)
            if "extended-join" in session.caps:
                join = self._extended_join(client, channel, join)
            lines.append(join.to(mask))
            letters = "".join(x for x in PREFIX_LETTERS if x in channel.members[client])
            if letters:
                nicks = (client.nick,) * len(letters)
                mode = self._line(self.server_name, "MODE", channel.name, "+" + letters, *nicks)
                lines.append(mode.to(mask))
        if client.away is not None and "away-notify" in session.caps:
            lines.append(self._from(client, "AWAY", client.away).to(mask))
        session.conn.send(b"".join(lines))

    def _redacted(self, e: ev.Redacted, origin: Session | None) -> Outgoing:
        client = self.clients[fold(e.by)]
        params = (e.target, e.msgid, e.reason) if e.reason else (e.target, e.msgid)
        line = encode_parts(client.prefix, "REDACT", params)
        out = Outgoing(line, e.time, e.redaction, account=client.account)
        readers: list[Client] = [client]
        channel = self.channels.get(fold(e.target)) if is_channel(e.target) else None
        if channel is not None:  # only members who could have the line (docs/privacy.md)
            readers = [m for m in channel.members if e.public or _there_at(channel, m, e.said)]
        elif e.peer is not None:
            readers.append(self.clients[fold(e.peer)])
        self._notify(out, "draft/message-redaction", readers, origin)  # IRCv3: nobody else
        return out

    def _channel_renamed(self, e: ev.ChannelRenamed, origin: Session | None) -> Outgoing:
        channel = self.channels.pop(fold(e.old))
        old, old_key = channel.name, channel.folded
        channel.name, channel.folded = e.new, fold(e.new)
        self.channels[channel.folded] = channel
        for member in channel.members:
            del member.channels[old_key]
            member.channels[channel.folded] = channel
            if member.account is not None:
                self.moved.add(member)  # the channels it is brought back into name the new one
        self.windows[:] = [
            replace(w, channel=channel.folded) if w.channel == old_key else w for w in self.windows
        ]
        out = self._by(e.by, "RENAME", old, e.new, e.reason)
        # IRCv3 channel-rename: RENAME to those with the capability; the others see
        # themselves part and join again (not for a change of case only).
        fallback = old_key != channel.folded
        for member in channel.members:
            lines: tuple[Outgoing, Outgoing, Outgoing] | None = None
            for session in member.sessions:
                if "draft/channel-rename" in session.caps:
                    if session is not origin:
                        session.conn.send(out.to(session.tag_mask))
                elif fallback:
                    lines = lines or self._part_join(member, channel, old, e.reason)
                    joined = lines[2] if "extended-join" in session.caps else lines[1]
                    session.conn.send(lines[0].to(session.tag_mask) + joined.to(session.tag_mask))
        return out

    def _part_join(
        self, member: Client, channel: Channel, old: str, reason: str
    ) -> tuple[Outgoing, Outgoing, Outgoing]:
        """A member's PART of the old name, and its JOIN of the new one (plain, extended)."""
        part = self._from(member, "PART", *((old, reason) if reason else (old,)))
        join = self._from(member, "JOIN", channel.name)
        return part, join, self._extended_join(member, channel, join)


def _there_at(channel: Channel, member: Client, when: float) -> bool:
    """`member` (its connection, or its account) was in `channel` when `when` was said."""
    if channel.joined.get(member, when) < when:
        return True
    stay = channel.stays.get(member.account) if member.account is not None else None
    return stay is not None and stay[0] < when
