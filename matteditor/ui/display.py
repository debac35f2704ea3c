"""The on-screen pixels of the current view: a full-resolution QImage plus mipmaps.

The canvas draws from the level nearest its zoom (level k is 2**-k of full
size), so a 12-megapixel photo shown to fit the window costs a ~1 MP draw,
not a 12 MP resample on every paint.  Level k is level k-1 halved: each 2x2
block averaged (cv2.INTER_AREA), an odd last row or column repeated first, so a
block depends on four pixels of the level above and nothing else.  Changed
regions are written into the full-resolution image and the blocks above them
re-reduced, level by level; nothing else is touched, and the result equals a
buffer built from the whole picture.  Pixels are handled as the images' own 4-byte
BGRA memory (:func:`.qimage.bgra_view`): OpenCV converts and reduces contiguous
4-channel rows ~20x faster than a 3-of-4-bytes strided view.
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage

from ..geometry import Rect
from .qimage import bgra_view, rgb_image

MIN_LEVEL_SIDE = 256


def _halve(src: np.ndarray) -> np.ndarray:
    """4-channel ``src`` reduced to half size (rounded up): 2x2 block means, an odd
    last row or column repeated to make whole blocks."""
    h, w = src.shape[:2]
    if h % 2 or w % 2:
        src = cv2.copyMakeBorder(src, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE)
    return cv2.resize(src, ((w + 1) // 2, (h + 1) // 2), interpolation=cv2.INTER_AREA)


class DisplayBuffer:
    """Full-size RGB32 image of the view and its half, quarter... reductions."""

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.levels: list[QImage] = []
        self._raw: list[np.ndarray] = []    # each level's memory, H x W x 4 (B, G, R, 255)
        w, h = width, height
        while True:
            image, _ = rgb_image(h, w, fill=False)
            self.levels.append(image)
            self._raw.append(bgra_view(image))
            if max(w, h) <= MIN_LEVEL_SIDE:
                break
            w, h = (w + 1) // 2, (h + 1) // 2

    @classmethod
    def from_pixels(cls, rgb: np.ndarray) -> "DisplayBuffer":
        """A buffer holding uint8 H x W x 3 ``rgb`` (safe to build off the UI thread:
        QImage, unlike QPixmap, may be used from any thread)."""
        h, w = rgb.shape[:2]
        buf = cls(w, h)
        buf.write(buf.bounds, rgb)
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
        cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGRA, dst=self._raw[0][rect.slices])
        changed = rect
        x0, y0, x1, y1 = rect.x0, rect.y0, rect.x1, rect.y1   # in the level above's pixels
        for k in range(1, len(self.levels)):
            above, dst = self._raw[k - 1], self._raw[k]
            # the blocks of level k that cover the region, and their pixels above
            x0, y0 = x0 // 2, y0 // 2
            x1, y1 = min(dst.shape[1], -(-x1 // 2)), min(dst.shape[0], -(-y1 // 2))
            dst[y0:y1, x0:x1] = _halve(above[2 * y0:2 * y1, 2 * x0:2 * x1])
            f = 1 << k
            changed = changed.union(Rect(x0 * f, y0 * f, min(self.width, x1 * f),
                                         min(self.height, y1 * f)))
        return changed

    def level_for(self, scale: float) -> int:
        """The coarsest level that still has at least one pixel per screen pixel."""
        k = 0
        while k + 1 < len(self.levels) and scale * (1 << (k + 1)) <= 1.0:
            k += 1
        return k

    def pixels(self, level: int = 0) -> np.ndarray:
        """Copy of the view at ``level`` (0: full resolution), uint8 H x W x 3."""
        return cv2.cvtColor(self._raw[level], cv2.COLOR_BGRA2RGB)
