"""What this server offers: IRCv3 capabilities and RPL_ISUPPORT tokens."""

from __future__ import annotations

from parley.irc.casemap import CASEMAPPING, CHANTYPES
from parley.server.config import Config
from parley.server.core.channel import FLAG_MODES, LIST_MODES, PREFIX_LETTERS, PREFIX_SYMBOLS

# Capabilities offered in CAP LS; only what works end to end is listed.
CAPABILITIES: dict[str, str | None] = {
    "account-notify": None,
    "account-tag": None,
    "away-notify": None,
    "batch": None,
    "cap-notify": None,
    "draft/account-registration": "before-connect",
    "draft/channel-rename": None,
    "draft/chathistory": None,
    "draft/event-playback": None,
    "draft/message-redaction": None,
    "echo-message": None,
    "extended-join": None,
    "invite-notify": None,
    "labeled-response": None,
    "message-tags": None,
    "multi-prefix": None,
    "sasl": "PLAIN,SCRAM-SHA-256",
    "server-time": None,
    "setname": None,
    "userhost-in-names": None,
}

USER_MODES = "iow"
CHANNEL_MODES = LIST_MODES + "kl" + FLAG_MODES + PREFIX_LETTERS


def isupport_tokens(config: Config) -> dict[str, str | int | None]:
    """The 005 tokens, from the configured limits."""
    limits = config.limits
    targets = limits.targets_per_command
    prefix = "(" + PREFIX_LETTERS + ")" + "".join(PREFIX_SYMBOLS[x] for x in PREFIX_LETTERS)
    return {
        "AWAYLEN": limits.away_length,
        "CASEMAPPING": CASEMAPPING,
        "CHANLIMIT": f"{CHANTYPES}:{limits.channels_per_user}",
        "CHANMODES": f"{LIST_MODES},k,l,{FLAG_MODES}",
        "CHANNELLEN": limits.channel_length,
        "CHANTYPES": CHANTYPES,
        "CHATHISTORY": 100,
        "ELIST": "U",
        "EXCEPTS": "e",
        "INVEX": "I",
        "KICKLEN": limits.kick_length,
        "MAXLIST": f"{LIST_MODES}:{limits.list_modes_per_channel}",
        "MAXTARGETS": targets,
        "MODES": limits.modes_per_command,
        "MONITOR": 100,
        "MSGREFTYPES": "msgid,timestamp",
        "NETWORK": config.network_name,
        "NICKLEN": limits.nick_length,
        "PREFIX": prefix,
        "TARGMAX": (
            f"JOIN:,KICK:{targets},NAMES:{targets},NOTICE:{targets},"
            f"PART:,PRIVMSG:{targets},TAGMSG:{targets},WHOIS:1"
        ),
        "TOPICLEN": limits.topic_length,
        "USERLEN": limits.user_length,
        "WHOX": None,
    }
