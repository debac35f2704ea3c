"""Scribble trimaps at any size, coarse to fine.

A trimap of a few foreground and background strokes leaves nearly every pixel
unknown.  Solving all of them exactly does not scale: on a 1280 x 960 photo the
direct solver's factor would take 2.5 GiB and the iterative solver ~50 s, and
12 megapixels are far worse.  But only where the matte changes quickly does
full resolution matter; elsewhere the answer is smooth (0, 1, or a slow soft
gradient that a reduced solve already gets right).  So:

1. the photo, reduced to ~``coarse_pixels``, is solved exactly with the
   strokes (their reduction keeps thin strokes, :func:`~matteditor.trimap.reduce_trimap`);
2. that alpha is brought to full size with the fast guided filter, so its
   edges follow the full-resolution photo;
3. where the upsampled alpha changes faster than ``gradient`` per pixel (grown
   by a coarse pixel and ``margin``) the pixels are solved exactly at full
   resolution, with the upsampled alpha fixed around them; elsewhere it is kept.
   A 12 MP photo goes through a middle level (~1.5 MP) the same way, so that no
   level's band is too large to factorise.

A first try fixed only where the coarse alpha was confidently 0 or 1: on
textured photos with few strokes closed-form leaves wide soft regions, and that
band covered 65% of the picture (12 MP: out of memory).  The gradient band
covers 12% for the same SAD (within 1% of the exact solve of the whole trimap on
the 0.75 MP synthetic photo; ``benchmarks/scribbles.py`` has the figures).
No Qt, no document: the fast-cf engine uses it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from ..guided_filter import guided_upsample
from ..trimap import FOREGROUND, UNKNOWN, reduce_trimap

log = logging.getLogger(__name__)

#: alpha solver on a trimap of the coarsest photo: (trimap uint8 h x w) -> float32 h x w
Solve = Callable[[np.ndarray], np.ndarray]
#: closed-form solve of (photo, fixed alpha, pixels to solve) -> float32 alpha
SolveFixed = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ScribbleSettings:
    """When a trimap counts as scribbles, and how the band is found.

    unknown_share: a trimap at least this share unknown is solved coarse to fine.
    coarse_pixels: size of the coarsest solve (the photo is reduced to about this).
    level_ratio: pixels of a level over the next coarser one's: from 12 MP to
        0.2 MP in two steps of ~8 keeps each level's band small enough to factorise.
    gradient: alpha change per pixel (of the level being solved) above which a
        pixel is solved again at that level (0.01: ~12% of the eval-dev photos).
    margin: pixels the steep region is grown by, on top of a coarser pixel.
    """

    unknown_share: float = 0.5
    coarse_pixels: int = 200_000
    level_ratio: float = 8.0
    gradient: float = 0.01
    margin: int = 3

    def __post_init__(self) -> None:
        if not 0.0 < self.unknown_share <= 1.0:
            raise ValueError(f"unknown_share must be in (0, 1], got {self.unknown_share}")
        if self.coarse_pixels < 1024 or not 0.0 < self.gradient < 1.0:
            raise ValueError("coarse_pixels must be >= 1024 and gradient in (0, 1)")
        if self.level_ratio < 2.0 or self.margin < 0:
            raise ValueError("level_ratio must be >= 2 and margin >= 0")


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


class CoarseToFine:
    """The pyramid of a scribble solve for one photo (not thread-safe).

    ``set_image`` builds the levels once (full size first); :meth:`solve` solves
    the coarsest with the strokes, then each finer level only where the matte
    brought up from the level below is steep.
    """

    def __init__(self, settings: ScribbleSettings = ScribbleSettings()) -> None:
        self.settings = settings
        self._levels: list[np.ndarray] = []

    def set_image(self, image: np.ndarray) -> None:
        """Build the levels of ``image`` (float32 H x W x 3), each ~``level_ratio``
        times smaller, down to about ``coarse_pixels``."""
        levels = [image]
        while True:
            h, w = levels[-1].shape[:2]
            target = max(self.settings.coarse_pixels, h * w / self.settings.level_ratio)
            f = math.sqrt(h * w / target)
            size = (max(8, round(w / f)), max(8, round(h / f)))
            if h * w <= self.settings.coarse_pixels or size[0] * size[1] >= 0.9 * h * w:
                break
            levels.append(cv2.resize(levels[-1], size, interpolation=cv2.INTER_AREA))
        self._levels = levels

    @property
    def coarse_image(self) -> np.ndarray | None:
        return self._levels[-1] if self._levels else None

    @property
    def scale(self) -> float:
        """Full-size pixels per coarsest pixel."""
        if not self._levels:
            return 1.0
        return self._levels[0].shape[1] / self._levels[-1].shape[1]

    def applies(self, trimap: np.ndarray) -> bool:
        """Whether ``trimap`` is scribbles on a photo large enough to gain from it."""
        if len(self._levels) < 2 or self.scale < 1.5:
            return False
        return np.count_nonzero(trimap == UNKNOWN) >= self.settings.unknown_share * trimap.size

    def solve(self, trimap: np.ndarray, solve_coarse: Solve, solve_fixed: SolveFixed,
              hook: Callable[[float], None] = lambda f: None) -> np.ndarray:
        """The matte of ``trimap`` (uint8 H x W, full size): float32 H x W in [0, 1].

        ``solve_coarse`` solves a trimap of the coarsest photo; ``solve_fixed`` a
        closed-form problem with fixed values; either may raise to cancel.
        ``hook(fraction)`` is told how far it got."""
        levels = self._levels
        h, w = levels[-1].shape[:2]
        alpha = solve_coarse(reduce_trimap(trimap, (w, h)))
        for i in range(len(levels) - 2, -1, -1):
            hook(1.0 - (i + 1) / len(levels))
            image, below = levels[i], levels[i + 1]
            h, w = image.shape[:2]
            level_trimap = trimap if i == 0 else reduce_trimap(trimap, (w, h))
            up = guided_upsample(alpha, below, image)
            fixed, band = self._problem(up, level_trimap, w / below.shape[1])
            alpha = solve_fixed(image, fixed, band)
        return alpha

    def _problem(self, alpha: np.ndarray, trimap: np.ndarray, step: float
                 ) -> tuple[np.ndarray, np.ndarray]:
        """(fixed float32: the strokes and ``alpha``, band bool: its steep part grown)."""
        gx = cv2.Sobel(alpha, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(alpha, cv2.CV_32F, 0, 1, ksize=3)
        steep = (cv2.magnitude(gx, gy) > 8.0 * self.settings.gradient).view(np.uint8)
        band = cv2.dilate(steep, _disk(int(math.ceil(step)) + self.settings.margin))
        unknown = trimap == UNKNOWN
        band = band.astype(bool) & unknown
        fixed = np.where(unknown, alpha, trimap == FOREGROUND).astype(np.float32)
        log.debug("scribbles: level %dx%d, band %.1f%%", trimap.shape[1], trimap.shape[0],
                  100.0 * np.count_nonzero(band) / band.size)
        return fixed, band
