"""The announcement channel's receivers: each line timed against its send stamp, gaps seen."""

from __future__ import annotations

from bench.announce import Arrivals, Member


def line(seq: int) -> bytes:
    return b":a0!bench@127.0.0.1 PRIVMSG #announce :0 %d 12345\r\n" % seq


def test_the_slowest_member_sets_each_lines_time() -> None:
    arrivals = Arrivals(8)
    arrivals.sent += [0, 0, 0]  # lines 1 to 3, sent at time 0: arrival time is lateness
    early, late = Member(arrivals), Member(arrivals)
    chunk = line(1) + line(2)
    early.feed(chunk, len(chunk))  # two lines in one chunk
    first = arrivals.worst[1]
    late.feed(line(1), len(line(1)))
    assert arrivals.worst[1] >= first > 0  # the later arrival is the line's time
    late.feed(line(2) + line(3)[:10], len(line(2)))  # a line cut at the chunk's end
    assert arrivals.got[1:4] == [2, 2, 0]
    assert arrivals.worst[1] > 0 and arrivals.worst[2] > 0
    assert early.seen == late.seen == 2 and early.mismatched == late.mismatched == 0


def test_a_skipped_or_foreign_line_is_counted_as_mismatched() -> None:
    arrivals = Arrivals(8)
    arrivals.sent += [0, 0, 0]
    member = Member(arrivals)
    member.feed(line(2), len(line(2)))  # line 1 never came: the count says 1, the line 2
    assert member.mismatched == 1
    other = Member(arrivals)
    notice = b":server NOTICE * :hello\r\n"
    other.feed(notice, len(notice))
    assert other.mismatched == 1
