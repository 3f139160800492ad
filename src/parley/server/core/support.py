"""What this server offers: IRCv3 capabilities and RPL_ISUPPORT tokens."""

from __future__ import annotations

from collections.abc import Callable

from parley.irc.casemap import CASEMAPPING, CHANTYPES
from parley.irc.extbans import ACCOUNT_EXTBAN, EXTBAN_PREFIX, EXTBANS
from parley.server.config import Config
from parley.server.core import metadata, multiline
from parley.server.core.channel import (
    FLAG_MODES,
    LIST_MODES,
    PREFIX_LETTERS,
    PREFIX_SYMBOLS,
    STATUSMSG,
)
from parley.server.core.client import BOT_MODE
from parley.server.core.elist import ELIST

# Capabilities offered in CAP LS; only what works end to end is listed.
CAPABILITIES: dict[str, str | None] = {
    "account-notify": None,
    "account-tag": None,
    "away-notify": None,
    "batch": None,
    "cap-notify": None,
    "chghost": None,
    "draft/account-registration": None,  # its value follows the config (CONFIGURED_CAPS)
    "draft/channel-rename": None,
    "draft/chathistory": None,
    "draft/event-playback": None,
    "draft/message-redaction": None,
    "draft/metadata-3": None,  # its value, with the limits (CONFIGURED_CAPS)
    "draft/multiline": None,  # its value, the configured limits (CONFIGURED_CAPS)
    "draft/no-implicit-names": None,
    "draft/read-marker": None,
    "echo-message": None,
    "extended-join": None,
    "extended-monitor": None,
    "invite-notify": None,
    "labeled-response": None,
    "message-tags": None,
    "multi-prefix": None,
    "sasl": "PLAIN,SCRAM-SHA-256",
    "server-time": None,
    "setname": None,
    "standard-replies": None,
    "userhost-in-names": None,
}


def _registration_value(config: Config) -> str | None:
    """draft/account-registration's keys, as configured."""
    registration = config.registration
    keys = [
        *(["before-connect"] if registration.before_connect else []),
        *(["email-required"] if registration.email_required else []),
    ]
    return ",".join(keys) or None


def _multiline(config: Config) -> str:
    return multiline.cap_value(config.limits)


# Values that follow the configuration (settings, the limits they announce): they
# replace CAPABILITIES' in CAP LS 302.
CONFIGURED_CAPS: dict[str, Callable[[Config], str | None]] = {
    "draft/account-registration": _registration_value,
    "draft/multiline": _multiline,
    metadata.CAP: metadata.cap_value,
}


def cap_value(name: str, config: Config) -> str | None:
    """A capability's value in CAP LS 302."""
    configured = CONFIGURED_CAPS.get(name)
    return configured(config) if configured is not None else CAPABILITIES[name]


USER_MODES = "iowB"
CHANNEL_MODES = LIST_MODES + "kl" + FLAG_MODES + PREFIX_LETTERS


def isupport_tokens(config: Config) -> dict[str, str | int | None]:
    """The 005 tokens, from the configured limits."""
    limits = config.limits
    targets = limits.targets_per_command
    prefix = "(" + PREFIX_LETTERS + ")" + "".join(PREFIX_SYMBOLS[x] for x in PREFIX_LETTERS)
    return {
        "ACCOUNTEXTBAN": ACCOUNT_EXTBAN,
        "AWAYLEN": limits.away_length,
        "BOT": BOT_MODE,
        "CASEMAPPING": CASEMAPPING,
        "CHANLIMIT": f"{CHANTYPES}:{limits.channels_per_user}",
        "CHANMODES": f"{LIST_MODES},k,l,{FLAG_MODES}",
        "CHANNELLEN": limits.channel_length,
        "CHANTYPES": CHANTYPES,
        "CHATHISTORY": 100,
        "ELIST": ELIST,
        "EXTBAN": f"{EXTBAN_PREFIX},{EXTBANS}",
        "EXCEPTS": "e",
        "INVEX": "I",
        "KICKLEN": limits.kick_length,
        "MAXLIST": f"{LIST_MODES}:{limits.list_modes_per_channel}",
        "MAXTARGETS": targets,
        "MODES": limits.modes_per_command,
        "MONITOR": limits.monitor_entries,
        "MSGREFTYPES": "msgid,timestamp",
        "NAMELEN": limits.realname_length,
        "NETWORK": config.network_name,
        "NICKLEN": limits.nick_length,
        "PREFIX": prefix,
        "STATUSMSG": STATUSMSG,
        "TARGMAX": (
            f"JOIN:,KICK:{targets},NAMES:{targets},NOTICE:{targets},"
            f"PART:,PRIVMSG:{targets},TAGMSG:{targets},WHOIS:1"
        ),
        "TOPICLEN": limits.topic_length,
        "USERLEN": limits.user_length,
        "UTF8ONLY": None,
        "WHOX": None,
        **filehost(config),
    }


def filehost(config: Config) -> dict[str, str | int | None]:
    """soju.im/FILEHOST: where files are uploaded, while the web listener takes them."""
    web = config.web
    if not web.listen or web.public_url is None or config.limits.upload_max_bytes <= 0:
        return {}
    return {"soju.im/FILEHOST": f"{web.public_url}/uploads"}
