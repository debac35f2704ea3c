"""The on-screen pixels of the current view: a full-resolution QImage plus mipmaps.

The canvas draws from the level nearest its zoom (level k is 2**-k of full
size), so a 12-megapixel photo shown to fit the window costs a ~1 MP draw,
not a 12 MP resample on every paint.  Changed regions are written into the
full-resolution image and the matching block of each level is re-reduced
with cv2.INTER_AREA; nothing else is touched.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage

from ..geometry import Rect
from .qimage import rgb_image

MIN_LEVEL_SIDE = 256


class DisplayBuffer:
    """Full-size RGB32 image of the view and its half, quarter... reductions."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.levels: list[QImage] = []
        self._views: list[np.ndarray] = []
        w, h = width, height
        while True:
            image, view = rgb_image(h, w, fill=False)
            self.levels.append(image)
            self._views.append(view)
            if max(w, h) <= MIN_LEVEL_SIDE:
                break
            w, h = (w + 1) // 2, (h + 1) // 2

    @classmethod
    def from_pixels(cls, rgb: np.ndarray) -> "DisplayBuffer":
        """A buffer holding uint8 H x W x 3 ``rgb`` (safe to build off the UI thread:
        QImage, unlike QPixmap, may be used from any thread)."""
        h, w = rgb.shape[:2]
        buf = cls(w, h)
        buf._views[0][...] = rgb
        for k in range(1, len(buf.levels)):
            prev, dst = buf._views[k - 1], buf._views[k]
            dst[...] = cv2.resize(prev, (dst.shape[1], dst.shape[0]), interpolation=cv2.INTER_AREA)
        return buf

    @property
    def bounds(self) -> Rect:
        return Rect(0, 0, self.width, self.height)

    def write(self, rect: Rect, rgb: np.ndarray) -> Rect:
        """Put uint8 rect.height x rect.width x 3 pixels at ``rect`` and update the
        reductions; returns the (level-0) region that changed on screen."""
        rect = rect.intersect(self.bounds)
        if rect.empty:
            return rect
        self._views[0][rect.slices] = rgb
        changed = rect
        for k in range(1, len(self.levels)):
            f = 1 << k
            # Align to whole blocks of the level, then reduce from full size.
            x0, y0 = (rect.x0 // f) * f, (rect.y0 // f) * f
            x1 = min(self.width, -(-rect.x1 // f) * f)
            y1 = min(self.height, -(-rect.y1 // f) * f)
            dst = self._views[k]
            dx0, dy0 = x0 // f, y0 // f
            dx1 = min(dst.shape[1], -(-x1 // f))
            dy1 = min(dst.shape[0], -(-y1 // f))
            src = self._views[0][y0:y1, x0:x1]
            dst[dy0:dy1, dx0:dx1] = cv2.resize(src, (dx1 - dx0, dy1 - dy0),
                                               interpolation=cv2.INTER_AREA)
            changed = changed.union(Rect(x0, y0, x1, y1))
        return changed

    def level_for(self, scale: float) -> int:
        """The coarsest level that still has at least one pixel per screen pixel."""
        k = 0
        while k + 1 < len(self.levels) and scale * (1 << (k + 1)) <= 1.0:
            k += 1
        return k

    def pixels(self) -> np.ndarray:
        """Copy of the full-resolution view, uint8 H x W x 3."""
        return self._views[0].copy()
