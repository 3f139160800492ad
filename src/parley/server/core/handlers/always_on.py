"""Always-on (core/always_on.py): NickServ SET ALWAYS-ON, and the operators' ALWAYSON.

`ALWAYSON LIST` names the users kept online with no device; `ALWAYSON END <nick>`
takes one always-on user offline (its devices, if any, are disconnected).
"""

from __future__ import annotations

from parley.irc.message import Message
from parley.server.core.context import Context

MOST_LISTED = 100  # users ALWAYSON LIST names; it says how many more there are


def set_always_on(ctx: Context, account: str, value: str) -> str:
    """NickServ SET ALWAYS-ON ON|OFF: a setting of account_settings.SETTINGS."""
    always_on = ctx.server.always_on
    limits = ctx.server.config.limits
    if value == "ON" and always_on.full():
        most = limits.always_on_clients
        return f"The server keeps as many always-on users as it may ({most}); try again later."
    always_on.choose(account, value == "ON")
    if value == "OFF":
        return "You will go offline when your last device disconnects."
    days = limits.always_on_expiry_days
    expiry = f" After {days:g} days with no device you go offline." if days else ""
    return (
        "You stay online when your last device disconnects: in your channels, marked away;"
        f" private messages are kept for your next login.{expiry}"
    )


def handle_alwayson(ctx: Context, msg: Message) -> None:
    """ALWAYSON LIST | ALWAYSON END <nick> [:reason] (operators)."""
    sub = msg.params[0].upper()
    if sub == "LIST":
        _list(ctx)
    elif sub == "END" and len(msg.params) > 1:
        _end(ctx, msg.params[1], msg.params[2] if len(msg.params) > 2 else "")
    else:
        ctx.fail("ALWAYSON", "INVALID_PARAMS", "Usage: ALWAYSON LIST | ALWAYSON END <nick>")


def _list(ctx: Context) -> None:
    always_on = ctx.server.always_on
    now = ctx.state.clock.now()
    kept = sorted(always_on.kept.items(), key=lambda item: item[0].folded)
    for client, held in kept[:MOST_LISTED]:
        days = (now - held.since) / 86400
        text = (
            f"{client.nick} ({client.account}): no device for {days:.1f} days,"
            f" in {len(client.channels)} channels"
        )
        ctx.note(ctx.command, "ALWAYSON_USER", text, notice=True)
    more = f" ({len(kept) - MOST_LISTED} not listed)" if len(kept) > MOST_LISTED else ""
    limit = ctx.server.config.limits.always_on_clients
    ctx.note(ctx.command, "ALWAYSON_COUNT", f"{len(kept)} always-on users with no device{more}"
             f" (at most {limit})", notice=True)  # fmt: skip


def _end(ctx: Context, nick: str, reason: str) -> None:
    target = ctx.state.client(nick)
    always_on = ctx.server.always_on
    if target is None:
        ctx.fail("ALWAYSON", "NO_SUCH_NICK", nick, f"Nobody is called {nick}")
        return
    if target not in always_on.kept and (
        target.account is None or not always_on.enabled(target.account)
    ):
        ctx.fail("ALWAYSON", "NOT_ALWAYS_ON", target.nick, f"{target.nick} is not always-on")
        return
    name = target.nick
    why = f"Always-on ended by {ctx.client.nick}" + (f" ({reason})" if reason else "")
    ctx.note(ctx.command, "ALWAYSON_ENDED", f"{name} is offline now", notice=True)
    ctx.flush()  # the operator may be the target
    always_on.end(target, f"Quit: {why}", f"Closing link: ({why})")
