"""Trust on first use, asked: the first TLS connection to a server shows the
certificate's fingerprint and waits for the user, and a changed one is refused."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path

from parley.client.gui.dialogs import Dialog

STARTUP_LINE = "parley: TLS certificate SHA-256"  # what the server prints when it starts


def first_certificate(
    root: tk.Misc, open_dialogs: dict[str, tk.Toplevel], where: str, fingerprint: str,
    announced: str | None, trust: Callable[[], None], refuse: Callable[[], None],
) -> Dialog:  # fmt: skip
    """Ask before trusting a server never connected to over TLS; closing it refuses."""
    dialog = Dialog(root, open_dialogs, "certificate", "Trust this server?")
    dialog.text(f"This is the first encrypted connection to {where}. Its certificate's "
                "SHA-256 fingerprint is:")  # fmt: skip
    dialog.text(fingerprint)
    dialog.text(f"Compare it with the one the server printed when it started (the line "
                f"“{STARTUP_LINE} …”), or ask its administrator. If they match, trust it: "
                "you will be warned should it ever change.")  # fmt: skip
    if announced is not None and announced == fingerprint:
        dialog.text("It is also the fingerprint this server announced on the local network "
                    "(anyone on the network could announce one, so compare it still).")  # fmt: skip
    elif announced is not None:
        dialog.text("WARNING: it is NOT the fingerprint announced on the local network "
                    f"({announced}). Someone may be between you and the server.",
                    "Error.TLabel")  # fmt: skip

    def refused() -> None:
        refuse()
        dialog.close()

    dialog.top.protocol("WM_DELETE_WINDOW", refused)
    dialog.button("Do not connect", refuse)
    dialog.button("Trust and connect", trust, default=not (announced and announced != fingerprint))
    return dialog


def changed_warning(where: str, old: str, new: str, pins: Path) -> str:
    """Why a connection was refused: the certificate is not the one trusted before."""
    return (
        f"WARNING: not connected. The certificate of {where} has changed since you trusted "
        f"it. Someone may be intercepting the connection, or the server has a new "
        f"certificate.\nTrusted before: {old}\nPresented now: {new}\nAsk the server's "
        f"administrator. Only if they confirm the new fingerprint, remove the line "
        f"“{where}” from {pins} and connect again to be asked about it."
    )
