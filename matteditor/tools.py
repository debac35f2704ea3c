"""The painting tools, what each one writes into the trimap, and the whole-trimap
edits the editor's commands make (a fill, invert) as undoable region diffs."""

from __future__ import annotations

import enum
import math

import numpy as np

from .history import TrimapEdit
from .trimap import BACKGROUND, FOREGROUND, UNKNOWN, flood_fill

MIN_BRUSH = 1
MAX_BRUSH = 1000
MIN_HARDNESS = 0      # brush hardness, percent (matteditor.brush: the sure share of the brush)
MAX_HARDNESS = 100
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


def fill_edit(trimap: np.ndarray, point: tuple[float, float], value: int) -> TrimapEdit | None:
    """The fill tool's edit: the 4-connected region of equal label around the pixel
    under ``point`` (continuous x, y image coordinates) set to ``value``.

    ``trimap`` (uint8 H x W in {0, 128, 255}) is left as it is; the edit (a region
    diff, one undo step) is None when the fill changes nothing (the region already
    holds ``value``, or the point is outside the picture)."""
    x, y = point
    filled = flood_fill(trimap, (math.floor(x), math.floor(y)), value)
    return TrimapEdit.between(trimap, filled, "Fill")


def invert_trimap(trimap: np.ndarray) -> np.ndarray:
    """The trimap with foreground and background swapped, unknown kept (uint8 H x W in
    {0, 128, 255}, a new array): what "Invert matte" solves, so the matte of the
    inverted trimap is one minus the matte of the original wherever the engine is
    symmetric in the two labels, and exactly so in the known regions."""
    out = trimap.copy()
    out[trimap == FOREGROUND] = BACKGROUND
    out[trimap == BACKGROUND] = FOREGROUND
    return out


def invert_edit(trimap: np.ndarray) -> TrimapEdit | None:
    """The "Invert matte" edit of ``trimap`` (see :func:`invert_trimap`); None when the
    trimap holds no known pixel (all unknown: nothing to swap)."""
    return TrimapEdit.between(trimap, invert_trimap(trimap), "Invert matte")
