"""Sharing files from the web client (soju.im/FILEHOST) in a real Chromium: a file
picked, dropped or pasted is uploaded with the account's login, its link is sent, the
other person downloads the same bytes, pictures on the server show as thumbnails (and
nothing from other sites does), refusals are said in plain words."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import replace

import pytest
from playwright.sync_api import expect

from support.browser import WebUser, url_of
from support.servers import ThreadServer, web_config


def png(width: int = 3, height: int = 2) -> bytes:
    """A real (tiny, red) PNG, which a browser decodes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def sharing(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    limits = {"flood_enabled": False, "upload_max_bytes": 64 * 1024, "upload_disk_floor_bytes": 0}
    return make_server(web=web_config(), limits=limits)


def two_users(server: ThreadServer, web_users: Callable[..., WebUser]) -> tuple[WebUser, WebUser]:
    alice, bob = web_users(url_of(server)), web_users(url_of(server))
    alice.login("alice", register=True)
    bob.login("bob", register=True)
    for user, other in ((alice, "bob"), (bob, "alice")):
        user.in_chat()
        expect(user.page.locator("#member-list")).to_contain_text(other)
    return alice, bob


def send_box(user: WebUser) -> str:
    """Send what the compose box holds; returns it."""
    text = user.page.locator("#input").input_value()
    user.page.press("#input", "Enter")
    return text.strip()


def test_a_picked_file_is_shared_and_downloaded_with_the_same_bytes(
    sharing: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = two_users(sharing, web_users)
    button = alice.page.get_by_role("button", name="Share a file")
    expect(button).to_be_visible()
    data = bytes(range(256)) * 40 + "é✓".encode()
    alice.page.fill("#input", "notes:")
    alice.page.set_input_files(
        "#upload-file",
        files=[{"name": "résumé notes.txt", "mimeType": "text/plain", "buffer": data}],
    )
    status = alice.page.locator("#upload-status")
    expect(status).to_contain_text("résumé notes.txt is uploaded")
    box = alice.page.locator("#input")
    expect(box).to_have_value(re.compile(rf"^notes: {re.escape(url_of(sharing))}uploads/\S+ $"))
    link = send_box(alice).removeprefix("notes: ")
    assert link.startswith(f"{url_of(sharing)}uploads/") and " " not in link
    shown = bob.page.locator("#messages .msg .text a", has_text=link)
    expect(shown).to_have_count(1)
    expect(bob.page.locator("#messages img")).to_have_count(0)  # not a picture: a link only

    answer = bob.page.request.get(link)
    assert answer.status == 200
    assert answer.body() == data
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''r%C3%A9sum%C3%A9%20notes.txt" in disposition


def test_a_dropped_picture_and_a_pasted_one_show_as_thumbnails_for_the_other(
    sharing: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = two_users(sharing, web_users)
    picture = list(png())
    alice.page.evaluate(
        """(bytes) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(bytes)], "red dot.png", {type: "image/png"}));
          const main = document.getElementById("main");
          const how = {dataTransfer: data, bubbles: true, cancelable: true};
          main.dispatchEvent(new DragEvent("dragover", how));
          main.dispatchEvent(new DragEvent("drop", how));
        }""",
        picture,
    )
    expect(alice.page.locator("#upload-status")).to_contain_text("red dot.png is uploaded")
    expect(alice.page.locator("#main")).not_to_have_class("dropping")
    first = send_box(alice)
    thumb = bob.page.locator("#messages .msg a.preview img")
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_attribute("alt", "Picture: red dot.png")
    expect(thumb).to_have_attribute("loading", "lazy")
    expect(bob.page.locator("#messages .msg a.preview")).to_have_attribute("href", first)
    bob.page.wait_for_function(
        "document.querySelector('#messages a.preview img').naturalWidth === 3"
    )  # the picture itself, from the server's own origin
    expect(alice.page.locator("#messages .msg a.preview img")).to_have_count(1)

    alice.page.focus("#input")
    alice.page.evaluate(
        """(bytes) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(bytes)], "image.png", {type: "image/png"}));
          document.getElementById("input").dispatchEvent(
            new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        picture,
    )
    expect(alice.page.locator("#upload-status")).to_contain_text("image.png is uploaded")
    send_box(alice)
    expect(thumb).to_have_count(2)

    # Pictures elsewhere, and lookalike addresses, stay links: nothing is fetched.
    requested: list[str] = []
    bob.page.on("request", lambda r: requested.append(r.url))
    alice.say(
        "see https://example.org/uploads/x.png and "
        f"{url_of(sharing)}uploads/../index.html and {url_of(sharing)}uploads/?q=1"
    )
    line = bob.page.locator("#messages .msg", has_text="see https://example.org")
    expect(line.locator("a")).to_have_count(3)
    expect(line.locator("img")).to_have_count(0)
    assert not [u for u in requested if "example.org" in u]


def test_refusals_are_said_in_plain_words(
    sharing: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, _ = two_users(sharing, web_users)
    alice.page.set_input_files(
        "#upload-file",
        files=[{"name": "page.html", "mimeType": "text/html", "buffer": b"<script>1</script>"}],
    )
    error = alice.page.locator("#messages .msg.kind-error")
    expect(error.last).to_contain_text("page.html: This kind of file cannot be shared here")
    alice.page.set_input_files(
        "#upload-file",
        files=[{"name": "big.bin", "mimeType": "text/plain", "buffer": b"x" * 70_000}],
    )
    expect(error.last).to_contain_text("big.bin: That file is too large for this server.")
    alice.page.set_input_files(
        "#upload-file", files=[{"name": "empty.txt", "mimeType": "text/plain", "buffer": b""}]
    )
    expect(error.last).to_contain_text("empty.txt is empty")
    expect(alice.page.locator("#input")).to_have_value("")
    # The browser logs each refused request; those are the answers this test asked for.
    alice.errors[:] = [e for e in alice.errors if "status of 41" not in e]


def test_without_a_file_host_there_is_no_upload_button(
    make_server: Callable[..., ThreadServer], web_users: Callable[..., WebUser]
) -> None:
    server = make_server(web=web_config(), limits={"upload_max_bytes": 0})
    carol = web_users(url_of(server))
    carol.login("carol", register=True)
    carol.in_chat()
    expect(carol.page.locator("#emoji-button")).to_be_visible()
    expect(carol.page.locator("#upload-button")).to_be_hidden()


def test_a_server_naming_itself_otherwise_still_takes_files_from_its_own_page(
    make_server: Callable[..., ThreadServer], web_users: Callable[..., WebUser]
) -> None:
    """Listening on every interface, the server names its upload endpoint by its server
    name, which is not the address the browser used: the page uploads to that path on
    its own origin, the server that served it."""
    web = replace(web_config(), public_url="https://chat.example.org:8097")
    server = make_server(web=web, limits={"flood_enabled": False})
    alice, _bob = two_users(server, web_users)
    alice.page.set_input_files(
        "#upload-file", files=[{"name": "red.png", "mimeType": "image/png", "buffer": png()}]
    )
    expect(alice.page.locator("#upload-status")).to_contain_text("red.png is uploaded")
    box = alice.page.locator("#input")
    expect(box).to_have_value(re.compile(rf"^{re.escape(url_of(server))}uploads/\S+ $"))
