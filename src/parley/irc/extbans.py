"""Masks of channel lists (+b, +e, +I): hostmasks, `a:account` and `m:mask` extended bans.

IRCv3 account-extban: with `EXTBAN=,a` and `ACCOUNTEXTBAN=a` (the letter
InspIRCd and ergo use, with no prefix) the mask `a:bob` names whoever is
logged into the account `bob`, whatever their nick or host. The account part
may hold `*` and `?`; it never matches a user who is not logged in.
"""

from __future__ import annotations

from parley.irc.casemap import valid_nick
from parley.irc.masks import mask_matches, normalize_mask

EXTBAN_PREFIX = ""  # ISUPPORT EXTBAN: what goes before the letter (nothing)
ACCOUNT_EXTBAN = "a"  # ISUPPORT ACCOUNTEXTBAN
MUTE_EXTBAN = "m"  # `m:mask` in +b: may join and read, not speak (InspIRCd's and ergo's letter)
EXTBANS = ACCOUNT_EXTBAN + MUTE_EXTBAN  # ISUPPORT EXTBAN, after the comma
_ACCOUNT = ACCOUNT_EXTBAN + ":"
_MUTE = MUTE_EXTBAN + ":"


def list_mask(text: str) -> str | None:
    """The mask to keep for `text`: an `a:` mask as given, a hostmask completed
    (`bob` -> `bob!*@*`), an `m:` mask around either; None for an `a:` mask that could
    name no account, or an `m:` around nothing or around another `m:`."""
    if text.startswith(_MUTE):
        inner = text[len(_MUTE) :]
        kept = list_mask(inner) if inner and not inner.startswith(_MUTE) else None
        return None if kept is None else _MUTE + kept
    if not text.startswith(_ACCOUNT):
        return normalize_mask(text)
    account = text[len(_ACCOUNT) :]
    # Account names follow the rules of nicks; a wildcard stands for any letter.
    shape = account.replace("*", "a").replace("?", "a")
    return text if valid_nick(shape, len(shape)) else None


def list_mask_matches(mask: str, prefix: str, account: str | None, muting: bool = False) -> bool:
    """Whether a list entry names the user `prefix` (nick!user@host) logged into
    `account` (None: a guest, whom `a:` masks never name); case folded as nicks.
    An `m:` entry names anyone only where speaking is weighed (`muting`)."""
    if mask.startswith(_MUTE):
        return muting and list_mask_matches(mask[len(_MUTE) :], prefix, account)
    if mask.startswith(_ACCOUNT):
        return account is not None and mask_matches(mask[len(_ACCOUNT) :], account)
    return mask_matches(mask, prefix)
