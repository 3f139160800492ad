"""MODE changes are cut into lines that fit in 512 bytes, in order, nothing lost."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from parley.irc.message import MAX_LINE, encode_parts
from parley.irc.modes import ModeChange, format_mode_changes
from parley.server.core.handlers.modes import fitting_runs

SOURCE = "n" * 30 + "!" + "u" * 18 + "@" + "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"
CHANGES = st.lists(
    st.builds(
        ModeChange,
        st.booleans(),
        st.sampled_from("bov"),
        st.text(alphabet="ab!*@é", min_size=1, max_size=200),
    )
    | st.builds(ModeChange, st.booleans(), st.sampled_from("imnst")),
    max_size=120,
)


@given(CHANGES, st.text(alphabet="#abc", min_size=1, max_size=64).map(lambda s: "#" + s))
def test_every_run_fits_and_together_they_are_the_changes(
    changes: list[ModeChange], channel: str
) -> None:
    runs = fitting_runs(SOURCE, channel, changes)
    assert [c for run in runs for c in run] == changes
    for run in runs:
        assert run
        line = encode_parts(SOURCE, "MODE", (channel, *format_mode_changes(run)))
        assert len(line) <= MAX_LINE


def test_a_short_change_list_stays_one_line() -> None:
    changes = [ModeChange(True, "o", "alice"), ModeChange(False, "v", "bob")]
    assert fitting_runs(SOURCE, "#c", changes) == [changes]
