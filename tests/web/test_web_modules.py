"""The web client's sans-IO modules, run in the browser as the page loads them: the
line parser and builder, text splitting, links, /commands, multi-line batches and
the reconnect back-off, with the odd inputs users and servers really send."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from support.browser import url_of
from support.servers import ThreadServer, web_config
from support.servers import test_config as config_for_tests

PRELUDE = """async () => {
  const m = {
    irc: await import("/irc.js"), commands: await import("/commands.js"),
    linkify: await import("/linkify.js"), multiline: await import("/multiline.js"),
    connection: await import("/connection.js"), state: await import("/state.js"),
  };
"""


@pytest.fixture(scope="module")
def run(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Any]]:
    """Run a function body in the page, with m = {irc, commands, linkify, multiline,
    connection} (given to the page as a function by the harness: no eval under the CSP).
    One server and page for the module: these tests only read the modules."""
    data = tmp_path_factory.mktemp("modules")
    server = ThreadServer(config_for_tests(data, web=web_config())).start()
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url_of(server))

    def evaluate(body: str) -> Any:
        return page.evaluate(PRELUDE + body + "}")

    yield evaluate
    context.close()
    server.stop()
    assert not errors, errors


def test_lines_parse_with_tags_source_and_trailing(run: Callable[[str], Any]) -> None:
    got = run(r"""
      const p = m.irc.parse;
      return [
        p("@time=2026-01-01T00:00:00.000Z;msgid=a\\sb\\:c;+flag "
          + ":nick!u@h PRIVMSG #chan :hello  world "),
        p(":server 005 me A B :are supported\r\n"),
        p("PING :"),
        p("privmsg  #x   y"),
        p(""), p("@only-tags"), p(":source-only"),
        p("@a=\\ PRIVMSG x :y"),
      ];""")
    assert got[0] == {
        "tags": {"time": "2026-01-01T00:00:00.000Z", "msgid": "a b;c", "+flag": ""},
        "source": "nick!u@h",
        "command": "PRIVMSG",
        "params": ["#chan", "hello  world "],
    }
    assert got[1]["params"] == ["me", "A", "B", "are supported"]
    assert got[2]["params"] == [""]
    assert got[3]["command"] == "PRIVMSG" and got[3]["params"] == ["#x", "y"]
    assert got[4:7] == [None, None, None]
    assert got[7]["tags"] == {"a": ""}  # a lone trailing backslash is dropped


def test_lines_are_built_escaped_and_never_carry_a_second_command(
    run: Callable[[str], Any],
) -> None:
    got = run(r"""
      const s = m.irc.serialize;
      const refused = [];
      for (const bad of ["a\r\nQUIT", "a\nb", "a\0b"]) {
        try { s("PRIVMSG", ["#x", bad]); refused.push(false); } catch { refused.push(true); }
      }
      let middle = false;
      try { s("PRIVMSG", ["#a b", "x"]); } catch { middle = true; }
      return {
        plain: s("PRIVMSG", ["#x", "hi"]),
        spaced: s("PRIVMSG", ["#x", "hi there"]),
        empty: s("TOPIC", ["#x", ""]),
        colon: s("PRIVMSG", ["#x", ":)"]),
        tagged: s("TAGMSG", ["#x"], {"+draft/react": "a b;c\\", "+typing": ""}),
        back: m.irc.parse(s("PRIVMSG", ["#x", "t"], {k: "v; \\ \r\n"})).tags.k,
        refused, middle,
      };""")
    assert got["plain"] == "PRIVMSG #x hi"
    assert got["spaced"] == "PRIVMSG #x :hi there"
    assert got["empty"] == "TOPIC #x :"
    assert got["colon"] == "PRIVMSG #x ::)"
    assert got["tagged"] == "@+draft/react=a\\sb\\:c\\\\;+typing TAGMSG #x"
    assert got["back"] == "v; \\ \r\n"
    assert got["refused"] == [True, True, True] and got["middle"] is True


def test_long_text_is_cut_at_spaces_and_never_inside_a_character(
    run: Callable[[str], Any],
) -> None:
    got = run(r"""
      const split = m.irc.splitText;
      const words = Array.from({length: 200}, (_, i) => "word" + i).join(" ");
      const snow = "\u2603".repeat(300);
      return {
        words: split(words, 400), snow: split(snow, 400), one: split("x", 400),
        empty: split("", 400), bytes: split(snow, 400).map(m.irc.byteLength),
      };""")
    assert all(len(p.encode()) <= 400 for p in got["words"])
    assert " ".join(got["words"]) == " ".join(f"word{i}" for i in range(200))
    assert "".join(got["snow"]) == "\u2603" * 300 and max(got["bytes"]) <= 400
    assert got["one"] == ["x"] and got["empty"] == []


def test_only_web_links_are_made_and_punctuation_is_left_out(run: Callable[[str], Any]) -> None:
    got = run(r"""
      const f = m.linkify.linkify("see https://a.example/x?y=1, or javascript:alert(1) "
        + "and (https://b.example/p) <https://c.example/q>. http://d.example/a_(b)");
      return [...f.childNodes].map(
        n => n.nodeName === "A" ? ["A", n.href, n.rel, n.target] : ["#", n.textContent]);
    """)
    links = [n for n in got if n[0] == "A"]
    assert [n[1] for n in links] == [
        "https://a.example/x?y=1",
        "https://b.example/p",
        "https://c.example/q",
        "http://d.example/a_(b)",
    ]
    assert all(n[2] == "noopener noreferrer nofollow" and n[3] == "_blank" for n in links)
    assert any("javascript:alert(1)" in n[1] for n in got if n[0] == "#")


def test_commands_mirror_the_desktop_client(run: Callable[[str], Any]) -> None:
    got = run(r"""
      const i = m.commands.interpret;
      const chan = {name: "#tea", kind: "channel"}, query = {name: "bob", kind: "query"};
      const server = {name: "Server", kind: "server"};
      return {
        say: i("hello", chan), slash: i("//etc/motd", chan), nowhere: i("hi", server),
        join: i("/join tea key", server), part: i("/part bye now", chan),
        partOther: i("/part #other bye", query), partQuery: i("/part", query),
        msg: i("/msg bob hi there", chan), msgEmpty: i("/msg bob", chan),
        query: i("/query bob", chan), queryText: i("/query bob hi", chan),
        me: i("/me waves", query), nick: i("/nick new", chan), nickTwo: i("/nick a b", chan),
        topic: i("/topic", chan), setTopic: i("/TOPIC new topic", chan),
        topicQuery: i("/topic x", query),
        away: i("/away", chan), awayWhy: i("/away lunch", chan), back: i("/back", chan),
        whois: i("/whois bob", chan), close: i("/close", query), closeServer: i("/close", server),
        unknown: i("/frob", chan), bare: i("/", chan), quit: i("/quit", chan),
        help: i("/help", chan),
      };""")
    assert got["say"] == {"say": "hello"}
    assert got["slash"] == {"say": "/etc/motd"}
    assert got["nowhere"]["error"] is True
    assert got["join"] == {"send": [["JOIN", ["#tea", "key"]]]}
    assert got["part"] == {"send": [["PART", ["#tea", "bye now"]]]}
    assert got["partOther"] == {"send": [["PART", ["#other", "bye"]]]}
    assert got["partQuery"]["error"] is True
    assert got["msg"]["send"] == [["PRIVMSG", ["bob", "hi there"]]]
    assert got["msgEmpty"]["error"] is True
    assert got["query"] == {"open": "bob"}
    assert got["queryText"]["open"] == "bob" and got["queryText"]["send"]
    assert got["me"]["send"] == [["PRIVMSG", ["bob", "\x01ACTION waves\x01"]]]
    assert got["nick"] == {"send": [["NICK", ["new"]]]}
    assert got["nickTwo"]["error"] is True
    assert got["topic"] == {"send": [["TOPIC", ["#tea"]]]}
    assert got["setTopic"] == {"send": [["TOPIC", ["#tea", "new topic"]]]}
    assert got["topicQuery"]["error"] is True
    assert got["away"] == {"send": [["AWAY", ["Away"]]]}
    assert got["awayWhy"] == {"send": [["AWAY", ["lunch"]]]}
    assert got["back"] == {"send": [["AWAY", []]]}
    assert got["whois"] == {"send": [["WHOIS", ["bob"]]]}
    assert got["close"] == {"close": True}
    assert got["closeServer"]["error"] is True
    assert got["unknown"]["error"] is True and "Unknown command /frob" in got["unknown"]["show"]
    assert got["bare"]["error"] is True
    assert got["quit"] == {"quit": "Leaving"}
    assert "/join" in got["help"]["show"]


def test_multiline_batches_within_the_limits_else_separate_lines(
    run: Callable[[str], Any],
) -> None:
    got = run(r"""
      const l = m.multiline.linesFor;
      const caps = new Set(["batch", "draft/multiline"]);
      const offered = {"draft/multiline": "max-bytes=100,max-lines=3"};
      return {
        one: l("#x", "single", caps, offered),
        batch: l("#x", "a\n\nb\n", caps, offered),
        tooMany: l("#x", "1\n2\n3\n4", caps, offered),
        tooBig: l("#x", "y".repeat(98) + "\nz".repeat(2), caps, offered),
        noCap: l("#x", "a\nb", new Set(["batch"]), {}),
        long: l("#x", "w ".repeat(300) + "\nend", caps,
                {"draft/multiline": "max-bytes=4096,max-lines=24"}),
      };""")
    assert got["one"] == [["PRIVMSG", ["#x", "single"], None]]
    batch = got["batch"]
    ref = batch[0][1][0][1:]
    assert batch[0] == ["BATCH", [f"+{ref}", "draft/multiline", "#x"], None]
    assert [line[1][1] for line in batch[1:-1]] == ["a", "", "b"]
    assert all(line[2] == {"batch": ref} for line in batch[1:-1])
    assert batch[-1] == ["BATCH", [f"-{ref}"], None]
    assert [line[1][1] for line in got["tooMany"]] == ["1", "2", "3", "4"]
    assert all(line[0] == "PRIVMSG" for line in got["tooBig"] + got["noCap"])
    long = got["long"]
    concat = [line for line in long if line[2] and "draft/multiline-concat" in line[2]]
    assert len(concat) == 1  # the long first line is cut in two, the second piece joined


def test_reconnect_back_off_doubles_with_jitter_up_to_a_cap(run: Callable[[str], Any]) -> None:
    got = run(r"""
      const b = m.connection.backoff;
      return {
        low: [0, 1, 2, 3, 10].map(n => b(n, () => 0)),
        high: [0, 1, 2, 3, 10].map(n => b(n, () => 1)),
        url: m.connection.defaultUrl({protocol: "https:", host: "chat.example:8097"}),
        plain: m.connection.defaultUrl({protocol: "http:", host: "127.0.0.1:80"}),
      };""")
    assert got["low"] == [500, 1000, 2000, 4000, 15000]
    assert got["high"] == [1000, 2000, 4000, 8000, 30000]
    assert got["url"] == "wss://chat.example:8097/"
    assert got["plain"] == "ws://127.0.0.1:80/"


def test_the_state_applies_a_channel_s_lines_in_one_place(run: Callable[[str], Any]) -> None:
    got = run(r"""
      const sent = [];
      const st = new m.state.ChatState((c, p) => { sent.push([c, ...p].join(" ")); return true; });
      const caps = new Set(["draft/chathistory", "draft/read-marker", "batch"]);
      st.welcome({nick: "me", caps, isupport: {PREFIX: "(ov)@+"}}, "2026-01-01T00:00:00.000Z");
      const L = (line) => st.apply(m.irc.parse(line));
      const t = (s) => `time=2026-01-01T00:00:${s}.000Z`;
      L(":me!u@h JOIN #a");
      L(":srv 353 me = #a :@me +bob carl");
      L(":srv BATCH +h1 chathistory #a");
      L(`@batch=h1;${t("01")};msgid=m1 :bob!u@h PRIVMSG #a :old one`);
      L(`@batch=h1;${t("02")};msgid=m2 :bob!u@h PRIVMSG #a :me: new`);
      L(":srv BATCH -h1");
      L(":srv MARKREAD #a timestamp=2026-01-01T00:00:01.000Z");
      L(`@${t("02")};msgid=m2 :bob!u@h PRIVMSG #a :me: new`);  // again, live: once
      L(`@${t("03")};msgid=m3 :srv BATCH +ml draft/multiline #a`);
      L("@batch=ml :bob!u@h PRIVMSG #a :two");
      L("@batch=ml :bob!u@h PRIVMSG #a :lines");
      L("@batch=ml;draft/multiline-concat :bob!u@h PRIVMSG #a : joined");
      L(":srv BATCH -ml");
      L(":bob!u@h AWAY :lunch");
      L(":carl!u@h NICK carla");
      L(":srv 352 me #a u h srv carla G :0 Carla");
      L(`@${t("04")};msgid=m4 :bob!u@h PRIVMSG #a :\x01ACTION waves\x01`);
      L(`@${t("05")};msgid=m5 :bob!u@h REDACT #a m4`);
      const a = st.get("#a");
      const snapshot = {
        sent: [...sent],
        unread: a.unread, mentions: a.mentions,
        members: [...a.members.values()].map((x) => [x.nick, x.prefixes, x.away]),
        texts: a.messages.map((x) => [x.kind, x.nick, x.text, x.redacted ?? false]),
      };
      L(":bob!u@h KICK #a me :bye");
      snapshot.gone = st.get("#a") === null;
      snapshot.told = st.get("*server").messages.map((x) => x.text);
      L(`@${t("06")};msgid=m6 :dee!u@h PRIVMSG me :psst`);  // a new private conversation
      snapshot.asked = sent.slice(-2);
      st.close("dee");
      L(":srv CHATHISTORY TARGETS dee 2026-01-01T00:00:06.000Z");  // nothing new: stays closed
      snapshot.closed = st.get("dee") === null;
      L(":srv CHATHISTORY TARGETS dee 2026-01-01T00:00:07.000Z");
      snapshot.back = st.get("dee") !== null;
      return snapshot;""")
    assert "CHATHISTORY LATEST #a * 50" in got["sent"] and "WHO #a" in got["sent"]
    assert got["unread"] == 3 and got["mentions"] == 1  # after the marker: m2, m3 and m4
    assert got["members"] == [["me", "@", False], ["bob", "+", True], ["carla", "", True]]
    assert ["privmsg", "bob", "old one", False] in got["texts"]
    assert ["privmsg", "bob", "two\nlines joined", False] in got["texts"]
    assert sum(1 for t in got["texts"] if t[2] == "me: new") == 1
    assert ["nick", "carl", "carl is now known as carla", False] in got["texts"]
    assert ["action", "bob", "", True] in got["texts"]  # deleted
    assert got["gone"] and any("You were removed from #a by bob (bye)" in t for t in got["told"])
    assert got["asked"] == ["MARKREAD dee", "CHATHISTORY LATEST dee * 50"]  # its earlier lines
    assert got["closed"] and got["back"]
