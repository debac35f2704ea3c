"""The painting tools and what each one writes into the trimap."""

from __future__ import annotations

import enum

from .trimap import BACKGROUND, FOREGROUND, UNKNOWN

MIN_BRUSH = 1
MAX_BRUSH = 1000
BRUSH_STEP = 1.2  # [ and ] scale the brush by this factor


class Tool(enum.Enum):
    FOREGROUND = "foreground"
    BACKGROUND = "background"
    UNKNOWN = "unknown"
    ERASER = "eraser"
    FILL = "fill"
    EDGE = "edge"
    QUICK_SELECT = "quick-select"

    @property
    def title(self) -> str:
        return _INFO[self][0]

    @property
    def shortcut(self) -> str:
        return _INFO[self][1]

    @property
    def icon(self) -> str:
        """File name (without .svg) in resources/icons."""
        return f"tool-{self.value}"

    @property
    def is_brush(self) -> bool:
        return self not in (Tool.FILL, Tool.QUICK_SELECT)

    def label(self, default_label: int, fill_label: int) -> int:
        """The trimap value this tool writes (the eraser restores the default)."""
        if self is Tool.ERASER:
            return default_label
        if self is Tool.FILL:
            return fill_label
        return _LABELS[self]


_INFO = {
    Tool.FOREGROUND: ("Foreground brush", "F"),
    Tool.BACKGROUND: ("Background brush", "B"),
    Tool.UNKNOWN: ("Unknown brush", "U"),
    Tool.ERASER: ("Eraser (back to unknown)", "E"),
    Tool.FILL: ("Fill closed region", "G"),
    Tool.EDGE: ("Edge brush (unknown band along hair and fur)", "R"),
    Tool.QUICK_SELECT: ("Quick select (drag a box; Alt: lasso)", "Q"),
}
# The edge brush writes unknown like the unknown brush, but it is a touch-up
# tool: it leaves the fill label alone and its strokes read "Edge stroke".
_LABELS = {Tool.FOREGROUND: FOREGROUND, Tool.BACKGROUND: BACKGROUND, Tool.UNKNOWN: UNKNOWN,
           Tool.EDGE: UNKNOWN}


def grow_brush(size: int) -> int:
    return min(MAX_BRUSH, max(size + 1, round(size * BRUSH_STEP)))


def shrink_brush(size: int) -> int:
    return max(MIN_BRUSH, min(size - 1, round(size / BRUSH_STEP)))
