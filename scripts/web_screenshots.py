"""Make the web client's pictures in docs/: desktop (1280x800) and phone (390x844)
widths, light and dark (web-desktop-light.png, web-desktop-dark.png,
web-phone-light.png, web-phone-dark.png; the dark phone one with the conversation
drawer open).

Starts its own server on loopback, has a few IRC users talk, and logs a browser user
in with Playwright driving Debian's chromium. Run from the project root:
`.venv/bin/python scripts/web_screenshots.py`
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from playwright.sync_api import Browser, expect, sync_playwright

from support.client import IrcClient
from support.servers import ThreadServer, test_config, web_config

DOCS = Path(__file__).resolve().parent.parent / "docs"
PASSWORD = "screenshots-1"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}


def people(port: int) -> list[IrcClient]:
    """Others in the lobby and #design, saying what a working team says."""
    said = []
    for nick in ("maria", "sam", "priya"):
        client = IrcClient(port)
        client.register(nick, caps=("batch", "draft/multiline", "message-tags"))
        client.send("JOIN #design")
        said.append(client)
    maria, sam, priya = said
    maria.send("TOPIC #design :Mock-ups for the new landing page, due Friday")
    for who, target, text in (
        (maria, "#lobby", "morning all! the build is green again"),
        (sam, "#lobby", "nice. release notes draft: https://example.org/notes/2.4"),
        (priya, "#lobby", "\x01ACTION brings coffee\x01"),
        (maria, "#design", "first pass of the header is up"),
        (sam, "#lobby", "about the header:\nthe logo is small\nthe buttons need contrast"),
    ):
        if "\n" in text:  # one message of several lines (draft/multiline)
            who.send(f"BATCH +ml draft/multiline {target}")
            for line in text.split("\n"):
                who.send(f"@batch=ml PRIVMSG {target} :{line}")
            who.send("BATCH -ml")
        else:
            who.send(f"PRIVMSG {target} :{text}")
        who.sync()
    priya.send("AWAY :in a meeting")
    priya.sync()
    return said


def later(clients: list[IrcClient]) -> None:
    """What arrives while the browser user reads the lobby: unread lines elsewhere."""
    maria, sam, _ = clients
    maria.send("PRIVMSG #design :alex: can you check the phone layout?")
    sam.send("PRIVMSG alex :lunch at 12:30?")
    maria.send("PRIVMSG #lobby :alex: welcome aboard!")
    maria.sync()
    sam.sync()


def shoot(browser: Browser, url: str, theme: str, kind: str) -> None:
    width, height = SIZES[kind]
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=theme, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(url)
    page.fill("#account", "alex")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    expect(page.locator("#conv-title")).to_have_text("#lobby")
    expect(page.locator("#messages .msg .text", has_text="welcome aboard")).to_have_count(1)
    expect(page.locator("#conversations [data-key='#design'] .badge")).to_have_count(1)
    expect(page.locator("#conversations [data-key='sam'] .badge")).to_have_count(1)
    if kind == "phone" and theme == "dark":
        page.click("#drawer-toggle")
        expect(page.locator("#sidebar")).to_be_in_viewport(ratio=1)
    page.mouse.move(width // 2, 70)  # over no message: no hover highlight in the picture
    page.screenshot(path=str(DOCS / f"web-{kind}-{theme}.png"))
    context.close()


def scene(data: Path, browser: Browser, theme: str, kind: str) -> None:
    """A server of its own per picture, so each shows the same unread lines."""
    config = test_config(data, web=web_config(), limits={"flood_enabled": False})
    server = ThreadServer(config).start()
    try:
        alex = IrcClient(server.port)  # the account's other device, out of the picture
        alex.register("alex", caps=("draft/read-marker",))
        alex.send(f"REGISTER * * {PASSWORD}")
        alex.expect(lambda m: m.command == "REGISTER")
        alex.send("JOIN #design")
        alex.sync()
        clients = people(server.port)
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for channel in ("#lobby", "#design"):
            alex.send(f"MARKREAD {channel} timestamp={now}")  # read up to here
        alex.sync()
        later(clients)
        shoot(browser, f"http://127.0.0.1:{server.web_port}/", theme, kind)
        for client in [alex, *clients]:
            client.close()
    finally:
        server.stop()


def main() -> int:
    with tempfile.TemporaryDirectory() as data, sync_playwright() as p:
        args = ["--no-sandbox"] if os.getuid() == 0 else []
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=args)
        for theme in ("light", "dark"):
            for kind in SIZES:
                scene(Path(data) / f"{theme}-{kind}", browser, theme, kind)
        browser.close()
    print("wrote", ", ".join(f"web-{k}-{t}.png" for t in ("light", "dark") for k in SIZES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
