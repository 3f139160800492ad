"""Two desktop-client windows logged into one account: two devices of one person.

Each window shows what the other said and what others said to the person, once;
closing one window leaves the other connected and the nick online."""

from __future__ import annotations

from collections.abc import Callable

from test_sessions import log_in, said
from test_window import type_line

from parley.client.gui.connect_dialog import ConnectDialog
from support.client import IrcClient
from support.servers import ThreadServer
from support.tkpump import pump


def test_two_windows_on_one_account_are_in_step(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    desk = log_in(open_dialog, server.port, create_account=True)
    phone = log_in(open_dialog, server.port)  # the same account: it joins the nick
    roots = [desk.root, phone.root]
    bob = IrcClient(server.port)
    bob.register("bob")
    pump(roots, lambda: "bob" in desk.user_list() and "bob" in phone.user_list())
    assert sorted(n.lstrip("@+") for n in phone.user_list()) == ["bob", "carol"]  # carol: once

    type_line(desk, "from the desk")
    pump(roots, lambda: said(phone, "#lobby", "<carol> from the desk") == 1)
    type_line(phone, "from the phone")
    pump(roots, lambda: said(desk, "#lobby", "<carol> from the phone") == 1)
    bob.send("PRIVMSG #lobby :hello both")
    bob.send("PRIVMSG carol :a word for you")
    pump(roots, lambda: all(said(w, "bob", "a word for you") == 1 for w in (desk, phone)))
    for window in (desk, phone):
        assert said(window, "#lobby", "<bob> hello both") == 1
        assert said(window, "#lobby", "<carol> from the desk") == 1
        assert said(window, "#lobby", "<carol> from the phone") == 1
    got = [m.params for m in bob.sync() if m.command == "PRIVMSG"]
    assert got == [("#lobby", "from the desk"), ("#lobby", "from the phone")]

    desk.root.tk.call(desk.root.protocol("WM_DELETE_WINDOW"))  # the window's close button
    bob.send("WHOIS carol")
    assert bob.expect("311").params[1] == "carol"
    bob.send("PRIVMSG #lobby :still there?")
    pump([phone.root], lambda: said(phone, "#lobby", "<bob> still there?") == 1)
    assert [m for m in bob.sync() if m.command == "QUIT"] == []  # one device left: no QUIT
    type_line(phone, "yes")
    assert bob.expect("PRIVMSG").params == ("#lobby", "yes")
    bob.close()
