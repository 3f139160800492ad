"""LIST's search terms (ISUPPORT ELIST=CMNTU), parsed once and checked per channel.

Terms are comma-separated: `>n`/`<n` members, `C>m`/`C<m` created more/less than m
minutes ago, `T>m`/`T<m` topic set more/less than m minutes ago, a mask (`#c*`),
a mask prefixed with `!` that must not match, or a channel name. Times follow
InspIRCd and Solanum (the reading modern IRC documents).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parley.irc.casemap import fold
from parley.irc.digits import parse_number
from parley.irc.masks import mask_matches
from parley.server.core.channel import Channel

ELIST = "CMNTU"
MAX_TERMS = 10  # terms read from one LIST; the rest are ignored
ANY = (0.0, float("inf"))


@dataclass
class ListQuery:
    """What a LIST asks for; an empty query lists every visible channel."""

    names: list[str] | None = None  # exact channels, folded; None: any
    masks: list[str] = field(default_factory=list)
    not_masks: list[str] = field(default_factory=list)
    members: tuple[int, float] = (0, float("inf"))
    created: tuple[float, float] = ANY  # (more than, less than) minutes ago
    topic: tuple[float, float] = ANY

    def matches(self, channel: Channel, now: float) -> bool:
        """Whether `channel` meets every term, at the wall clock time `now`."""
        low, high = self.members
        if not low <= len(channel.members) <= high:
            return False
        if self.names is not None and channel.folded not in self.names:
            return False
        if self.created != ANY and not _within(self.created, now - channel.created):
            return False
        if self.topic != ANY and not (
            channel.topic_set_at and _within(self.topic, now - channel.topic_set_at)
        ):
            return False
        name = channel.folded
        if any(not mask_matches(mask, name) for mask in self.masks):
            return False
        return not any(mask_matches(mask, name) for mask in self.not_masks)


def _within(bounds: tuple[float, float], seconds: float) -> bool:
    more_than, less_than = bounds
    return more_than < seconds / 60 < less_than


def parse_list_query(param: str, mask_length: int) -> ListQuery:
    """The terms of LIST's first parameter; terms that mean nothing or are too long are ignored."""
    query = ListQuery()
    for term in param.split(",")[:MAX_TERMS]:
        if len(term) > mask_length:
            continue
        kind, rest = (term[0], term[1:]) if term[:1] in ("C", "T") else ("", term)
        if rest[:1] in ("<", ">"):
            number = parse_number(rest[1:])
            if number is not None:
                _bound(query, kind, rest[0], number)
        elif kind:
            _name_or_mask(query, term)
        elif term.startswith("!") and len(term) > 1:
            query.not_masks.append(fold(term[1:]))
        elif term:
            _name_or_mask(query, term)
    return query


def _bound(query: ListQuery, kind: str, sign: str, number: int) -> None:
    if kind == "":
        low, high = query.members
        if sign == ">":
            query.members = (max(low, number + 1), high)
        else:
            query.members = (low, min(high, number - 1))
        return
    more_than, less_than = query.created if kind == "C" else query.topic
    if sign == ">":
        bounds = (max(more_than, float(number)), less_than)
    else:
        bounds = (more_than, min(less_than, float(number)))
    if kind == "C":
        query.created = bounds
    else:
        query.topic = bounds


def _name_or_mask(query: ListQuery, term: str) -> None:
    if "*" in term or "?" in term:
        query.masks.append(fold(term))
    else:
        query.names = [*(query.names or []), fold(term)]
