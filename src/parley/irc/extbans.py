"""Masks of channel lists (+b, +e, +I): hostmasks, and `a:account` extended bans.

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
_ACCOUNT = ACCOUNT_EXTBAN + ":"


def list_mask(text: str) -> str | None:
    """The mask to keep for `text`: an `a:` mask as given, a hostmask completed
    (`bob` -> `bob!*@*`); None for an `a:` mask that could name no account."""
    if not text.startswith(_ACCOUNT):
        return normalize_mask(text)
    account = text[len(_ACCOUNT) :]
    # Account names follow the rules of nicks; a wildcard stands for any letter.
    shape = account.replace("*", "a").replace("?", "a")
    return text if valid_nick(shape, len(shape)) else None


def list_mask_matches(mask: str, prefix: str, account: str | None) -> bool:
    """Whether a list entry names the user `prefix` (nick!user@host) logged into
    `account` (None: a guest, whom `a:` masks never name); case folded as nicks."""
    if mask.startswith(_ACCOUNT):
        return account is not None and mask_matches(mask[len(_ACCOUNT) :], account)
    return mask_matches(mask, prefix)
