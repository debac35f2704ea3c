"""Training trimaps made the DIM way: the unknown band around every partly
transparent pixel, grown by random dilation, with foreground and background
eroded by independent random amounts."""

from __future__ import annotations

import cv2
import numpy as np

from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN


def _disk(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def random_trimap(rng: np.random.Generator, alpha: np.ndarray, min_band: int = 1,
                  max_band: int = 25) -> np.ndarray:
    """uint8 H x W in {0, 128, 255} for a float32 H x W ``alpha`` in [0, 1].

    Every pixel with 0 < alpha < 1 is unknown; the opaque and clear regions
    are eroded by independent random radii in [min_band, max_band] (so the
    band's width differs on the two sides, as hand-painted trimaps do).
    """
    fg = (alpha >= 1.0 - 1e-3).astype(np.uint8)
    bg = (alpha <= 1e-3).astype(np.uint8)
    r_fg = int(rng.integers(min_band, max_band + 1))
    r_bg = int(rng.integers(min_band, max_band + 1))
    trimap = np.full(alpha.shape, UNKNOWN, np.uint8)
    trimap[cv2.erode(bg, _disk(r_bg), borderType=cv2.BORDER_REPLICATE) == 1] = BACKGROUND
    trimap[cv2.erode(fg, _disk(r_fg), borderType=cv2.BORDER_REPLICATE) == 1] = FOREGROUND
    return trimap
