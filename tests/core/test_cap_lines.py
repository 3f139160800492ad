"""CAP LS and CAP LIST fit 512-byte lines however many capabilities there are."""

from __future__ import annotations

import pytest
from fake import Harness

from parley.server.core import support
from parley.server.core.support import CAPABILITIES

LONG_NAME = "a" * 50 + ".example.org"  # a server name near the longest allowed


@pytest.fixture(autouse=True)
def many_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty more capabilities with values: what a few more releases may bring."""
    for i in range(20):
        monkeypatch.setitem(support.CAPABILITIES, f"example.org/cap-{i}", "value-" + "x" * 10)


def cap_lines(h: Harness, *lines: str) -> list[bytes]:
    session, conn = h.connect()
    h.say(session, *lines)
    raw = b"".join(conn.sent).split(b"\r\n")
    untagged = [line.split(b" ", 1)[1] if line[:1] == b"@" else line for line in raw]
    return [line for line in untagged if b" CAP " in line]  # 512 bytes, tags aside


def words(lines: list[bytes]) -> set[str]:
    return {
        cap.split("=")[0] for line in lines for cap in line.rsplit(b" :", 1)[1].decode().split()
    }


@pytest.mark.parametrize("version", ["", "302"])
def test_cap_ls_is_split_into_lines_a_client_can_read(version: str) -> None:
    lines = cap_lines(Harness(server_name=LONG_NAME), f"CAP LS {version}".rstrip())
    assert len(lines) > 1 and all(len(line) + 2 <= 512 for line in lines)
    assert words(lines) == set(CAPABILITIES) - set(support.OFFERED_IF)  # (none is on here)
    *more, last = lines
    assert all(b" LS * :" in line for line in more) and b" LS * " not in last


def test_cap_list_is_split_too() -> None:
    h = Harness(server_name=LONG_NAME)
    wanted = [n for n in CAPABILITIES if n != "sasl" and n not in support.OFFERED_IF]
    requests = [f"CAP REQ :{' '.join(wanted[i : i + 10])}" for i in range(0, len(wanted), 10)]
    lines = cap_lines(h, "CAP LS 302", *requests, "CAP LIST")
    listed = [line for line in lines if b" LIST " in line]
    assert len(listed) > 1 and all(len(line) + 2 <= 512 for line in listed)
    assert words(listed) == set(wanted)
