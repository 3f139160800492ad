"""Server-time timestamps from a peer: the exact shape, real dates, ASCII digits only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.irc.servertime import format_server_time, parse_server_time

LAST_MS = 253402300799999  # 9999-12-31T23:59:59.999Z


def test_a_server_time_reads_as_milliseconds() -> None:
    assert parse_server_time("2019-01-04T14:33:26.123Z") == 1546612406123
    assert parse_server_time("1970-01-01T00:00:00Z") == 0
    assert parse_server_time("2019-01-04T14:33:26.1Z") == 1546612406100
    assert parse_server_time("2024-02-29T00:00:00.000Z") is not None  # a leap day


@pytest.mark.parametrize(
    "text",
    [
        "", "Z", "2019-01-04", "2019-01-04T14:33:26.123", "2019-01-04t14:33:26.123z",
        "2019-01-04T14:33:26.123+00:00", " 2019-01-04T14:33:26.123Z", "2019-1-4T14:33:26.123Z",
        "2023-02-29T00:00:00.000Z", "2019-04-31T00:00:00.000Z", "2019-00-10T00:00:00.000Z",
        "2019-01-00T00:00:00.000Z", "2019-01-04T24:00:00.000Z", "2019-01-04T23:60:00.000Z",
        "2019-01-04T23:59:60.000Z", "1969-12-31T23:59:59.999Z", "2019-01-04T14:33:26.Z",
        "2019-01-04T14:33:26.1234Z", "+2019-01-04T14:33:26.123Z", "-019-01-04T14:33:26.123Z",
        "\uff12\uff10\uff11\uff19-01-04T14:33:26.123Z",
        "\u0662\u0660\u0661\u0669-01-04T14:33:26.123Z",
        "2019-01-04T14:33:26.12\u00b3Z", "9" * 100_000,
    ],
)  # fmt: skip
def test_anything_else_is_none(text: str) -> None:
    assert parse_server_time(text) is None


@given(st.integers(min_value=0, max_value=LAST_MS))
def test_what_is_written_reads_back_the_same(ms: int) -> None:
    assert parse_server_time(format_server_time(ms)) == ms


@given(st.text(max_size=40))
def test_any_text_is_read_without_raising(text: str) -> None:
    ms = parse_server_time(text)
    assert ms is None or 0 <= ms <= LAST_MS
