"""The desktop client's start: the connect dialog, which opens the chat window."""

from __future__ import annotations

import tkinter as tk

from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.lan_list import browse_lan
from parley.client.gui.settings import config_dir, load_settings


def main() -> int:
    root = tk.Tk()
    folder = config_dir()
    ConnectDialog(root, load_settings(folder), folder, lan=browse_lan)
    root.mainloop()
    return 0
