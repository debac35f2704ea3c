"""Pixel rectangles: the one vocabulary for regions (painting, tiling, preview, solvers).

A :class:`Rect` is half-open, ``[x0, x1) x [y0, y1)``, in image pixels; every
bounding box in the project is one, computed by :meth:`Rect.of_mask`.  No Qt and
no numpy beyond arrays, so the solvers can use it without the document.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class Rect:
    """Half-open pixel rectangle [x0, x1) x [y0, y1)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def empty(self) -> bool:
        return self.x1 <= self.x0 or self.y1 <= self.y0

    @property
    def width(self) -> int:
        return max(0, self.x1 - self.x0)

    @property
    def height(self) -> int:
        return max(0, self.y1 - self.y0)

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def slices(self) -> tuple[slice, slice]:
        """(rows, cols) slices for indexing an H x W array."""
        return slice(self.y0, self.y1), slice(self.x0, self.x1)

    def union(self, other: "Rect | None") -> "Rect":
        if other is None or other.empty:
            return self
        if self.empty:
            return other
        return Rect(min(self.x0, other.x0), min(self.y0, other.y0),
                    max(self.x1, other.x1), max(self.y1, other.y1))

    def intersect(self, other: "Rect") -> "Rect":
        r = Rect(max(self.x0, other.x0), max(self.y0, other.y0),
                 min(self.x1, other.x1), min(self.y1, other.y1))
        return r if not r.empty else EMPTY

    def contains(self, other: "Rect") -> bool:
        """True if ``other`` lies inside this rectangle (an empty one always does)."""
        return other.empty or (self.x0 <= other.x0 and self.y0 <= other.y0
                               and other.x1 <= self.x1 and other.y1 <= self.y1)

    def grow(self, margin: int, width: int, height: int) -> "Rect":
        """This rectangle grown by ``margin`` on each side, clipped to a width x height image."""
        return Rect(max(0, self.x0 - margin), max(0, self.y0 - margin),
                    min(width, self.x1 + margin), min(height, self.y1 + margin))

    def scaled(self, fx: float, fy: float, width: int, height: int) -> "Rect":
        """The smallest rectangle of a picture scaled by (fx, fy) that covers this one,
        clipped to width x height (e.g. a region of a reduced photo mapped to full size)."""
        return Rect(max(0, int(np.floor(self.x0 * fx))), max(0, int(np.floor(self.y0 * fy))),
                    min(width, int(np.ceil(self.x1 * fx))), min(height, int(np.ceil(self.y1 * fy))))

    @staticmethod
    def of_mask(mask: np.ndarray) -> "Rect":
        """Bounding box of the True (non-zero) pixels of an H x W mask, or of the pixels
        where any channel of an H x W x C mask is set; empty if none."""
        if mask.ndim == 3:
            mask = mask.any(axis=2)
        if mask.dtype != np.uint8:
            mask = mask.astype(bool).view(np.uint8)
        mask = np.ascontiguousarray(mask)
        # cv2.boundingRect reads a byte mask in one pass (numpy's any() per axis takes two)
        x, y, w, h = cv2.boundingRect(mask)
        return EMPTY if w == 0 or h == 0 else Rect(x, y, x + w, y + h)

    @staticmethod
    def of_diff(before: np.ndarray, after: np.ndarray) -> "Rect":
        """Bounding box of the pixels (first two axes) where two arrays differ."""
        return Rect.of_mask(before != after)

    @staticmethod
    def of_points(points: np.ndarray, radius: float, width: int, height: int) -> "Rect":
        """Pixels whose centre may lie within ``radius`` of the (x, y) points, clipped to
        the image (a superset: what a brush stroke through them can touch)."""
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        x0 = int(np.floor(pts[:, 0].min() - radius - 0.5))
        y0 = int(np.floor(pts[:, 1].min() - radius - 0.5))
        x1 = int(np.ceil(pts[:, 0].max() + radius + 0.5)) + 1
        y1 = int(np.ceil(pts[:, 1].max() + radius + 0.5)) + 1
        r = Rect(max(0, x0), max(0, y0), min(width, x1), min(height, y1))
        return r if not r.empty else EMPTY


EMPTY = Rect(0, 0, 0, 0)
