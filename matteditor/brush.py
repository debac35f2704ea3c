"""The trimap brush's hardness and pen pressure (no Qt).

A trimap holds three labels, so a brush cannot paint "half foreground" the way
a soft brush in a paint program paints half-opaque colour.  Hardness here
decides how much of the brush is sure:

* the core, ``hardness * radius`` wide, gets the brush's label (foreground or
  background), as a hard brush does;
* the soft rim between the core and the full radius marks the pixels there
  *unknown*, so the solver works out the edge, except pixels that already hold
  the brush's own label (a rim never erases what the same brush, or an earlier
  stroke of the same label, made sure of).

So a soft foreground dab pressed against the background leaves a foreground
centre with an unknown ring the matte is computed in, which is what a soft
edge means for a matte.  Painting order inside a stroke does not matter: a
pixel ends as the label if any core covered it, else unknown if any rim
covered it and it was not the label already.  The unknown brush and the eraser
write one label whatever the hardness (their rim would write the same value).

Pen pressure (0..1, from a tablet; a mouse presses 1) scales the radius:
:func:`pressure_radius`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .errors import TrimapError
from .geometry import Rect
from .trimap import BACKGROUND, FOREGROUND, UNKNOWN, paint_stroke

MIN_PRESSURE = 0.1    # the lightest touch still paints a tenth of the brush


def pressure_radius(radius: float, pressure: float) -> float:
    """The radius a pen ``pressure`` in [0, 1] paints with (``radius`` at full pressure,
    never under a tenth of it); a pressure outside [0, 1] is clipped."""
    p = min(1.0, max(MIN_PRESSURE, float(pressure)))
    return radius * p


def paint_soft_stroke(trimap: np.ndarray, points: Sequence[tuple[float, float]], radius: float,
                      value: int, hardness: float = 1.0) -> tuple[int, int, int, int] | None:
    """Paint a stroke of label ``value`` with ``hardness`` in [0, 1] into ``trimap``
    (uint8 H x W in {0, 128, 255}) in place; see the module's docstring.

    ``points`` are continuous (x, y) image coordinates, as for
    :func:`matteditor.trimap.paint_stroke`.  Returns the touched rectangle
    (x0, y0, x1, y1), half-open, or None if nothing lies inside the trimap.
    """
    if not 0.0 <= hardness <= 1.0:
        raise TrimapError(f"brush hardness must be between 0 and 1, got {hardness}")
    if hardness >= 1.0 or value not in (FOREGROUND, BACKGROUND):
        return paint_stroke(trimap, points, radius, value)
    if not points:
        return None
    h, w = trimap.shape
    reach = Rect.of_points(np.asarray(points, np.float64).reshape(-1, 2), max(radius, 1.0) + 1,
                           w, h)
    if reach.empty:
        return None
    rim = np.zeros((reach.height, reach.width), np.uint8)
    local = [(x - reach.x0, y - reach.y0) for x, y in points]
    box = paint_stroke(rim, local, radius, FOREGROUND)
    touched = None
    if box is not None:
        region = trimap[reach.slices]
        region[(rim == FOREGROUND) & (region != value)] = UNKNOWN
        touched = (box[0] + reach.x0, box[1] + reach.y0, box[2] + reach.x0, box[3] + reach.y0)
    if hardness > 0.0:
        core = paint_stroke(trimap, points, radius * hardness, value)
        if core is not None:
            touched = core if touched is None else (
                min(touched[0], core[0]), min(touched[1], core[1]),
                max(touched[2], core[2]), max(touched[3], core[3]))
    return touched
