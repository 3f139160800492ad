"""Identities that are never reused: not in this run, not after a restart.

History is kept by them (who said a line to whom, in which incarnation of a
channel), so a later user of the same nick or a channel made again under the
same name never matches what was stored under an earlier one.
"""

from __future__ import annotations

import itertools
import secrets

_RUN = secrets.token_hex(6)  # random per process: ids of different runs never meet
_serial = itertools.count(1)


def unique_id() -> str:
    """A new id, distinct from every other this run and (with near certainty) any other run."""
    return f"{_RUN}.{next(_serial):x}"
