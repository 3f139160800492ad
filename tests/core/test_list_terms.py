"""LIST's ELIST terms against a settable clock: masks, member counts, creation and topic times."""

from __future__ import annotations

from fake import FakeConnection, Harness

from parley.server.core.elist import parse_list_query


def register(h: Harness, nick: str) -> tuple[object, FakeConnection]:
    session, conn = h.connect("192.0.2.1")
    h.say(session, f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    conn.take()
    return session, conn


def listed(h: Harness, session: object, conn: FakeConnection, terms: str) -> set[str]:
    h.say(session, f"LIST {terms}".rstrip())
    return {m.params[1] for m in conn.take() if m.command == "322"}


def test_masks_counts_and_times_narrow_the_list() -> None:
    h = Harness(lobby=None)
    ana, _ = register(h, "ana")
    bo, bo_conn = register(h, "bo")
    h.say(ana, "JOIN #chan1", "TOPIC #chan1 :first")
    h.clock.advance(180)  # three minutes on, a second channel
    h.say(ana, "JOIN #chan2", "TOPIC #chan2 :second")
    h.say(bo, "JOIN #chan2")
    h.clock.advance(60)
    assert listed(h, bo, bo_conn, "") == {"#chan1", "#chan2"}
    assert listed(h, bo, bo_conn, "*an1") == {"#chan1"}
    assert listed(h, bo, bo_conn, "#C*N2") == {"#chan2"}  # masks ignore case
    assert listed(h, bo, bo_conn, "!*an1") == {"#chan2"}
    assert listed(h, bo, bo_conn, "!#ch*") == set()
    assert listed(h, bo, bo_conn, ">1") == {"#chan2"}
    assert listed(h, bo, bo_conn, "<2") == {"#chan1"}
    assert listed(h, bo, bo_conn, "C>2") == {"#chan1"}  # created more than 2 minutes ago
    assert listed(h, bo, bo_conn, "C<2") == {"#chan2"}
    assert listed(h, bo, bo_conn, "C<0") == set()
    assert listed(h, bo, bo_conn, "T>2,T<10") == {"#chan1"}
    assert listed(h, bo, bo_conn, "#chan1,#chan2,#nope") == {"#chan1", "#chan2"}
    assert listed(h, bo, bo_conn, "#chan1,>1") == set()  # every term must hold


def test_odd_terms_are_ignored_not_failed() -> None:
    """Non-ASCII digits, empty bounds, lone signs and huge masks mean nothing: no error."""
    h = Harness(lobby=None)
    ana, conn = register(h, "ana")
    h.say(ana, "JOIN #tea")
    conn.take()
    for terms in (">", "C<", "T>\u0663", "<\uff15", "!", ",,,", "C", "*" * 5000, "!" + "*a" * 3000):
        h.say(ana, f"LIST {terms}")
        replies = [m.command for m in conn.take()]
        assert replies[0] == "321" and replies[-1] == "323", terms
    query = parse_list_query(",".join(["#a"] * 500), 200)
    assert query.names == ["#a"] * 10  # at most ten terms are read


def test_a_secret_channel_is_not_listed_to_outsiders_by_any_term() -> None:
    h = Harness(lobby=None)
    ana, _ = register(h, "ana")
    bo, bo_conn = register(h, "bo")
    h.say(ana, "JOIN #hidden", "MODE #hidden +s")
    for terms in ("", "#hidden", "#hid*", "!#x*", "C<10", ">0"):
        assert listed(h, bo, bo_conn, terms) == set(), terms
