"""Logging set-up: readable lines by default, one JSON object a line for machines.

Nothing logged carries a message's text or a password: a failed command whose
arguments may hold one is logged with where it failed, not the exception's text.
"""

from __future__ import annotations

import json
import logging
import sys
import time

# Commands whose arguments may be a password (PASS, OPER, AUTHENTICATE, REGISTER,
# NickServ's IDENTIFY inside a PRIVMSG), a private message's text, or a browser's push
# subscription keys (WEBPUSH).
WITHHELD = frozenset({"PASS", "OPER", "AUTHENTICATE", "REGISTER", "VERIFY", "PRIVMSG",
                      "NOTICE", "TAGMSG", "WEBPUSH"})  # fmt: skip


class Withheld(Exception):
    """Stands in for an exception whose text may quote a secret; its traceback is kept."""


def failure_text(command: str, exc: BaseException | None) -> str:
    """One line about a failed command, for the log and the console."""
    kind = type(exc).__name__
    if command.upper() in WITHHELD:
        return f"{kind} (its text withheld: {command}'s arguments may hold a secret)"
    return f"{kind}: {exc}"[:300]


def log_failure(logger: logging.Logger, command: str, session_id: int) -> str:
    """Log the exception being handled for a failed command, with its traceback; the
    text observers may be shown."""
    exc = sys.exc_info()[1]
    text = failure_text(command, exc)
    if exc is not None and command.upper() in WITHHELD:
        stand_in = (Withheld, Withheld(text), exc.__traceback__)
        logger.error("handler for %s failed (session %d)", command, session_id, exc_info=stand_in)
    else:
        logger.exception("handler for %s failed (session %d)", command, session_id)
    return text


class JsonFormatter(logging.Formatter):
    """`{"time": ..., "level": ..., "logger": ..., "message": ...}` per record."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup_logging(level: str, style: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if style == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
