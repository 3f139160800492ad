"""The console's dialogs: they ask before an action, and show why it failed.

A Dialog does not block the window: its action button hands the values to the
window, which sends the action to the server and later either closes the
dialog or shows the refusal in it (in words, never a traceback), so the
operator can correct the input and try again.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Sequence
from tkinter import font, ttk

from parley.server.console.style import PALETTE

Submit = Callable[["Dialog"], None]


class Dialog:
    """A small window: a question, some fields, a line for errors, the action and Cancel."""

    def __init__(
        self,
        root: tk.Misc,
        title: str,
        message: str,
        action: str,
        submit: Submit,
        danger: bool = False,
    ) -> None:
        self.top = tk.Toplevel(root)
        self.top.title(title)
        self.top.transient(root.winfo_toplevel())
        self.top.resizable(False, False)
        self.top.configure(background=PALETTE.background)
        self.body = ttk.Frame(self.top, padding=(18, 16, 18, 4))
        self.body.pack(fill="both", expand=True)
        self.body.columnconfigure(1, weight=1)
        ttk.Label(self.body, text=message, wraplength=440, justify="left").grid(
            row=0, column=0, columnspan=2, sticky="w", pady=(0, 10)
        )
        self.fields: dict[str, tk.StringVar] = {}
        self.texts: dict[str, tk.Text] = {}
        self.error = tk.StringVar()
        self._row = 1
        self._submit = submit
        buttons = ttk.Frame(self.top, padding=(18, 4, 18, 14))
        buttons.pack(fill="x", side="bottom")
        ttk.Label(self.top, textvariable=self.error, style="Error.TLabel", wraplength=440,
                  padding=(18, 0)).pack(fill="x", side="bottom")  # fmt: skip
        self.cancel_button = ttk.Button(buttons, text="Cancel", command=self.close)
        self.cancel_button.pack(side="right")
        self.action_button = ttk.Button(
            buttons, text=action, command=self.submit, style="Danger.TButton" if danger else ""
        )
        self.action_button.pack(side="right", padx=(0, 8))
        self.top.bind("<Escape>", lambda _e: self.close())
        self.top.protocol("WM_DELETE_WINDOW", self.close)
        self.on_close: Callable[[], None] | None = None
        self.closed = False

    # -- building ----------------------------------------------------------------

    def _label(self, text: str) -> None:
        ttk.Label(self.body, text=text, style="Quiet.TLabel").grid(
            row=self._row, column=0, sticky="nw", padx=(0, 12), pady=4
        )

    def entry(self, name: str, label: str, value: str = "", width: int = 40) -> ttk.Entry:
        self._label(label)
        var = self.fields[name] = tk.StringVar(value=value)
        widget = ttk.Entry(self.body, textvariable=var, width=width)
        widget.grid(row=self._row, column=1, sticky="we", pady=4)
        widget.bind("<Return>", lambda _e: self.submit())
        self._row += 1
        if len(self.fields) == 1:
            widget.focus_set()
        return widget

    def choice(self, name: str, label: str, values: Sequence[str], value: str) -> None:
        """A drop-down that also takes typed text (a channel, a duration...)."""
        self._label(label)
        var = self.fields[name] = tk.StringVar(value=value)
        ttk.Combobox(self.body, textvariable=var, values=list(values), width=38).grid(
            row=self._row, column=1, sticky="we", pady=4
        )
        self._row += 1

    def options(
        self, name: str, label: str, options: Sequence[tuple[str, str]], value: str
    ) -> None:
        """Radio buttons: (value, text) pairs."""
        self._label(label)
        var = self.fields[name] = tk.StringVar(value=value)
        row = ttk.Frame(self.body)
        row.grid(row=self._row, column=1, sticky="w", pady=4)
        for option, text in options:
            ttk.Radiobutton(row, text=text, value=option, variable=var).pack(
                side="left", padx=(0, 12)
            )
        self._row += 1

    def checks(self, name: str, label: str, options: Sequence[tuple[str, str]], on: str) -> None:
        """Check boxes: (key, text) pairs; the field's value is the keys ticked, in order,
        and fields `name:key` hold "1" or "" for each."""
        self._label(label)
        row = ttk.Frame(self.body)
        row.grid(row=self._row, column=1, sticky="w", pady=4)
        for key, text in options:
            var = self.fields[f"{name}:{key}"] = tk.StringVar(value="1" if key in on else "")
            ttk.Checkbutton(row, text=text, variable=var, onvalue="1", offvalue="").pack(anchor="w")
        self._row += 1

    def text(self, name: str, label: str, value: str = "", height: int = 8) -> None:
        self._label(label)
        family = font.nametofont("TkFixedFont").actual("family")  # IRC clients show it so
        widget = tk.Text(self.body, width=64, height=height, wrap="word", font=(family, 10),
                         relief="flat", highlightthickness=1,
                         highlightbackground=PALETTE.border)  # fmt: skip
        widget.insert("1.0", value)
        widget.grid(row=self._row, column=1, sticky="we", pady=4)
        self.texts[name] = widget
        self._row += 1

    def note(self, text: str) -> ttk.Label:
        label = ttk.Label(self.body, text=text, style="Quiet.TLabel", wraplength=440)
        label.grid(row=self._row, column=0, columnspan=2, sticky="w", pady=(2, 4))
        self._row += 1
        return label

    def password(self, name: str, label: str) -> ttk.Entry:
        """An entry that shows dots, not the password."""
        widget = self.entry(name, label)
        widget.configure(show="•")
        return widget

    # -- using -------------------------------------------------------------------

    def values(self) -> dict[str, str]:
        out = {name: var.get() for name, var in self.fields.items()}
        out.update({name: widget.get("1.0", "end-1c") for name, widget in self.texts.items()})
        return out

    def set(self, name: str, value: str) -> None:
        """Fill in a field, as the operator would (tests use it too)."""
        if name in self.texts:
            self.texts[name].delete("1.0", "end")
            self.texts[name].insert("1.0", value)
        else:
            self.fields[name].set(value)

    def submit(self) -> None:
        if str(self.action_button.cget("state")) == "disabled":
            return
        self.error.set("")
        self._submit(self)

    def busy(self, working: bool) -> None:
        """While the server works on it, the action cannot be sent twice."""
        self.action_button.configure(state="disabled" if working else "normal")

    def fail(self, reason: str) -> None:
        self.busy(False)
        self.error.set(reason)

    def close(self) -> None:
        """Destroy the window and let go of its variables here, in the Tk thread."""
        if self.closed:
            return
        self.closed = True
        self.top.destroy()
        on_close, self.on_close = self.on_close, None
        for var in self.fields.values():
            for modes, callback in var.trace_info():
                var.trace_remove(modes, callback)  # type: ignore[arg-type]
        self.fields.clear()
        self.texts.clear()
        if on_close is not None:
            on_close()

    def buttons(self) -> dict[str, ttk.Button]:
        return {str(b.cget("text")): b for b in (self.action_button, self.cancel_button)}
