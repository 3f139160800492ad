"""IRCv3 no-implicit-names: clients that ask get no NAMES after JOIN, only when they ask."""

from __future__ import annotations

from collections.abc import Callable

from support.client import IrcClient

CAP = "draft/no-implicit-names"


def test_no_names_after_join_but_names_on_request(connect: Callable[..., IrcClient]) -> None:
    plain = connect("plain")  # joins the lobby and gets its names, as always
    quiet = connect("quiet", caps=(CAP,), lobby=False)
    quiet.sync()
    burst = [m.command for m in quiet.received]
    assert "JOIN" in burst and "332" in burst  # the lobby, with its topic...
    assert "353" not in burst and "366" not in burst  # ...and no names
    quiet.send("JOIN #new,#other")
    joined = quiet.sync()
    assert [m.params[0] for m in joined if m.command == "JOIN"] == ["#new", "#other"]
    assert [m.command for m in joined if m.command in ("353", "366")] == []
    quiet.send("NAMES #lobby")
    names = quiet.collect_until("366")
    assert {"plain", "quiet"} <= set(names[0].params[-1].replace("@", "").split())
    plain.send("JOIN #new")
    assert plain.expect("353").params[-1].split() == ["@quiet", "plain"]


def test_a_labelled_join_is_one_line(connect: Callable[..., IrcClient]) -> None:
    quiet = connect("quiet", caps=(CAP, "labeled-response", "batch"), lobby=False)
    quiet.sync()
    quiet.send("@label=j1 JOIN #x")
    join = quiet.expect("JOIN")
    assert join.tags.get("label") == "j1"
    assert [m for m in quiet.sync() if m.command in ("BATCH", "353", "366")] == []
