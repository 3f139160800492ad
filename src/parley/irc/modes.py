"""Reading MODE strings: `+ov-k alice bob key` into single changes.

Which letters take an argument is the server's to say (ISUPPORT CHANMODES and
PREFIX); the parser is given those sets, so it knows no mode by itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ModeChange:
    """One letter set or unset, with its argument if it has one."""

    adding: bool
    letter: str
    arg: str | None = None

    def __str__(self) -> str:
        return ("+" if self.adding else "-") + self.letter


@dataclass(frozen=True, slots=True)
class ChannelModeTypes:
    """CHANMODES A,B,C,D plus the PREFIX letters (which take a nick)."""

    lists: str  # type A: always an argument; without one it asks for the list
    always: str  # type B: always an argument
    when_set: str  # type C: an argument only when set
    flags: str  # type D: never an argument
    prefixes: str  # PREFIX letters: always a nick

    def takes_arg(self, letter: str, adding: bool) -> bool:
        if letter in self.lists or letter in self.always or letter in self.prefixes:
            return True
        return adding and letter in self.when_set


def parse_mode_changes(
    modestring: str, args: list[str], types: ChannelModeTypes | None
) -> tuple[list[ModeChange], list[str]]:
    """Split a mode string into changes; returns them and the letters it did not know.

    With `types` None (user modes) no letter takes an argument. A list mode with
    no argument left is returned with arg None: a request to see the list.
    """
    changes: list[ModeChange] = []
    unknown: list[str] = []
    adding = True
    queue = list(args)
    for letter in modestring:
        if letter == "+":
            adding = True
        elif letter == "-":
            adding = False
        elif types is None:
            changes.append(ModeChange(adding, letter))
        elif letter in types.lists:
            changes.append(ModeChange(adding, letter, queue.pop(0) if queue else None))
        elif types.takes_arg(letter, adding):
            if queue:
                changes.append(ModeChange(adding, letter, queue.pop(0)))
            else:
                changes.append(ModeChange(adding, letter, None))
        elif letter in types.flags or letter in types.when_set:
            changes.append(ModeChange(adding, letter))
        else:
            unknown.append(letter)
    return changes, unknown


def format_mode_changes(changes: list[ModeChange]) -> list[str]:
    """The MODE parameters for applied changes: `['+o-v', 'alice', 'bob']`."""
    letters: list[str] = []
    args: list[str] = []
    sign = ""
    for change in changes:
        s = "+" if change.adding else "-"
        if s != sign:
            letters.append(s)
            sign = s
        letters.append(change.letter)
        if change.arg is not None:
            args.append(change.arg)
    return ["".join(letters), *args]
