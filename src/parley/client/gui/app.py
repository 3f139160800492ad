"""The desktop client's start: the connect dialog, which opens the chat window."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import parley

EXIT_NO_DISPLAY = 1


def parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(
        prog="parley",
        description="Parley's desktop client: a window to connect to a Parley (or any IRC) "
        "server and chat. It lists the servers announced on the local network (with the lan "
        "extra), asks before trusting a server's certificate the first time, and keeps "
        "passwords in the OS keyring. It needs a graphical desktop.",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """`parley`: --help and --version, else the connect dialog (one line if no display)."""
    flags = parser()
    flags.add_argument("--version", action="version", version=f"parley {parley.__version__}")
    flags.parse_args(argv)
    import tkinter as tk

    try:
        root = tk.Tk()
    except tk.TclError as exc:
        print(f"parley: cannot open a window ({exc}): the desktop client needs a graphical "
              "display", file=sys.stderr)  # fmt: skip
        return EXIT_NO_DISPLAY
    from parley.client.gui.connect_dialog import ConnectDialog
    from parley.client.gui.lan_list import browse_lan
    from parley.client.gui.settings import config_dir, load_settings

    folder = config_dir()
    ConnectDialog(root, load_settings(folder), folder, lan=browse_lan)
    root.mainloop()
    return 0
