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

#: alpha solver on a trimap: (trimap uint8 H x W) -> float32 H x W
Solve = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ScribbleSettings:
    """When a trimap counts as scribbles, and how the band is found.

    unknown_share: a trimap at least this share unknown is solved coarse to fine.
    coarse_pixels: size of the coarse solve (the photo is reduced to about this).
    gradient: alpha change per full-size pixel above which a pixel is solved
        again at full resolution (0.01: 12% of the eval-dev and synthetic photos).
    margin: pixels (full size) that region is grown by, on top of a coarse pixel.
    """

    unknown_share: float = 0.5
    coarse_pixels: int = 200_000
    gradient: float = 0.01
    margin: int = 3

    def __post_init__(self) -> None:
        if not 0.0 < self.unknown_share <= 1.0:
            raise ValueError(f"unknown_share must be in (0, 1], got {self.unknown_share}")
        if self.coarse_pixels < 1024 or not 0.0 < self.gradient < 1.0:
            raise ValueError("coarse_pixels must be >= 1024 and gradient in (0, 1)")
        if self.margin < 0:
            raise ValueError("margin must be >= 0")


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


class CoarseToFine:
    """The coarse half of a scribble solve for one photo (not thread-safe).

    ``set_image`` reduces the photo once; :meth:`band_problem` turns a scribble
    trimap into the fixed values and the pixels to solve at full size.
    """

    def __init__(self, settings: ScribbleSettings = ScribbleSettings()) -> None:
        self.settings = settings
        self._image: np.ndarray | None = None
        self._small: np.ndarray | None = None
        self.scale = 1.0          # full-size pixels per coarse pixel

    def set_image(self, image: np.ndarray) -> None:
        """Reduce ``image`` (float32 H x W x 3) to about ``coarse_pixels``."""
        h, w = image.shape[:2]
        self._image = image
        self.scale = max(1.0, math.sqrt(h * w / self.settings.coarse_pixels))
        size = (max(8, round(w / self.scale)), max(8, round(h / self.scale)))
        self._small = (cv2.resize(image, size, interpolation=cv2.INTER_AREA)
                       if self.scale > 1.0 else image)

    @property
    def coarse_image(self) -> np.ndarray | None:
        return self._small

    def applies(self, trimap: np.ndarray) -> bool:
        """Whether ``trimap`` is scribbles on a photo large enough to gain from it."""
        if self._image is None or self.scale < 1.5:
            return False
        return np.count_nonzero(trimap == UNKNOWN) >= self.settings.unknown_share * trimap.size

    def band_problem(self, trimap: np.ndarray, solve_coarse: Solve
                     ) -> tuple[np.ndarray, np.ndarray]:
        """What to solve at full size: (fixed float32 H x W alpha: the strokes and the
        upsampled coarse alpha, solve bool H x W: where it changes quickly).
        ``solve_coarse`` solves a trimap of the reduced photo (uint8 h x w) and may
        raise to cancel."""
        small = self._small
        h, w = small.shape[:2]
        alpha = guided_upsample(solve_coarse(reduce_trimap(trimap, (w, h))), small, self._image)
        gx = cv2.Sobel(alpha, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(alpha, cv2.CV_32F, 0, 1, ksize=3)
        steep = (cv2.magnitude(gx, gy) > 8.0 * self.settings.gradient).view(np.uint8)
        grow = int(math.ceil(self.scale)) + self.settings.margin
        band = cv2.dilate(steep, _disk(grow)).astype(bool)
        unknown = trimap == UNKNOWN
        band &= unknown
        fixed = np.where(unknown, alpha, trimap == FOREGROUND).astype(np.float32)
        log.debug("scribbles: coarse %dx%d (x%.1f), band %.1f%% of the photo", w, h,
                  self.scale, 100.0 * np.count_nonzero(band) / band.size)
        return fixed, band
