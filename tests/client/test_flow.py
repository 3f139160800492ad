"""Day separators and grouping decided without a window."""

from __future__ import annotations

from datetime import date

from parley.client.flow import Flow, day_label, parse_time


def test_lines_of_one_person_close_together_group_and_a_new_day_is_named() -> None:
    flow = Flow()
    label, joined = flow.place("bob", "2026-01-05T10:00:00.000Z", True)
    assert label is not None and not joined  # the first line names its day
    assert flow.place("bob", "2026-01-05T10:01:00.000Z", True) == (None, True)
    assert flow.place("bob", "2026-01-05T10:30:00.000Z", True) == (None, False)  # a gap
    assert flow.place("ann", "2026-01-05T10:30:10.000Z", True) == (None, False)
    assert flow.place("ann", "2026-01-05T10:30:20.000Z", False) == (None, False)  # an action
    assert flow.place("ann", "2026-01-05T10:30:30.000Z", True) == (None, False)
    flow.broken()  # a join line in between
    assert flow.place("ann", "2026-01-05T10:30:40.000Z", True) == (None, False)
    label, joined = flow.place("ann", "2026-01-09T10:30:40.000Z", True)
    assert label is not None and not joined


def test_day_names_and_odd_times() -> None:
    today = date(2026, 3, 4)
    assert day_label(today, today) == "Today"
    assert day_label(date(2026, 3, 3), today) == "Yesterday"
    assert day_label(date(2026, 1, 2), today) == "Friday 2 January 2026"
    assert parse_time("not a time").tzinfo is not None
    assert parse_time(None).tzinfo is not None
    flow = Flow()
    flow.place("bob", "2026-01-05T10:00:00.000Z", True)
    assert flow.place("bob", "2026-01-05T09:59:00.000Z", True)[1] is False  # older: no group
