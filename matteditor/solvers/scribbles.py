"""Scribble trimaps at any size, coarse to fine.

A trimap of a few foreground and background strokes leaves nearly every pixel
unknown.  Solving all of them exactly does not scale: on a 1280 x 960 photo the
direct solver's factor would take 2.5 GiB and the iterative solver ~50 s, and
12 megapixels are far worse.  Yet the answer is 0 or 1 almost everywhere; only
a band around the subject's edge is soft.  So:

1. the photo, reduced to ~``coarse_pixels``, is solved exactly with the
   strokes (their reduction keeps thin strokes, :func:`~matteditor.trimap.reduce_trimap`);
2. that alpha is brought to full size with the fast guided filter, so edges
   follow the full-resolution photo;
3. where it is confidently 0 or 1 (and stays so within ``margin`` pixels)
   the pixel becomes known; the rest, the transition band, is the unknown of a
   derived trimap, solved exactly at full resolution by the caller (the tiled
   session, which also reuses the tiles a later stroke does not change);
4. where the full-resolution alpha at the band's inner border disagrees with
   the value fixed just outside it (alpha < 0.75 next to fixed foreground, > 0.25
   next to fixed background), the band was too narrow: it is widened there and
   solved again, at most ``rounds`` times.

``benchmarks/scribbles.py`` compares the result with the exact solve of the
whole scribble trimap.  No Qt, no document: the fast-cf engine uses it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from ..guided_filter import guided_upsample
from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN, reduce_trimap

log = logging.getLogger(__name__)

#: alpha solver on a trimap: (trimap uint8 H x W) -> float32 H x W
Solve = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class ScribbleSettings:
    """When a trimap counts as scribbles, and how the band is found.

    unknown_share: a trimap at least this share unknown is solved coarse to fine.
    coarse_pixels: size of the coarse solve (the photo is reduced to about this).
    confident: coarse alpha within this of 0 or 1 is taken as known.
    margin: pixels (full size) the uncertain region is grown by, on top of the
        coarse pixel's own size.
    rounds: times the band may be widened where the fine solve says it was too narrow.
    """

    unknown_share: float = 0.5
    coarse_pixels: int = 200_000
    confident: float = 0.02
    margin: int = 3
    rounds: int = 2

    def __post_init__(self) -> None:
        if not 0.0 < self.unknown_share <= 1.0:
            raise ValueError(f"unknown_share must be in (0, 1], got {self.unknown_share}")
        if self.coarse_pixels < 1024 or not 0.0 < self.confident < 0.5:
            raise ValueError("coarse_pixels must be >= 1024 and confident in (0, 0.5)")
        if self.margin < 0 or self.rounds < 0:
            raise ValueError("margin and rounds must be >= 0")


def _disk(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


class CoarseToFine:
    """The coarse half of a scribble solve for one photo (not thread-safe).

    ``set_image`` reduces the photo once; :meth:`band_trimap` turns a scribble
    trimap into a trimap whose unknown pixels are only the transition band, and
    :meth:`widened` says where that band must grow after a fine solve.
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

    def band_trimap(self, trimap: np.ndarray, solve_coarse: Solve) -> np.ndarray:
        """The derived trimap: the strokes, the confidently-known pixels of the coarse
        solve, and the transition band unknown.  ``solve_coarse`` solves a trimap of
        the reduced photo (uint8 h x w) and may raise to cancel."""
        small = self._small
        h, w = small.shape[:2]
        small_alpha = solve_coarse(reduce_trimap(trimap, (w, h)))
        alpha = guided_upsample(small_alpha, small, self._image)
        c = self.settings.confident
        uncertain = ((alpha > c) & (alpha < 1.0 - c)).view(np.uint8)
        grow = int(math.ceil(self.scale)) + self.settings.margin
        band = cv2.dilate(uncertain, _disk(grow)).astype(bool)
        derived = np.where(alpha >= 0.5, FOREGROUND, BACKGROUND).astype(np.uint8)
        derived[band] = UNKNOWN
        known = trimap != UNKNOWN
        derived[known] = trimap[known]               # the strokes stay exactly
        log.debug("scribbles: coarse %dx%d (x%.1f), band %.1f%% of the photo", w, h,
                  self.scale, 100.0 * np.count_nonzero(derived == UNKNOWN) / derived.size)
        return derived

    def widened(self, derived: np.ndarray, alpha: np.ndarray,
                trimap: np.ndarray) -> np.ndarray | None:
        """``derived`` with its band grown where the fine ``alpha`` shows it was too
        narrow, or None when it was wide enough."""
        band = derived == UNKNOWN
        fixed_fg = (derived == FOREGROUND) & (trimap == UNKNOWN)
        fixed_bg = (derived == BACKGROUND) & (trimap == UNKNOWN)
        near_fg = cv2.dilate(fixed_fg.view(np.uint8), _disk(1)).astype(bool)
        near_bg = cv2.dilate(fixed_bg.view(np.uint8), _disk(1)).astype(bool)
        wrong = band & ((near_fg & (alpha < 0.75)) | (near_bg & (alpha > 0.25)))
        if not wrong.any():
            return None
        grow = 2 * (int(math.ceil(self.scale)) + self.settings.margin)
        extra = cv2.dilate(wrong.view(np.uint8), _disk(grow)).astype(bool)
        extra &= trimap == UNKNOWN                   # the strokes stay known
        out = derived.copy()
        out[extra] = UNKNOWN
        log.debug("scribbles: band widened at %d border pixels", int(wrong.sum()))
        return out
