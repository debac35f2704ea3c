"""Fast preview mattes: solve at reduced resolution, upsample edge-aware.

A closed-form solve of a 12 MP photo takes minutes; the same solve with the
long side at ~320 px takes seconds at most.  The small alpha is brought back
to full size with the fast guided filter (He & Sun 2015): the linear
coefficients (a, b) of ``alpha ~ a * I + b`` are fitted on the small image
and upsampled, so edges follow the full-resolution photo.  OpenCV's own
guided filter lives in cv2.ximgproc, which opencv-python-headless does not
ship, so the few box filters are written out here with cv2.boxFilter.

No Qt here: the worker thread calls these functions.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..engines.base import CancelToken, Engine, ProgressFn
from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN, clamp_to_trimap

COVERAGE = 0.25  # a reduced pixel is known when this much of it was painted that label


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


def _gray(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(image, np.float32), cv2.COLOR_RGB2GRAY)


def guided_upsample(alpha_small: np.ndarray, guide_small: np.ndarray, guide: np.ndarray,
                    radius: int = 4, eps: float = 1e-3) -> np.ndarray:
    """Fast guided filter upsampling.

    Args:
        alpha_small: float32 h x w in [0, 1].
        guide_small: float32 h x w gray in [0, 1] (the photo reduced to h x w).
        guide: float32 H x W gray in [0, 1].
    Returns:
        float32 H x W in [0, 1].
    """
    k = (2 * radius + 1, 2 * radius + 1)

    def box(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, k, borderType=cv2.BORDER_REFLECT)

    p, g = alpha_small.astype(np.float32), guide_small.astype(np.float32)
    mean_g, mean_p = box(g), box(p)
    cov = box(g * p) - mean_g * mean_p
    var = box(g * g) - mean_g * mean_g
    a = cov / (var + np.float32(eps))
    b = mean_p - a * mean_g
    h, w = guide.shape
    a_full = cv2.resize(box(a), (w, h), interpolation=cv2.INTER_LINEAR)
    b_full = cv2.resize(box(b), (w, h), interpolation=cv2.INTER_LINEAR)
    return np.clip(a_full * guide + b_full, 0.0, 1.0)


class PreviewSolver:
    """Reduced-resolution solves for one photo; caches the reduced photo."""

    def __init__(self, max_side: int = 320) -> None:
        self.max_side = max_side
        self._key: tuple[int, tuple[int, ...]] | None = None
        self._cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def worthwhile(self, image: np.ndarray) -> bool:
        """True if the photo is big enough for a preview to come much sooner."""
        return max(image.shape[:2]) > 1.25 * self.max_side

    def _prepare(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(reduced photo, its gray, full gray), computed once per photo."""
        key = (id(image), image.shape)
        if key != self._key or self._cache is None:
            h, w = image.shape[:2]
            small = cv2.resize(image, preview_size(w, h, self.max_side),
                               interpolation=cv2.INTER_AREA)
            self._cache = (small, _gray(small), _gray(image))
            self._key = key
        return self._cache

    def solve(self, engine: Engine, image: np.ndarray, trimap: np.ndarray, *,
              progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        """Full-size float32 H x W alpha from a reduced solve, exact where known."""
        small, gray_small, gray = self._prepare(image)
        h, w = small.shape[:2]
        small_trimap = reduce_trimap(trimap, (w, h))
        alpha_small = engine.estimate(small, small_trimap, progress=progress, cancel=cancel)
        cancel.raise_if_cancelled()
        alpha = guided_upsample(alpha_small, gray_small, gray)
        return clamp_to_trimap(alpha, trimap)
