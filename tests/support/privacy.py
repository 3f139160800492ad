"""Helpers for tests of who reads what of history (docs/privacy.md)."""

from __future__ import annotations

from support.client import IrcClient

HISTORY_CAPS = ("batch", "server-time", "message-tags", "draft/chathistory")


def history(client: IrcClient, target: str, limit: int = 50) -> list[str]:
    """The texts CHATHISTORY LATEST gives `client` for `target` (FAIL: raises)."""
    client.send(f"CHATHISTORY LATEST {target} * {limit}")
    start = client.expect(lambda m: m.command in ("BATCH", "FAIL"))
    assert start.command == "BATCH", start
    ref = start.params[0][1:]
    lines = client.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    return [m.params[-1] for m in lines if m.command in ("PRIVMSG", "NOTICE")]


def make_channel(owner: IrcClient, channel: str, modes: str = "") -> None:
    """`owner` creates `channel` (and sets `modes`, e.g. `+s`, `+k key`)."""
    owner.send(f"JOIN {channel}")
    owner.expect(lambda m: m.command == "366" and m.params[1] == channel)
    if modes:
        owner.send(f"MODE {channel} {modes}")
        owner.expect("MODE")


def say(speaker: IrcClient, channel: str, *texts: str) -> None:
    for text in texts:
        speaker.send(f"PRIVMSG {channel} :{text}")
    speaker.sync()


def join(client: IrcClient, channel: str, key: str = "") -> list[str]:
    """Join; the texts of the lines replayed on JOIN (for clients without chathistory)."""
    client.send(f"JOIN {channel} {key}".rstrip())
    client.expect(lambda m: m.command == "366" and m.params[1] == channel)
    return [m.params[1].split("] ", 1)[-1] for m in client.sync() if m.command == "PRIVMSG"]


def register_account(client: IrcClient, password: str = "wonderland1") -> None:
    client.send(f"PRIVMSG NickServ :REGISTER {password}")
    client.expect(lambda m: m.command == "NOTICE" and "registered" in m.params[1])


def identify(client: IrcClient, password: str = "wonderland1") -> None:
    client.send(f"PRIVMSG NickServ :IDENTIFY {password}")
    client.expect(lambda m: m.command == "NOTICE" and "logged in as" in m.params[1])
    client.sync()  # its channels and missed messages, read after the login, come before the PONG
