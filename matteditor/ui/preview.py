"""Fast preview mattes: solve at reduced resolution, upsample edge-aware.

A closed-form solve of a 12 MP photo takes minutes; the same solve with the
long side at ~320 px takes seconds at most.  The small alpha is brought back
to full size with the fast guided filter (He & Sun 2015): the coefficients
of matteditor.guided_filter (colour guide, box filters, since cv2.ximgproc
is not in the headless OpenCV wheel) are fitted on the small image and
upsampled, so edges follow the full-resolution photo.

Unlike matteditor.guided_filter.preview_alpha, the trimap reduction here
keeps thin scribbles (a reduced pixel is known when a quarter of it was
painted), which is what sparse strokes in the editor need, and the reduced
photo is computed once per photo, not per request.

No Qt here: the worker thread calls these functions.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..engines.base import CancelToken, Engine, ProgressFn
from ..guided_filter import guided_coefficients
from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN, clamp_to_trimap

COVERAGE = 0.25  # a reduced pixel is known when this much of it was painted that label
RADIUS = 1       # guided-filter window radius, in reduced pixels
EPS = 1e-4       # guided-filter regularisation


def preview_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) with the long side at most ``max_side``, aspect kept."""
    f = min(1.0, max_side / max(width, height))
    return max(1, round(width * f)), max(1, round(height * f))


def reduce_trimap(trimap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Trimap reduced to ``size`` (w, h) without losing thin scribbles.

    A reduced pixel takes a label if at least COVERAGE of it carries that
    label and not the other one; anything mixed stays unknown.
    """
    fg = cv2.resize((trimap == FOREGROUND).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    bg = cv2.resize((trimap == BACKGROUND).astype(np.float32), size, interpolation=cv2.INTER_AREA)
    out = np.full((size[1], size[0]), UNKNOWN, np.uint8)
    out[(fg >= COVERAGE) & (bg < COVERAGE)] = FOREGROUND
    out[(bg >= COVERAGE) & (fg < COVERAGE)] = BACKGROUND
    return out


def guided_upsample(alpha_small: np.ndarray, image_small: np.ndarray, image: np.ndarray,
                    radius: int = RADIUS, eps: float = EPS) -> np.ndarray:
    """Fast guided filter upsampling.

    Args:
        alpha_small: float32 h x w in [0, 1].
        image_small: float32 h x w x 3 in [0, 1] (the photo reduced to h x w).
        image: float32 H x W x 3 in [0, 1].
    Returns:
        float32 H x W in [0, 1].
    """
    a, b = guided_coefficients(image_small, alpha_small, radius, eps)
    h, w = image.shape[:2]
    a = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR)
    alpha = np.einsum("hwc,hwc->hw", a, image) + b
    return np.clip(alpha, 0.0, 1.0).astype(np.float32, copy=False)


class PreviewSolver:
    """Reduced-resolution solves for one photo; caches the reduced photo."""

    def __init__(self, max_side: int = 320) -> None:
        self.max_side = max_side
        self._key: tuple[int, tuple[int, ...]] | None = None
        self._cache: np.ndarray | None = None

    def worthwhile(self, image: np.ndarray) -> bool:
        """True if the photo is big enough for a preview to come much sooner."""
        return max(image.shape[:2]) > 1.25 * self.max_side

    def _reduced(self, image: np.ndarray) -> np.ndarray:
        """The reduced photo, computed once per photo (the document never changes
        its photo in place, so identity and shape recognise it)."""
        key = (id(image), image.shape)
        if key != self._key or self._cache is None:
            h, w = image.shape[:2]
            self._cache = cv2.resize(image, preview_size(w, h, self.max_side),
                                     interpolation=cv2.INTER_AREA)
            self._key = key
        return self._cache

    def solve(self, engine: Engine, image: np.ndarray, trimap: np.ndarray, *,
              progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        """Full-size float32 H x W alpha from a reduced solve, exact where known."""
        small = self._reduced(image)
        h, w = small.shape[:2]
        small_trimap = reduce_trimap(trimap, (w, h))
        alpha_small = engine.estimate(small, small_trimap, progress=progress, cancel=cancel)
        cancel.raise_if_cancelled()
        alpha = guided_upsample(alpha_small, small, image)
        return clamp_to_trimap(alpha, trimap)
