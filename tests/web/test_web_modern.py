"""Modern chat in the web client, in a real Chromium with two people: replies,
reactions, typing indicators, deleting one's own messages and emoji (the IRCv3 client
tags and draft/message-redaction as another client sees them too)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Dialog, Locator, expect

from support.browser import WebUser, url_of
from support.client import IrcClient
from support.servers import ThreadServer


def two_users(server: ThreadServer, web_users: Callable[..., WebUser]) -> tuple[WebUser, WebUser]:
    """alice and bob, both in the lobby and seeing each other there."""
    alice, bob = web_users(url_of(server)), web_users(url_of(server))
    alice.login("alice", register=True)
    bob.login("bob", register=True)
    for user, other in ((alice, "bob"), (bob, "alice")):
        user.in_chat()
        expect(user.page.locator("#conv-title")).to_have_text("#lobby")
        expect(user.page.locator("#member-list")).to_contain_text(other)
    return alice, bob


def row(user: WebUser, text: str) -> Locator:
    """The message row whose text is exactly `text`."""
    return user.page.locator("#messages .msg", has=user.page.locator(".text", has_text=text))


def test_a_reply_quotes_the_line_on_both_sides_and_jumps_to_it(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = two_users(web_server, web_users)
    watcher = IrcClient(web_server.port)
    try:
        watcher.register("watcher", caps=("message-tags", "batch", "draft/multiline"))
        alice.say("tea or coffee?")
        original = row(bob, "tea or coffee?")
        expect(original).to_have_count(1)
        msgid = original.get_attribute("data-msgid")
        assert msgid

        original.hover()
        original.locator("button.action-reply").click()
        banner = bob.page.locator("#reply-banner")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text("Replying to alice: tea or coffee?")
        expect(bob.page.locator("#input")).to_be_focused()
        bob.page.keyboard.press("Escape")  # cancelled: the next line is no reply
        expect(banner).to_be_hidden()
        bob.say("thinking")
        plain = watcher.expect(lambda m: m.command == "PRIVMSG" and m.params[1] == "thinking")
        assert "+draft/reply" not in plain.tags

        original.hover()
        original.locator("button.action-reply").click()
        bob.say("tea, always")
        expect(banner).to_be_hidden()  # sent: the reply is done
        said = watcher.expect(lambda m: m.command == "PRIVMSG" and m.params[1] == "tea, always")
        assert said.tags.get("+draft/reply") == msgid  # on the wire for any client

        answer = row(alice, "tea, always")
        quote = answer.locator(".reply-quote")
        expect(quote).to_have_text("↪ alice: tea or coffee?")
        theirs = row(bob, "tea, always").locator(".reply-quote")
        expect(theirs).to_have_text("↪ alice: tea or coffee?")
        quote.click()
        expect(row(alice, "tea or coffee?")).to_be_focused()

        # Several lines (one draft/multiline batch) reply as one message.
        original.hover()
        original.locator("button.action-reply").click()
        bob.page.fill("#input", "tea\nthen cake")
        bob.page.press("#input", "Enter")
        opened = watcher.expect(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
        assert opened.tags.get("+draft/reply") == msgid
        both = alice.page.locator("#messages .msg", has_text="then cake")
        expect(both.locator(".text")).to_have_text("tea\nthen cake")
        expect(both.locator(".reply-quote")).to_have_text("↪ alice: tea or coffee?")

        # A reply to a line this client never loaded says so without a link.
        watcher.send("@+draft/reply=no-such-id PRIVMSG #lobby :about something old")
        lost = row(alice, "about something old").locator(".reply-quote")
        expect(lost).to_have_text("↪ In reply to an earlier message")
        expect(lost).to_have_js_property("tagName", "DIV")
    finally:
        watcher.close()


def test_reactions_count_who_reacted_and_are_taken_back_with_a_click(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = two_users(web_server, web_users)
    alice.say("the release is out")
    for user in (alice, bob):
        line = row(user, "the release is out")
        line.hover()
        line.locator("button.action-react").click()
        picker = user.page.get_by_role("dialog", name="React to alice's message")
        expect(picker).to_be_visible()
        thumbs = picker.get_by_role("button", name="thumbs up")
        expect(thumbs).to_be_focused()  # keyboard first: Enter picks it
        user.page.keyboard.press("Enter")
        expect(picker).to_have_count(0)
    for user in (alice, bob):
        chip = row(user, "the release is out").locator("button.reaction")
        expect(chip).to_have_count(1)
        expect(chip.locator(".reaction-count")).to_have_text("2")
        expect(chip).to_have_attribute("title", "thumbs up: alice and bob")
        expect(chip).to_have_attribute("aria-pressed", "true")

    # The keyboard reaches another emoji; Escape closes the picker.
    line = row(bob, "the release is out")
    line.hover()
    line.locator("button.action-react").click()
    bob.page.keyboard.press("ArrowRight")
    bob.page.keyboard.press("ArrowRight")
    expect(bob.page.get_by_role("button", name="tears of joy")).to_be_focused()
    bob.page.keyboard.press("Escape")
    expect(bob.page.locator(".emoji-picker")).to_have_count(0)

    # alice takes hers back: one left, bob's; pressing bob's chip adds hers again.
    mine = row(alice, "the release is out").locator("button.reaction")
    mine.click()
    theirs = row(bob, "the release is out").locator("button.reaction")
    expect(theirs.locator(".reaction-count")).to_have_text("1")
    expect(theirs).to_have_attribute("title", "thumbs up: bob")
    expect(mine).to_have_attribute("aria-pressed", "false")
    mine.click()
    expect(theirs.locator(".reaction-count")).to_have_text("2")

    # A reaction sent privately cannot dress the channel's line; an endless "emoji" is
    # not shown; both are said before a line that shows they have come.
    msgid = row(alice, "the release is out").get_attribute("data-msgid")
    mallory = IrcClient(web_server.port)
    try:
        mallory.register("mallory", caps=("message-tags",))
        mallory.send(f"@+draft/react=💩;+draft/reply={msgid} TAGMSG alice")
        mallory.send(f"@+draft/react={'x' * 300};+draft/reply={msgid} TAGMSG #lobby")
        mallory.send(f"@+draft/react=🔥;+draft/reply={msgid} TAGMSG #lobby")
        mallory.send("PRIVMSG alice :hi")
        expect(alice.conversation("mallory")).to_have_count(1)
        chips = row(alice, "the release is out").locator("button.reaction")
        expect(chips).to_have_count(2)
        expect(chips.nth(1)).to_have_attribute("title", "fire: mallory")
    finally:
        mallory.close()


def test_typing_shows_under_the_other_side_and_goes_when_cleared_or_sent(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = two_users(web_server, web_users)
    watcher = IrcClient(web_server.port)
    try:
        watcher.register("watcher", caps=("message-tags",))
        typing = alice.page.locator("#typing")
        expect(typing).to_have_attribute("aria-live", "polite")
        bob.page.locator("#input").press_sequentially("hel")
        expect(typing).to_have_text("bob is typing…")
        first = watcher.expect(lambda m: m.command == "TAGMSG" and "+typing" in m.tags)
        assert first.tags["+typing"] == "active" and first.params == ("#lobby",)
        bob.page.fill("#input", "")  # cleared: done
        expect(typing).to_have_text("")
        done = watcher.expect(lambda m: m.command == "TAGMSG" and m.tags.get("+typing") == "done")
        assert done.source.startswith("bob!")

        bob.page.locator("#input").press_sequentially("hello")
        expect(typing).to_have_text("bob is typing…")
        bob.page.press("#input", "Enter")
        expect(row(alice, "hello")).to_have_count(1)
        expect(typing).to_have_text("")
        # Several keystrokes within three seconds were one "active", not one each.
        watcher.expect(lambda m: m.command == "PRIVMSG" and m.params[1] == "hello")
        typed = [m for m in watcher.received if m.command == "TAGMSG"]
        actives = [m for m in typed if m.tags.get("+typing") == "active"]
        assert 1 <= len(actives) <= 3

        # Another person's typing elsewhere is not shown here; /commands are not typing.
        watcher.send("@+typing=active TAGMSG alice")
        expect(alice.conversation("watcher")).to_have_count(0)  # no conversation for it
        expect(typing).to_have_text("")
        watcher.send("@+typing=active TAGMSG #lobby")
        expect(typing).to_have_text("watcher is typing…")
        watcher.send("PRIVMSG #lobby :done now")
        expect(typing).to_have_text("")
        watcher.sync()
        bob.page.locator("#input").press_sequentially("/whois alice")
        bob.page.press("#input", "Enter")
        expect(bob.page.locator("#messages .msg.kind-info").last).to_contain_text("alice")
        assert not [m for m in watcher.sync() if m.command == "TAGMSG"]

        # Settings can keep it to oneself.
        bob.page.click("#settings-toggle")
        share = bob.page.get_by_label("Let others see when I am typing")
        expect(share).to_be_checked()
        share.uncheck()
        bob.page.click("#settings-close")
        watcher.sync()
        bob.page.locator("#input").press_sequentially("quietly")
        bob.page.press("#input", "Enter")
        expect(row(alice, "quietly")).to_have_count(1)
        assert not [m for m in watcher.sync() if m.command == "TAGMSG"]
        assert bob.page.evaluate("localStorage.getItem('parley.typing')") == "off"
    finally:
        watcher.close()


FORGED_REDACT = """async () => {
  const hooks = await import("/hooks.js");
  hooks.addComposeItem((container, ctx) => ctx.send("REDACT", ["#lobby", "no-such-message"]));
}"""


def test_deleting_an_own_message_removes_it_for_the_other(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = two_users(web_server, web_users)
    alice.say("my password is hunter2")
    bob.say("I saw nothing")
    own = row(alice, "my password is hunter2")
    expect(own).to_have_count(1)
    other = row(alice, "I saw nothing")
    expect(other).to_have_count(1)
    other.hover()
    expect(other.locator("button.action-delete")).to_have_count(0)  # only one's own

    other_tab = web_users(url_of(web_server))  # alice's other device sees it go too
    other_tab.login("alice")
    other_tab.in_chat()
    expect(row(other_tab, "my password is hunter2")).to_have_count(1)

    asked: list[str] = []

    def answer(dialog: Dialog) -> None:
        asked.append(dialog.message)
        if len(asked) == 1:
            dialog.dismiss()
        else:
            dialog.accept()

    alice.page.on("dialog", answer)
    own.hover()
    own.locator("button.action-delete").click()  # the first time: "no"
    own.hover()
    expect(own.locator("button.action-delete")).to_have_count(1)
    expect(row(bob, "my password is hunter2")).to_have_count(1)
    own.locator("button.action-delete").click()
    assert asked[0] == "Delete this message for everyone?"
    for user in (alice, bob, other_tab):
        expect(row(user, "my password is hunter2")).to_have_count(0)
        expect(user.page.locator("#messages .msg .text.redacted")).to_have_text("message deleted")
    expect(row(bob, "I saw nothing")).to_have_count(1)

    # A refusal is said where the user is.
    alice.page.evaluate(FORGED_REDACT)
    error = alice.page.locator("#messages .msg.kind-error").last
    expect(error).to_contain_text("REDACT UNKNOWN_MSGID")


def test_the_emoji_button_and_shortcodes_put_emoji_at_the_cursor(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = two_users(web_server, web_users)
    page = alice.page
    page.fill("#input", "ab")
    page.evaluate("document.getElementById('input').setSelectionRange(1, 1)")
    button = page.get_by_role("button", name="Insert an emoji")
    button.focus()
    page.keyboard.press("Enter")
    picker = page.get_by_role("dialog", name="Insert an emoji")
    expect(picker).to_be_visible()
    page.keyboard.press("ArrowDown")  # the second row's first: 😀
    page.keyboard.press("Enter")
    expect(picker).to_have_count(0)
    expect(page.locator("#input")).to_have_value("a😀b")
    expect(page.locator("#input")).to_be_focused()
    page.fill("#input", "")
    page.locator("#input").press_sequentially("ship it :rocket: :nope:")
    expect(page.locator("#input")).to_have_value("ship it 🚀 :nope:")
    page.press("#input", "Enter")
    expect(row(bob, "ship it 🚀 :nope:")).to_have_count(1)


def test_typing_not_renewed_expires_after_six_seconds(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice = web_users(url_of(web_server))
    alice.page.clock.install()  # the page's timers, moved on by the test: no waiting
    alice.page.reload()
    alice.login("alice", register=True)
    alice.in_chat()
    watcher = IrcClient(web_server.port)
    try:
        watcher.register("watcher", caps=("message-tags",))
        expect(alice.page.locator("#member-list")).to_contain_text("watcher")
        typing = alice.page.locator("#typing")
        watcher.send("@+typing=active TAGMSG #lobby")
        expect(typing).to_have_text("watcher is typing…")
        alice.page.clock.run_for(4000)
        watcher.send("@+typing=active TAGMSG #lobby")  # renewed: six more seconds
        watcher.send("PRIVMSG alice :after the renewal")
        expect(alice.conversation("watcher")).to_have_count(1)  # so the renewal has come
        alice.page.clock.run_for(4000)
        expect(typing).to_have_text("watcher is typing…")
        alice.page.clock.run_for(2500)
        expect(typing).to_have_text("")
        watcher.send("@+typing=paused TAGMSG #lobby")  # paused is not typing
        watcher.send("@+typing=active TAGMSG alice")  # and this goes to the private one
        alice.open("watcher")
        expect(typing).to_have_text("watcher is typing…")
        alice.open("#lobby")
        expect(typing).to_have_text("")
    finally:
        watcher.close()


def test_the_keyboard_reaches_a_message_s_actions_from_the_compose_box(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = two_users(web_server, web_users)
    bob.say("one")
    bob.say("two")
    expect(row(alice, "two")).to_have_count(1)
    page = alice.page
    page.focus("#input")
    for _ in range(4):  # back past the compose box's buttons (emoji, file)
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.closest('#messages') !== null"):
            break
    expect(row(alice, "two").get_by_role("button", name="React")).to_be_focused()  # the last
    page.keyboard.press("Shift+Tab")
    reply = row(alice, "two").get_by_role("button", name="Reply")
    expect(reply).to_be_focused()
    expect(reply).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("#reply-banner")).to_contain_text("Replying to bob: two")
    expect(page.locator("#input")).to_be_focused()
    page.get_by_role("button", name="Cancel the reply").click()
    expect(page.locator("#reply-banner")).to_be_hidden()
