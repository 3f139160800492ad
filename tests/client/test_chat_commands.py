"""Moderation commands, raw lines, /search and Tab completion: what typed lines become."""

from __future__ import annotations

from parley.client import state as cs
from parley.client.chat_commands import (
    CloseConversation,
    Search,
    SetTheme,
    search_attributes,
    search_lines,
)
from parley.client.commands import HELP, Send, ShowText, interpret
from parley.client.completion import Completer, candidates
from parley.client.search_results import Found, SearchResults
from parley.irc.message import Message, parse


def sent(line: str, current: str | None = "#tea") -> list[Message]:
    action = interpret(line, current)
    assert isinstance(action, Send), action
    return list(action.lines)


def test_moderation_commands_act_on_the_current_channel() -> None:
    assert sent("/op bob") == [Message.of("MODE", "#tea", "+o", "bob")]
    assert sent("/deop bob") == [Message.of("MODE", "#tea", "-o", "bob")]
    assert sent("/voice bob") == [Message.of("MODE", "#tea", "+v", "bob")]
    assert sent("/kick bob stop that now") == [Message.of("KICK", "#tea", "bob", "stop that now")]
    assert sent("/kick bob") == [Message.of("KICK", "#tea", "bob")]
    assert sent("/ban bob") == [Message.of("MODE", "#tea", "+b", "bob!*@*")]
    assert sent("/ban *!*@10.0.0.*") == [Message.of("MODE", "#tea", "+b", "*!*@10.0.0.*")]
    assert sent("/mode +m") == [Message.of("MODE", "#tea", "+m")]
    assert sent("/mode #other +i") == [Message.of("MODE", "#other", "+i")]
    assert sent("/mode bob") == [Message.of("MODE", "bob")]
    assert sent("/invite bob") == [Message.of("INVITE", "bob", "#tea")]
    assert sent("/invite bob #cake") == [Message.of("INVITE", "bob", "#cake")]
    assert sent("/notice bob hi there") == [Message.of("NOTICE", "bob", "hi there")]
    assert sent("/motd") == [Message.of("MOTD")]


def test_moderation_outside_a_channel_or_without_a_nick_says_how() -> None:
    for line, current in (("/op bob", "bob"), ("/kick", "#tea"), ("/ban bob", None),
                          ("/notice bob", "#tea"), ("/invite", "bob")):  # fmt: skip
        action = interpret(line, current)
        assert isinstance(action, ShowText) and action.text.startswith("Usage"), line


def test_quote_sends_the_raw_line_and_refuses_what_is_not_one() -> None:
    assert sent("/quote PRIVMSG #x :two words") == [parse("PRIVMSG #x :two words")]
    assert sent("/quote WHO #tea") == [Message.of("WHO", "#tea")]
    for line in ("/quote", "/quote    ", "/quote :src"):
        assert isinstance(interpret(line, "#tea"), ShowText), line


def test_close_theme_and_search_are_actions_for_the_window() -> None:
    assert interpret("/close", "bob") == CloseConversation("bob")
    assert interpret("/close #tea", None) == CloseConversation("#tea")
    assert isinstance(interpret("/close", None), ShowText)
    assert interpret("/theme dark", None) == SetTheme("dark")
    assert isinstance(interpret("/theme purple", None), ShowText)
    assert interpret("/search kettle boiling", "#tea") == Search("kettle boiling")
    assert interpret("/search deploy in:#ops", None) == Search("deploy", "#ops")
    assert isinstance(interpret("/search", "#tea"), ShowText)
    assert isinstance(interpret("/search in:#ops", "#tea"), ShowText)  # nothing to look for


def test_search_attributes_are_escaped_as_tag_values() -> None:
    assert search_attributes(Search("a;b c\\d", "#x y")) == "text=a\\:b\\sc\\\\d;in=#x\\sy;limit=50"
    assert search_lines(Search("kettle"), True) == (Message.of("SEARCH", "text=kettle;limit=50"),)
    assert search_lines(Search("kettle", "#ops"), False) == (
        Message.of("PRIVMSG", "HistServ", "SEARCH kettle in:#ops"),
    )
    huge = interpret("/search " + "x" * 5000, None)
    assert isinstance(huge, Search) and len(huge.words) <= 200


def test_unknown_command_is_one_line_that_points_to_help() -> None:
    action = interpret("/frobnicate now", "#x")
    assert isinstance(action, ShowText)
    assert "\n" not in action.text and "/frobnicate" in action.text and "/help" in action.text
    for command in ("/kick", "/ban", "/mode", "/op", "/deop", "/voice", "/notice", "/motd",
                    "/invite", "/close", "/quote", "/search", "/theme"):  # fmt: skip
        assert command in HELP


def test_tab_cycles_through_every_match_and_round_again() -> None:
    completer = Completer()
    nicks, channels = ["alice", "Alfred", "bob"], ["#alpha", "#tea"]
    first = completer.complete("al", 2, nicks, channels)
    assert first == ("alice: ", 7)
    second = completer.complete(*first, nicks, channels)
    assert second == ("Alfred: ", 8)
    assert completer.complete(*second, nicks, channels) == ("alice: ", 7)  # round again
    # in the middle of a line, what follows the cursor stays
    assert completer.complete("hi bo and more", 5, nicks, channels) == ("hi bob and more", 7)
    assert completer.complete("join #t", 7, nicks, channels) == ("join #tea ", 10)
    assert completer.complete("zz", 2, nicks, channels) is None
    assert completer.complete("", 0, nicks, channels) is None


def test_commands_complete_only_at_the_start() -> None:
    assert candidates("/se", True, [], []) == ["/search"]
    assert candidates("/o", False, ["/odd"], []) == ["/odd"]
    completer = Completer()
    assert completer.complete("/m", 2, [], []) == ("/me ", 4)
    assert completer.complete("/me ", 4, [], []) == ("/mode ", 6)


def batch(ref: str, *lines: str) -> list[Message]:
    return [parse(f":irc.test BATCH +{ref} soju.im/search"),
            *(parse(f"@batch={ref};{line}") for line in lines),
            parse(f":irc.test BATCH -{ref}")]  # fmt: skip


def test_a_search_batch_becomes_one_event_not_new_messages() -> None:
    state = cs.ClientState("alice")
    events: list[object] = []
    for message in batch(
        "s1",
        "time=2026-01-02T03:04:05.000Z;msgid=m1 :bob!b@h PRIVMSG #tea :the kettle",
        "time=2026-01-02T03:05:05.000Z;msgid=m2 :bob!b@h PRIVMSG alice :\x01ACTION kettles\x01",
        "msgid=m3 :alice!a@h PRIVMSG bob :my kettle",
    ):
        events += state.receive(message)
    assert events == [SearchResults((
        Found("2026-01-02T03:04:05.000Z", "#tea", "bob", "the kettle", "m1"),
        Found("2026-01-02T03:05:05.000Z", "bob", "bob", "* kettles", "m2"),
        Found(None, "bob", "alice", "my kettle", "m3"),
    ))]  # fmt: skip
    assert state.last_seen == {}  # found lines are not news


def test_an_empty_or_huge_search_answer_is_bounded() -> None:
    state = cs.ClientState("alice")
    events = [e for m in batch("e") for e in state.receive(m)]
    assert events == [SearchResults(())]
    many = [f"msgid=m{i} :bob!b@h PRIVMSG #tea :{'x' * 5000}" for i in range(600)]
    events = [e for m in batch("h", *many) for e in state.receive(m)]
    (results,) = events
    assert isinstance(results, SearchResults) and len(results.results) == 500
    assert all(len(found.text) <= 1000 for found in results.results)


def test_away_users_are_known_from_who_and_away_notify() -> None:
    state = cs.ClientState("alice")
    state.caps = {"away-notify"}
    state.receive(parse(":alice!a@h JOIN #tea"))
    assert Message.of("WHO", "#tea") in state.take_outbox()
    state.receive(parse(":irc.test 353 alice = #tea :@alice bob carol"))
    assert state.receive(parse(":irc.test 352 alice #tea b h irc.test bob G :0 Bob")) == []
    assert state.receive(parse(":irc.test 352 alice #tea c h irc.test carol H :0 C")) == []
    (done,) = state.receive(parse(":irc.test 315 alice #tea :End of WHO"))
    assert isinstance(done, cs.UsersChanged) and done.away == ("bob",)
    (back,) = state.receive(parse(":bob!b@h AWAY"))
    assert isinstance(back, cs.UsersChanged) and back.away == ()
    (gone,) = state.receive(parse(":carol!c@h AWAY :lunch"))
    assert isinstance(gone, cs.UsersChanged) and gone.away == ("carol",)
    assert state.receive(parse(":carol!c@h AWAY :still lunch")) == []  # nothing changed
    # a WHO the user typed is shown, not taken
    (shown,) = state.receive(parse(":irc.test 352 alice #other x h irc.test dave H :0 D"))
    assert isinstance(shown, cs.ServerText)


def test_a_multi_line_message_found_is_one_result_not_a_new_message() -> None:
    state = cs.ClientState("alice")
    lines = [
        ":irc.test BATCH +s soju.im/search",
        "@batch=s;time=2026-01-02T03:04:05.000Z;msgid=ml1 :bob!b@h BATCH +m draft/multiline #tea",
        "@batch=m :bob!b@h PRIVMSG #tea :the kettle",
        "@batch=m :bob!b@h PRIVMSG #tea :is on",
        "@batch=m;draft/multiline-concat :bob!b@h PRIVMSG #tea : again",
        ":irc.test BATCH -m",
        ":irc.test BATCH -s",
    ]
    events = [e for line in lines for e in state.receive(parse(line))]
    assert events == [SearchResults((
        Found("2026-01-02T03:04:05.000Z", "#tea", "bob", "the kettle\nis on again", "ml1"),
    ))]  # fmt: skip
    # a search batch left with an inner batch open does not keep it
    lines = [":irc.test BATCH +t soju.im/search",
             "@batch=t :bob!b@h BATCH +n draft/multiline #tea",
             ":irc.test BATCH -t"]  # fmt: skip
    assert [e for line in lines for e in state.receive(parse(line))] == [SearchResults(())]
    assert state.searches.inner == {} and state.searches.open == {}


def test_an_away_user_who_renames_stays_away_and_one_who_quits_is_forgotten() -> None:
    state = cs.ClientState("alice")
    state.receive(parse(":alice!a@h JOIN #tea"))
    state.receive(parse(":irc.test 353 alice = #tea :@alice bob"))
    state.receive(parse(":bob!b@h AWAY :lunch"))
    events = state.receive(parse(":bob!b@h NICK robert"))
    (users,) = [e for e in events if isinstance(e, cs.UsersChanged)]
    assert users.away == ("robert",)
    state.receive(parse(":robert!b@h QUIT :bye"))
    assert state.away == set()
