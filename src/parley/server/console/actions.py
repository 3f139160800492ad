"""The console's actions: each asks in a dialog, then goes through the admin API.

The admin API runs them with the same core functions as the operator commands
(KICK, KILL, KLINE/DLINE, UNKLINE/UNDLINE, NOTICE $*, SETMOTD, TOPIC, DIE), so
the console can do nothing an operator on IRC cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from parley.server.console.dialogs import Dialog

if TYPE_CHECKING:
    from parley.server.admin import Admin
    from parley.server.admin.views import UserRow
    from parley.server.console.window import ConsoleWindow

DURATIONS = {"15 minutes": 15, "1 hour": 60, "1 day": 1440, "1 week": 10080, "until removed": 0}
ADDRESS, HOSTMASK = "address", "hostmask"

Work = Callable[[dict[str, str]], "Future[str]"]


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
        dialog.options("kind", "Ban by", kinds, ADDRESS)
        dialog.entry("mask", "Address or mask", user.host if user else "")
        dialog.choice("duration", "Duration", list(DURATIONS), "1 day")
        dialog.entry("reason", "Reason", "")
        if user is not None:
            suggested = {ADDRESS: user.host, HOSTMASK: f"*!*@{user.host}"}

            def kind_changed(*_: object) -> None:
                if dialog.values()["mask"] in suggested.values():
                    dialog.set("mask", suggested[dialog.values()["kind"]])

            dialog.fields["kind"].trace_add("write", kind_changed)

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
