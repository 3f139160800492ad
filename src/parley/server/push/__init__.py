"""Web Push (IRCv3 draft/webpush): the VAPID key, the endpoints allowed, and sending.

Optional: it needs the `push` extra (http-ece, py-vapid). Without it the server
runs as before and does not offer draft/webpush; `start` says so once in the log.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from parley.server.config import Config

if TYPE_CHECKING:
    from parley.server.push.sender import WebPush

log = logging.getLogger("parley")

NEEDS = ("http_ece", "py_vapid", "h11")


def missing() -> list[str]:
    """The modules Web Push needs that are not installed."""
    return [name for name in NEEDS if importlib.util.find_spec(name) is None]


def make_web_push(config: Config, database: Path) -> WebPush | None:
    """The Pusher for this run: None when it is off, or its packages are missing."""
    if not config.push.enabled:
        return None
    absent = missing()
    if absent:
        log.warning(
            "Web Push (draft/webpush) is off: %s not installed (pip install 'parley[push]')",
            ", ".join(absent),
        )
        return None
    from parley.server.push.sender import WebPush
    from parley.server.push.vapid import load_vapid_key
    from parley.server.store.push import SqlitePushStore

    return WebPush(config, SqlitePushStore(database), load_vapid_key(config.data_dir))
