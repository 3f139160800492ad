"""How the console writes numbers: chart scales, rates and durations (no window needed)."""

from __future__ import annotations

from parley.server.console.charts import nice_top
from parley.server.console.style import duration, rate


def test_chart_scales_are_round_and_counts_stay_whole() -> None:
    assert [nice_top(v) for v in (0, 0.3, 3, 7, 25, 130)] == [1, 0.4, 4, 8, 40, 200]
    tops = [nice_top(v, whole=True) for v in (0, 1, 3, 5, 9, 11)]
    assert tops == [2, 2, 4, 6, 10, 20]
    assert all((top / 2).is_integer() for top in tops)  # the middle line is a count too


def test_rates_and_durations_read_short() -> None:
    assert [rate(v) for v in (0, 0.25, 7, 34.4, 1250, 15_400, 3_000_000)] == [
        "0", "0.2", "7", "34", "1.2 k", "15 k", "3 M",
    ]  # fmt: skip
    assert rate(5400, "B") == "5.4 kB" and rate(12, "B") == "12 B"
    assert [duration(s) for s in (5, 125, 3 * 3600 + 300, 2 * 86400 + 4 * 3600)] == [
        "5 s", "2 min", "3 h 05 min", "2 d 4 h",
    ]  # fmt: skip


def test_the_history_writer_is_mentioned_only_when_something_is_wrong() -> None:
    from parley.server.console.style import history_note
    from parley.server.store.history import WriterStatus

    assert history_note(WriterStatus("ok", 3, 0, 0, None)) == ""
    failing = history_note(WriterStatus("failing", 50, 150, 4, "database or disk is full"))
    assert "NOT STORED" in failing and "disk is full" in failing and "150" in failing
    assert "paused" in history_note(WriterStatus("lagging", 2500, 0, 0, None))
