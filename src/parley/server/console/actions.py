"""The console's actions: each asks in a dialog, then goes through the admin API.

The admin API runs them with the same core functions as the operator commands
(KICK, KILL, KLINE/DLINE, UNKLINE/UNDLINE, NOTICE $*, SETMOTD, TOPIC, DIE), so
the console can do nothing an operator on IRC cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from tkinter import ttk
from typing import TYPE_CHECKING

from parley.server.admin import AdminError
from parley.server.admin.channels import Modes, parse_limit
from parley.server.console.dialogs import Dialog

if TYPE_CHECKING:
    from parley.server.admin import Admin
    from parley.server.admin.accounts import Hits
    from parley.server.admin.views import ChannelRow, UserRow
    from parley.server.console.window import ConsoleWindow

PREVIEW_MS = 300  # after the last keystroke in the ban dialog, ask who it would hit
NICKS_PREVIEWED = 12  # named in the preview; the rest are counted
DURATIONS = {"15 minutes": 15, "1 hour": 60, "1 day": 1440, "1 week": 10080, "until removed": 0}
ADDRESS, HOSTMASK = "address", "hostmask"
FLAGS = [
    ("n", "+n  no messages from outside"),
    ("t", "+t  only operators set the topic"),
    ("i", "+i  invite only"),
    ("m", "+m  moderated: only voiced and operators speak"),
    ("s", "+s  secret: not listed"),
    ("C", "+C  no CTCP but ACTION"),
]

Work = Callable[[dict[str, str]], "Future[str]"]


def hits_text(hits: Hits) -> str:
    """Who a ban would disconnect now, in words."""
    named = ", ".join(hits.nicks[:NICKS_PREVIEWED])
    more = len(hits.nicks) - NICKS_PREVIEWED
    parts = [named + (f" and {more} more" if more > 0 else "")] if hits.nicks else []
    if hits.unregistered:
        s = "s" * (hits.unregistered != 1)
        parts.append(f"{hits.unregistered} connection{s} not yet registered")
    if not parts:
        return "Nobody connected now matches."
    count = len(hits.nicks) + hits.unregistered
    return f"Would disconnect now ({count}): " + "; ".join(parts)


def minutes(text: str) -> int:
    """A duration as the ban dialog takes it: one of DURATIONS, or a number of minutes."""
    text = text.strip()
    if text in DURATIONS:
        return DURATIONS[text]
    if text.isascii() and text.isdigit():
        return int(text)
    raise ValueError("Duration: pick one from the list, or type a number of minutes")


class Actions:
    """Opens the dialogs and sends what they ask for."""

    def __init__(self, window: ConsoleWindow) -> None:
        self.window = window

    @property
    def admin(self) -> Admin:
        return self.window.admin

    def _ask(
        self, name: str, title: str, message: str, action: str, work: Work, danger: bool = False
    ) -> Dialog:
        """Open (or reopen) the dialog `name`; its action button runs `work` on its values."""
        dialogs = self.window.dialogs
        if name in dialogs:
            dialogs[name].close()

        def submit(dialog: Dialog) -> None:
            try:
                future = work(dialog.values())
            except ValueError as exc:  # checked here, before the server is asked
                dialog.fail(str(exc))
                return
            self.window.track(future, dialog)

        dialog = Dialog(self.window.root, title, message, action, submit, danger)
        dialogs[name] = dialog

        def forget() -> None:
            if dialogs.get(name) is dialog:
                del dialogs[name]

        dialog.on_close = forget
        return dialog

    def _user(self) -> UserRow | None:
        user = self.window.users.selected()
        if user is None:
            self.window.say("Select a user in the Users table first", error=True)
        return user

    # -- on a user -----------------------------------------------------------------

    def kick(self) -> None:
        user = self._user()
        if user is None:
            return
        if not user.channels:
            self.window.say(f"{user.nick} is in no channel", error=True)
            return
        dialog = self._ask(
            "kick", f"Kick {user.nick}", f"Remove {user.nick} from a channel? "
            "Everyone there sees the kick and the reason; they may join again.", "Kick",
            lambda v: self.admin.kick(v["channel"], user.nick, v["reason"]), danger=True,
        )  # fmt: skip
        dialog.choice("channel", "Channel", user.channels, user.channels[0])
        dialog.entry("reason", "Reason", "Kicked by the operator")

    def kill(self) -> None:
        user = self._user()
        if user is None:
            return
        dialog = self._ask(
            "kill", f"Disconnect {user.nick}", f"Disconnect {user.nick}? Their connection is "
            "closed and those who share a channel with them see why.", "Disconnect",
            lambda v: self.admin.kill(user.nick, v["reason"]), danger=True,
        )  # fmt: skip
        dialog.entry("reason", "Reason", "Disconnected by the operator")

    def ban_user(self) -> None:
        user = self._user()
        if user is not None:
            self.ban(user)

    # -- bans ----------------------------------------------------------------------

    def ban(self, user: UserRow | None = None) -> None:
        """Ban an address or network (refused at connect) or a hostmask (at registration)."""
        about = f"Ban {user.nick}? " if user else "Ban an address or a hostmask? "

        def work(v: dict[str, str]) -> Future[str]:
            address = v["kind"] == ADDRESS
            return self.admin.ban(v["mask"], minutes(v["duration"]), v["reason"], address)

        dialog = self._ask(
            "ban", "Ban", about + "Whoever matches is disconnected now and refused until the "
            "ban ends. Bans are kept in the data dir and listed under Bans.", "Ban", work, True,
        )  # fmt: skip
        kinds = [(ADDRESS, "IP address or network"), (HOSTMASK, "hostmask (nick!user@host)")]
        # A user's own mask by default: an address is often shared (a school, a NAT).
        dialog.options("kind", "Ban by", kinds, HOSTMASK if user else ADDRESS)
        dialog.entry("mask", "Address or mask", f"{user.nick}!*@*" if user else "")
        dialog.choice("duration", "Duration", list(DURATIONS), "1 day")
        dialog.entry("reason", "Reason", "")
        preview = dialog.note("")
        if user is not None:
            suggested = {ADDRESS: user.host, HOSTMASK: f"{user.nick}!*@*"}

            def kind_changed(*_: object) -> None:
                if dialog.values()["mask"] in suggested.values():
                    dialog.set("mask", suggested[dialog.values()["kind"]])

            dialog.fields["kind"].trace_add("write", kind_changed)
        self._preview_hits(dialog, preview)

    def _preview_hits(self, dialog: Dialog, preview: ttk.Label) -> None:
        """Keep `preview` saying who the ban would disconnect, asked PREVIEW_MS after a change."""
        root = self.window.root
        pending: list[str] = []

        def show(future: Future[Hits]) -> None:
            if dialog.closed:
                return
            if not future.done():
                pending.append(root.after(50, show, future))
                return
            try:
                text, style = hits_text(future.result()), "Quiet.TLabel"
            except AdminError as exc:
                text, style = str(exc), "Error.TLabel"
            preview.configure(text=text, style=style)

        def ask() -> None:
            pending.clear()
            if dialog.closed:
                return
            values = dialog.values()
            if not values["mask"].strip():
                preview.configure(text="", style="Quiet.TLabel")
                return
            show(self.admin.ban_hits(values["mask"], values["kind"] == ADDRESS))

        def changed(*_: object) -> None:
            for timer in pending:
                root.after_cancel(timer)
            pending.clear()
            pending.append(root.after(PREVIEW_MS, ask))

        for name in ("kind", "mask"):
            dialog.fields[name].trace_add("write", changed)
        ask()

    def unban(self) -> None:
        ban = self.window.bans.selected()
        if ban is None:
            self.window.say("Select a ban in the Bans table first", error=True)
            return
        self._ask(
            "unban", "Remove ban", f"Remove the ban on {ban.mask}? It may connect again at once.",
            "Remove ban", lambda _v: self.admin.unban(ban.mask, ban.address),
        )  # fmt: skip

    # -- shared files ----------------------------------------------------------------

    def delete_file(self) -> None:
        shared = self.window.files.selected()
        if shared is None:
            self.window.say("Select a file in the Files table first", error=True)
            return
        self._ask(
            "delete_file", "Delete file", f"Delete {shared.filename} ({shared.account})? Its "
            "link stops working for everyone it was given to.", "Delete file",
            lambda _v: self.admin.delete_file(shared.id), danger=True,
        )  # fmt: skip

    # -- accounts ----------------------------------------------------------------------

    def create_account(self) -> None:
        def work(v: dict[str, str]) -> Future[str]:
            if v["password"] != v["again"]:
                raise ValueError("The two passwords differ")
            return self.admin.create_account(v["name"].strip(), v["password"])

        dialog = self._ask(
            "create_account", "Create an account", "Create an account: its owner logs in with "
            "this name and password (and keeps the nick of that name).", "Create account", work,
        )  # fmt: skip
        dialog.entry("name", "Name", "")
        dialog.password("password", "Password")
        dialog.password("again", "Password again")
        dialog.note("At least 8 characters. Tell its owner the password another way than "
                    "chat, and ask them to change it.")  # fmt: skip

    def reset_password(self) -> None:
        account = self.window.accounts.selected()
        if account is None:
            self.window.say("Select an account in the Accounts table first", error=True)
            return

        def work(v: dict[str, str]) -> Future[str]:
            if v["password"] != v["again"]:
                raise ValueError("The two passwords differ")
            return self.admin.reset_password(account.name, v["password"])

        dialog = self._ask(
            "reset_password", f"New password for {account.name}", f"Give the account "
            f"{account.name} a new password? The old one stops working at once.",
            "Set password", work,
        )  # fmt: skip
        dialog.password("password", "New password")
        dialog.password("again", "Password again")

    def delete_account(self) -> None:
        account = self.window.accounts.selected()
        if account is None:
            self.window.say("Select an account in the Accounts table first", error=True)
            return
        online = f" {', '.join(account.online)} (logged in now) will be logged out." if (
            account.online) else ""  # fmt: skip
        self._ask(
            "delete_account", "Delete account", f"Delete the account {account.name}? Its "
            f"password, settings, private history and channel registrations go; this cannot be "
            f"undone.{online}", "Delete account",
            lambda _v: self.admin.delete_account(account.name), danger=True,
        )  # fmt: skip

    # -- everyone ------------------------------------------------------------------

    def notice(self) -> None:
        dialog = self._ask(
            "notice", "Notice to everyone", "Send a notice to every user connected now "
            "(as NOTICE $* from the server).", "Send to everyone",
            lambda v: self.admin.notice_all(v["text"]),
        )  # fmt: skip
        dialog.entry("text", "Notice", "", width=56)

    def motd(self) -> None:
        current = self.window.snapshot.info.motd if self.window.snapshot else ""
        dialog = self._ask(
            "motd", "Message of the day", "Users see the message of the day when they connect, "
            "and with /motd.", "Set MOTD", lambda v: self.admin.set_motd(v["text"]),
        )  # fmt: skip
        dialog.text("text", "Message", current)
        dialog.note("{server_name} and {lobby} are filled in. It stays until the server "
                    "restarts or reloads its configuration; to keep it, set motd or motd_file "
                    "in the config file.")  # fmt: skip

    def lobby_topic(self) -> None:
        snapshot = self.window.snapshot
        lobby = snapshot.info.lobby if snapshot else None
        if lobby is None:
            self.window.say("This server has no lobby", error=True)
            return
        self._topic_dialog(lobby, lambda v: self.admin.set_lobby_topic(v["topic"]))

    def topic(self) -> None:
        channel = self.window.channels.selected()
        if channel is None:
            self.window.say("Select a channel in the Channels table first", error=True)
            return
        self._topic_dialog(channel.name, lambda v: self.admin.set_topic(channel.name, v["topic"]))

    def _channel(self) -> ChannelRow | None:
        channel = self.window.channels.selected()
        if channel is None:
            self.window.say("Select a channel in the Channels table first", error=True)
        return channel

    def modes(self) -> None:
        channel = self._channel()
        if channel is None:
            return
        name = channel.name

        def work(v: dict[str, str]) -> Future[str]:
            flags = "".join(f for f, _ in FLAGS if v[f"flags:{f}"])
            key = v["key"].strip() or None
            return self.admin.set_modes(name, Modes(flags, key, parse_limit(v["limit"])))

        dialog = self._ask(
            "modes", f"Modes of {name}", f"Modes of {name} now: {channel.modes or 'none'}. "
            "Everyone in it sees the change, from the server.", "Set modes", work,
        )  # fmt: skip
        dialog.checks("flags", "Flags", FLAGS, channel.flags)
        dialog.entry("key", "Key (+k)", channel.key or "")
        dialog.entry("limit", "Limit (+l)", "" if channel.limit is None else str(channel.limit))
        dialog.note("A blank key or limit removes it. The key is the password to join.")

    def close_channel(self) -> None:
        channel = self._channel()
        if channel is None:
            return
        name = channel.name
        kept = (f" {name} is registered to {channel.founder}: the registration stays, and the "
                "channel comes back with its topic and modes when someone joins.") if (
            channel.founder) else ""  # fmt: skip
        dialog = self._ask(
            "close_channel", f"Close {name}", f"Close {name}? Its {channel.members} members "
            f"are kicked by the server with the reason, and the channel is gone; anyone may "
            f"join it again.{kept}", "Close channel",
            lambda v: self.admin.close_channel(name, v["reason"]), danger=True,
        )  # fmt: skip
        dialog.entry("reason", "Reason", "Channel closed")

    def drop_registration(self) -> None:
        channel = self._channel()
        if channel is None:
            return
        if channel.founder is None:
            self.window.say(f"{channel.name} is not registered", error=True)
            return
        name = channel.name
        self._ask(
            "drop_registration", "Drop registration", f"Drop the ChanServ registration of "
            f"{name} (founder {channel.founder})? Its topic, modes and access list are no "
            "longer kept, and ChanServ makes nobody operator; the channel itself stays as it "
            "is.", "Drop registration", lambda _v: self.admin.drop_registration(name), True,
        )  # fmt: skip

    def _topic_dialog(self, name: str, work: Work) -> None:
        snapshot = self.window.snapshot
        rows = snapshot.channels if snapshot else ()
        current = next((c.topic for c in rows if c.name.casefold() == name.casefold()), "")
        dialog = self._ask(
            "topic", f"Topic of {name}", f"Set the topic of {name}; everyone in it sees the "
            "change.", "Set topic", work,
        )  # fmt: skip
        dialog.entry("topic", "Topic", current, width=56)

    # -- the server ----------------------------------------------------------------

    def rehash(self) -> None:
        self.window.say("Reloading the configuration…")
        self.window.track(self.admin.rehash())

    def shut_down(self) -> None:
        """Asked from the menu or by closing the window: stop the server gracefully."""
        if self.window.closing:
            return
        dialog = self._ask(
            "shutdown", "Shut down the server", "Shut the server down? Every user is told "
            "and disconnected, and the console closes.", "Shut down", self._shut_down, True,
        )  # fmt: skip
        dialog.entry("reason", "Reason", "Server shutting down")

    def shut_down_now(self, reason: str = "Server shutting down") -> None:
        """No question asked (SIGTERM, SIGINT)."""
        if not self.window.closing:
            self.window.track(self._shut_down({"reason": reason}))

    def _shut_down(self, values: dict[str, str]) -> Future[str]:
        self.window.closing = True
        self.window.say("Shutting down: telling every user…")
        return self.admin.shutdown(values["reason"].strip() or "Server shutting down")
