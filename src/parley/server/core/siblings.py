"""A client's other sessions: what one device says, the others see (sibling echo).

Messages to channels reach them through the channel's fan-out lists and private
messages through `State._messaged`; this serves the lines no event carries, such
as a message kept for an offline nick (docs/architecture.md, "Identity and sessions").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from parley.server.core.context import Context
    from parley.server.core.session import Session


def siblings(ctx: Context) -> Iterator[Session]:
    """The sessions of the sender's client other than the one speaking."""
    client = ctx.client
    if len(client.sessions) > 1:
        me = ctx.session
        yield from (s for s in client.sessions if s is not me)
