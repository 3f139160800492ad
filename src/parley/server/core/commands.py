"""The command table: every command, its handler and the checks made before it runs."""

from __future__ import annotations

from parley.server.core.dispatch import Command
from parley.server.core.handlers import (
    channels,
    history,
    info,
    messages,
    modes,
    monitor,
    oper,
    queries,
    redaction,
    rename,
    sasl,
    services,
)
from parley.server.core.handlers import registration as reg

COMMANDS: dict[str, Command] = {
    # registration (usable before it completes)
    "CAP": Command(reg.handle_cap, 1, before_registration=True),
    "PASS": Command(reg.handle_pass, 1, before_registration=True),
    "NICK": Command(reg.handle_nick, 0, before_registration=True),
    "USER": Command(reg.handle_user, 4, before_registration=True),
    "PING": Command(reg.handle_ping, 0, before_registration=True),
    "PONG": Command(reg.handle_pong, 0, before_registration=True),
    "QUIT": Command(reg.handle_quit, 0, before_registration=True),
    "AUTHENTICATE": Command(sasl.handle_authenticate, 1, before_registration=True),
    "SETNAME": Command(reg.handle_setname, 1),
    "REGISTER": Command(services.handle_register, 3, before_registration=True),
    # channels
    "JOIN": Command(channels.handle_join, 1),
    "PART": Command(channels.handle_part, 1),
    "TOPIC": Command(channels.handle_topic, 1),
    "NAMES": Command(channels.handle_names, 0),
    "LIST": Command(channels.handle_list, 0),
    "KICK": Command(channels.handle_kick, 2),
    "INVITE": Command(channels.handle_invite, 2),
    "MODE": Command(modes.handle_mode, 1),
    "RENAME": Command(rename.handle_rename, 2),
    # messages
    "PRIVMSG": Command(messages.handle_privmsg, 0),
    "NOTICE": Command(messages.handle_privmsg, 0),
    "TAGMSG": Command(messages.handle_privmsg, 0),
    "AWAY": Command(messages.handle_away, 0),
    "CHATHISTORY": Command(history.handle_chathistory, 1),
    "REDACT": Command(redaction.handle_redact, 2),
    # queries
    "WHO": Command(queries.handle_who, 0),
    "WHOIS": Command(queries.handle_whois, 1),
    "WHOWAS": Command(queries.handle_whowas, 1),
    "ISON": Command(queries.handle_ison, 1),
    "MONITOR": Command(monitor.handle_monitor, 1),
    "USERHOST": Command(queries.handle_userhost, 1),
    "LUSERS": Command(info.handle_lusers, 0),
    "MOTD": Command(info.handle_motd, 0),
    "VERSION": Command(info.handle_version, 0),
    "TIME": Command(info.handle_time, 0),
    "INFO": Command(info.handle_info, 0),
    # operators
    "OPER": Command(oper.handle_oper, 2),
    "KILL": Command(oper.handle_kill, 1, oper=True),
    "WALLOPS": Command(oper.handle_wallops, 1, oper=True),
    "REHASH": Command(oper.handle_rehash, 0, oper=True),
    "DIE": Command(oper.handle_die, 0, oper=True),
    "KLINE": Command(oper.handle_kline, 1, oper=True),
    "UNKLINE": Command(oper.handle_unkline, 1, oper=True),
    "DLINE": Command(oper.handle_dline, 1, oper=True),
    "UNDLINE": Command(oper.handle_undline, 1, oper=True),
    "SETMOTD": Command(oper.handle_setmotd, 1, oper=True),
    "STATS": Command(oper.handle_stats, 0),
}
