"""FILES: the files shared through the web listener (soju.im/FILEHOST), listed or deleted.

`FILES LIST [account]` and `FILES DELETE <id>`. A user logged into an account sees
and deletes its own files; an operator, anyone's. Someone else's file is answered
as if it did not exist: an id is a link, and this says nothing of whose it is.
"""

from __future__ import annotations

import logging
import time

from parley.irc.casemap import fold
from parley.irc.message import Message
from parley.server.core.context import Context
from parley.server.store.schema import StoreError
from parley.server.store.uploads import Upload, valid_id

log = logging.getLogger("parley.core")

LISTED = 50  # files one FILES LIST shows, the newest first


def handle_files(ctx: Context, msg: Message) -> None:
    sub = msg.params[0].upper()
    if sub == "LIST":
        _list(ctx, msg.params[1] if len(msg.params) > 1 else None)
    elif sub == "DELETE" and len(msg.params) > 1:
        _delete(ctx, msg.params[1])
    elif sub == "DELETE":
        ctx.fail("FILES", "NEED_MORE_PARAMS", "DELETE", "FILES DELETE <id>", notice=True)
    else:
        ctx.fail(
            "FILES", "INVALID_PARAMS", sub, "FILES LIST [account] | FILES DELETE <id>", notice=True
        )


def _list(ctx: Context, account: str | None) -> None:
    client = ctx.client
    if not client.is_oper:
        if client.account is None:
            ctx.fail(
                "FILES",
                "ACCOUNT_REQUIRED",
                "LIST",
                "Log into an account to see its files",
                notice=True,
            )
            return
        if account is not None and fold(account) != fold(client.account):
            ctx.fail(
                "FILES", "NO_PERMISSION", "LIST", "You may list only your own files", notice=True
            )
            return
        account = client.account
    try:
        found = ctx.server.uploads.listed(account, LISTED)
    except Exception as exc:
        log.warning("cannot list shared files: %s", exc)
        ctx.fail(
            "FILES", "TEMPORARILY_UNAVAILABLE", "LIST", "The files cannot be read now", notice=True
        )
        return
    for upload in found:
        ctx.notice(describe(upload))
    whose = f"of {account}" if account is not None else "in all"
    more = f" (the newest {LISTED})" if len(found) >= LISTED else ""
    ctx.notice(f"End of FILES LIST: {len(found)} files {whose}{more}")


def describe(upload: Upload) -> str:
    """One line about a file: id, owner, size, type, when, name."""
    when = time.strftime("%Y-%m-%d %H:%M", time.gmtime(upload.created))
    return (
        f"{upload.id} {upload.account} {upload.size} {upload.content_type} {when}Z"
        f" {upload.filename}"
    )


def _delete(ctx: Context, upload_id: str) -> None:
    client = ctx.client
    found = ctx.server.uploads.get(upload_id) if valid_id(upload_id) else None
    mine = (
        found is not None
        and client.account is not None
        and fold(found.account) == fold(client.account)
    )
    if found is None or not (mine or client.is_oper):
        ctx.fail("FILES", "NO_SUCH_FILE", upload_id[:64], "No such file of yours", notice=True)
        return
    try:
        ctx.server.uploads.delete(upload_id)
    except (StoreError, OSError) as exc:
        log.error("%s", exc)
        ctx.fail(
            "FILES",
            "TEMPORARILY_UNAVAILABLE",
            upload_id,
            "Not deleted; try again later",
            notice=True,
        )
        return
    log.info("%s deleted the shared file %s of %s", client.nick, upload_id, found.account)
    ctx.notice(f"Deleted {upload_id} ({found.filename}); its link leads nowhere now")
