"""A brush stroke being painted into the document's trimap (see Document.begin_stroke).

No Qt here.
"""

from __future__ import annotations

import numpy as np

from .geometry import Rect


class Stroke:
    """A stroke being painted: its label, radius, last point, and the trimap as it
    was before it inside the rectangle it has touched so far."""

    def __init__(self, value: int, radius: float, label: str, hardness: float = 1.0) -> None:
        self.value = value
        self.radius = radius
        self.hardness = hardness   # brush.py: the share of the radius painted as ``value``
        self.label = label
        self.last: tuple[float, float] | None = None
        self.rect = Rect(0, 0, 0, 0)      # what ``before`` covers
        self.before = np.zeros((0, 0), np.uint8)

    def cover(self, trimap: np.ndarray, rect: Rect) -> None:
        """Extend ``before`` to cover ``rect``: pixels outside the old rectangle were
        never touched by this stroke, so the trimap still holds their old labels."""
        grown = rect.union(self.rect)
        if grown == self.rect:
            return
        before = trimap[grown.slices].copy()
        if not self.rect.empty:
            old = Rect(self.rect.x0 - grown.x0, self.rect.y0 - grown.y0,
                       self.rect.x1 - grown.x0, self.rect.y1 - grown.y0)
            before[old.slices] = self.before
        self.rect, self.before = grown, before
