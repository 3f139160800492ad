"""Line charts of the last minutes on a Tk Canvas: a picture of the load, not a table.

Each chart draws one series (one point a second) as a line over a tinted area,
with its current value large in the corner, a scale rounded to a readable top,
and the time axis from `SPAN` seconds ago to now.
"""

from __future__ import annotations

import math
import tkinter as tk
from collections.abc import Callable, Sequence
from tkinter import font

from parley.server.console.style import PALETTE

SPAN = 300.0  # seconds shown: five minutes
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 56, 14, 34, 22


def nice_top(value: float, whole: bool = False) -> float:
    """The scale's top, at least `value`: a round number whose half is round too.

    For counts (`whole`), the half is a whole number as well: 2, 4, 6, 8, 10, 20...
    """
    steps = (2, 4, 6, 8, 10) if whole else (1, 2, 4, 5, 6, 8, 10)
    if value <= 0:
        return float(steps[0])
    power = 10 ** math.floor(math.log10(value))
    if whole:
        power = max(power, 1)
    for step in steps:
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def tint(colour: str, amount: float) -> str:
    """`colour` mixed with white: 0 is the colour, 1 is white."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * amount) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


class Chart:
    """One series over the last SPAN seconds, redrawn when data comes or the size changes."""

    def __init__(
        self,
        parent: tk.Misc,
        title: str,
        colour: str,
        label: Callable[[float], str],
        whole: bool = False,  # a count: the scale stays in whole numbers
    ) -> None:
        self.title = title
        self.whole = whole
        self.colour = colour
        self.label = label
        self.points: list[tuple[float, float]] = []  # (time, value), oldest first
        self.now = 0.0
        p = PALETTE
        self.canvas = tk.Canvas(
            parent, height=150, width=380, background=p.surface, highlightthickness=1,
            highlightbackground=p.border,
        )  # fmt: skip
        self.canvas.bind("<Configure>", lambda _e: self.draw())
        family = font.nametofont("TkDefaultFont").actual("family")
        self._font = (family, 9)
        self._title_font = (family, 10, "bold")
        self._value_font = (family, 14, "bold")

    def plot(self, points: Sequence[tuple[float, float]], now: float) -> None:
        self.points = [pt for pt in points if pt[0] >= now - SPAN]
        self.now = now
        self.draw()

    def draw(self) -> None:
        c = self.canvas
        c.delete("all")
        width, height = max(c.winfo_width(), 200), max(c.winfo_height(), 100)
        left, right = PAD_LEFT, width - PAD_RIGHT
        top, bottom = PAD_TOP, height - PAD_BOTTOM
        quiet = PALETTE.quiet
        c.create_text(12, 10, text=self.title, anchor="nw", font=self._title_font,
                      fill=PALETTE.text)  # fmt: skip
        if len(self.points) < 2:
            c.create_text((left + right) / 2, (top + bottom) / 2, text="collecting data…",
                          fill=quiet, font=self._font)  # fmt: skip
            return
        values = [v for _, v in self.points]
        c.create_text(width - 12, 6, text=self.label(values[-1]), anchor="ne",
                      font=self._value_font, fill=self.colour, tags=("value",))  # fmt: skip
        scale = nice_top(max(values), self.whole)
        for fraction in (0.0, 0.5, 1.0):
            y = bottom - (bottom - top) * fraction
            c.create_line(left, y, right, y, fill=PALETTE.border, dash=(2, 3) if fraction else ())
            c.create_text(left - 6, y, text=self.label(scale * fraction), anchor="e",
                          fill=quiet, font=self._font)  # fmt: skip
        c.create_text(left, bottom + 4, text=f"{SPAN / 60:.0f} min ago", anchor="nw",
                      fill=quiet, font=self._font)  # fmt: skip
        c.create_text(right, bottom + 4, text="now", anchor="ne", fill=quiet, font=self._font)

        def xy(at: float, value: float) -> tuple[float, float]:
            x = right - (self.now - at) / SPAN * (right - left)
            return max(left, x), bottom - value / scale * (bottom - top)

        line = [coord for at, value in self.points for coord in xy(at, value)]
        area = [line[0], bottom, *line, line[-2], bottom]
        c.create_polygon(*area, fill=tint(self.colour, 0.82), outline="", tags=("area",))
        c.create_line(*line, fill=self.colour, width=2, tags=("series",))
