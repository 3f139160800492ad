"""How a conversation's lines flow, sans-IO: a separator where the day changes, and
consecutive lines from one person grouped under one name.

Times are IRCv3 server-time (UTC), shown by the local calendar; a line without one
is taken as said now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

GROUP_GAP = timedelta(minutes=5)  # lines further apart than this start a new group


def parse_time(server_time: str | None) -> datetime:
    """server-time as an aware datetime; now for none or a malformed one."""
    if server_time:
        try:
            return datetime.strptime(server_time[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def day_label(day: date, today: date) -> str:
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day:%A} {day.day} {day:%B %Y}"


@dataclass
class Flow:
    """One conversation's last line: whose it was, and when."""

    sender: str = ""
    when: datetime | None = None
    day: date | None = None

    def place(self, sender: str, server_time: str | None, groups: bool) -> tuple[str | None, bool]:
        """For a chat line: the day separator to write first (None if the same day), and
        whether it joins the group of the line before (`groups`: it is a plain message)."""
        when = parse_time(server_time)
        day = when.astimezone().date()
        label = None if day == self.day else day_label(day, datetime.now().astimezone().date())
        grouped = (
            groups
            and label is None
            and sender == self.sender
            and self.when is not None
            and timedelta(0) <= when - self.when <= GROUP_GAP
        )
        self.sender = sender if groups else ""
        self.when, self.day = when, day
        return label, grouped

    def broken(self) -> None:
        """Something else was written (a join, a notice from the server): a new group next."""
        self.sender = ""
