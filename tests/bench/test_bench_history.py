"""The history scenario runs only where CHATHISTORY is offered, and says n/a elsewhere."""

from __future__ import annotations

from bench.compare import headline, medians
from bench.history import CAPABILITY, listed

from bench import report

# CAP LS as servers send it: ngircd's one line, InspIRCd's, and a 302 list in two lines
NGIRCD = b":irc.example.net CAP * LS :multi-prefix\r\n"
INSPIRCD = b":irc.local CAP * LS :cap-notify invite-notify message-tags server-time\r\n"
TWO_LINES = (
    b":parley.bench CAP * LS * :batch draft/chathistory-extra server-time\r\n"
    b":parley.bench CAP * LS :draft/chathistory sasl=PLAIN,EXTERNAL\r\n"
)


def test_only_a_listed_chathistory_counts() -> None:
    assert not listed(NGIRCD, CAPABILITY)
    assert not listed(INSPIRCD, CAPABILITY)
    assert listed(TWO_LINES, CAPABILITY)
    assert not listed(TWO_LINES.replace(b":draft/chathistory ", b":"), CAPABILITY)
    assert listed(b":s CAP * LS :draft/chathistory=x\r\n", CAPABILITY)  # a value of its own
    assert not listed(b":s NOTICE * :draft/chathistory\r\n", CAPABILITY)  # not a CAP LS


def test_a_server_without_chathistory_is_reported_as_not_applicable() -> None:
    skipped = {"skipped": "no draft/chathistory in CAP LS"}
    ran = {"queries_per_s": 250.0, "ping_p99_ms": 4.0, "ping_p50_ms": 1.0, "ping_max_ms": 9.0}
    summary = medians({"parley": {"history": [ran]}, "ngircd": {"history": [skipped]}})
    assert summary["ngircd"]["history"] == {"runs": 0, "errors": 0, "skipped": 1}
    assert summary["parley"]["history"]["runs"] == 1
    rows = {line.split(" | ")[0]: line for line in report.table(summary).splitlines()}
    assert rows["| history: ping p99 ms"].endswith("| 4 | n/a |")
    assert rows["| history: CHATHISTORY queries/s"].endswith("| 250 | n/a |")
    assert headline("history", skipped) == "n/a (no draft/chathistory in CAP LS)"
