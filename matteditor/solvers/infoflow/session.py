"""Information-flow matting of one image, solve after solve.

:class:`InfoFlowSession` keeps what depends on the image only (the feature
image, patch statistics when patch trimming is on) across solves, so that a
new trimap (a stroke in the editor) does not redo it, and the alpha of every
tile whose trimap did not change.

Tiles: the unknown pixels fall into groups (connected parts of the band,
grown by the matting window); each group, with the known pixels within
``search_margin`` of it, is solved on its own (:func:`matteditor.tiling.
unknown_tiles` gives the boxes), so memory follows the largest group rather
than the picture.  Neighbour searches look only inside the group's tile, which
is the reach within which a pixel's colour-mixture and known-to-unknown
neighbours are taken (see :class:`.settings.InfoFlowSettings`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from ...errors import EngineError, TrimapError
from ...geometry import Rect
from ..tiles import unknown_tiles
from ...trimap import FOREGROUND, UNKNOWN, check_trimap
from .flows import TilePixels
from .settings import InfoFlowSettings
from .system import build_tile_system, solve_tile
from .trimming import edge_trim, patch_statistics, patch_trim, transparency_score

log = logging.getLogger(__name__)

Hook = Callable[[float], None]


@dataclass(frozen=True)
class InfoFlowReport:
    """What the last :meth:`InfoFlowSession.solve` did."""

    tiles: int
    solved_tiles: int
    solved_pixels: int
    iterations: int               # CG iterations, summed over the solved tiles
    transparency_score: float
    known_to_unknown: bool        # whether that flow was used (transparency test)
    trimmed_pixels: int


class _ImageWork:
    """Image-only work, computed once per image: the features of every pixel
    ([r, g, b, x/W, y/H], float32 H x W x 5) and, on first use, 3x3 patch statistics."""

    def __init__(self, image: np.ndarray) -> None:
        h, w = image.shape[:2]
        self.features = np.empty((h, w, 5), np.float32)
        self.features[..., :3] = image
        self.features[..., 3] = (np.arange(w, dtype=np.float32) / max(1, w - 1))[None, :]
        self.features[..., 4] = (np.arange(h, dtype=np.float32) / max(1, h - 1))[:, None]
        self._patches: tuple[np.ndarray, np.ndarray] | None = None
        self.patch_builds = 0

    def patches(self) -> tuple[np.ndarray, np.ndarray]:
        if self._patches is None:
            self._patches = patch_statistics(self.features[..., :3])
            self.patch_builds += 1
        return self._patches


class InfoFlowSession:
    """Information-flow solves of one image; not thread-safe (one worker owns it)."""

    def __init__(self, settings: InfoFlowSettings = InfoFlowSettings(), tiled: bool = True) -> None:
        """``tiled``: solve each group of unknown pixels on its own (False: all in one
        system, neighbours then searched across groups; for tests and measurements)."""
        self.settings = settings
        self.tiled = tiled
        self._image: np.ndarray | None = None
        self._work: _ImageWork | None = None
        self.image_builds = 0          # how many times image-only work was done
        self.last_report: InfoFlowReport | None = None
        self.reset()

    @property
    def image(self) -> np.ndarray | None:
        return self._image

    @property
    def image_work(self) -> _ImageWork | None:
        return self._work

    def reset(self) -> None:
        """Forget the previous solves' alpha (the image and its cached work stay)."""
        self._trimap: np.ndarray | None = None
        self._alpha: np.ndarray | None = None
        self._tiles: frozenset[Rect] = frozenset()
        self._use_ku: bool | None = None

    def set_image(self, image: np.ndarray) -> None:
        """Start over on ``image``: float32 H x W x 3 RGB in [0, 1] (copied)."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise TrimapError(f"image must be H x W x 3, got shape {image.shape}")
        if not np.all(np.isfinite(image)):
            raise TrimapError("the image holds NaN or infinite values")
        self._image = np.clip(np.asarray(image, np.float32), 0.0, 1.0).copy()
        self._work = _ImageWork(self._image)
        self.image_builds += 1
        self.reset()

    def solve(self, trimap: np.ndarray, hook: Hook | None = None) -> np.ndarray:
        """Alpha (float32 H x W in [0, 1], exactly 0 / 1 where the trimap is known).

        Args:
            trimap: uint8 H x W in {0, 128, 255}.
            hook: called with the fraction done between steps; may raise (e.g.
                :class:`~matteditor.errors.Cancelled`) to stop, the session then
                keeping its previous state.
        """
        if self._image is None:
            raise EngineError("no image set; call set_image() first")
        check_trimap(trimap, self._image.shape[:2])
        hook = hook or (lambda f: None)
        s = self.settings
        h, w = trimap.shape
        if not ((trimap == 0) | (trimap == 255)).any():
            raise TrimapError("the trimap has no foreground or background pixels; "
                              "paint at least one of each")
        alpha = (trimap == FOREGROUND).astype(np.float32)
        score = transparency_score(self._image, trimap, s.search_margin)
        use_ku = s.ku_weight > 0 and not (s.transparency_test
                                          and score < s.transparency_threshold)
        soft = self._trim(trimap)
        tiles = (unknown_tiles(trimap, s.radius, s.search_margin) if self.tiled
                 else ([Rect(0, 0, w, h)] if (trimap == UNKNOWN).any() else []))
        todo = []
        for tile in tiles:
            rows, cols = tile.slices
            if (self._trimap is not None and use_ku == self._use_ku and tile in self._tiles
                    and np.array_equal(self._trimap[rows, cols], trimap[rows, cols])):
                alpha[rows, cols] = self._alpha[rows, cols]
            else:
                todo.append(tile)
        sizes = [int((trimap[t.slices] == UNKNOWN).sum()) for t in todo]
        total = max(1, sum(sizes))
        done, iterations = 0, 0
        hook(0.0)
        for tile, size in zip(todo, sizes):
            def sub(f: float, start=done, size=size) -> None:
                hook(0.99 * (start + f * size) / total)

            iterations += self._solve_tile(tile, trimap, soft, use_ku, alpha, sub)
            done += size
        log.debug("information flow: %d tiles, %d solved (%d px, %d CG iterations), "
                  "transparency %.3f%s", len(tiles), len(todo), done, iterations, score,
                  "" if use_ku else " (known-to-unknown off)")
        self._trimap, self._alpha = trimap.copy(), alpha
        self._tiles, self._use_ku = frozenset(tiles), use_ku
        self.last_report = InfoFlowReport(len(tiles), len(todo), done, iterations, score, use_ku,
                                          int(np.isfinite(soft).sum()))
        hook(1.0)
        return alpha.copy()

    def _trim(self, trimap: np.ndarray) -> np.ndarray:
        """float32 H x W trimming targets (NaN: none), from the enabled trimmings."""
        s = self.settings
        soft = np.full(trimap.shape, np.nan, np.float32)
        if s.patch_trimming:
            mean, cov = self._work.patches()
            soft = patch_trim(mean, cov, trimap, s.search_margin)
        if s.edge_trimming:
            edge = edge_trim(self._image, trimap)
            soft = np.where(np.isnan(soft), edge, soft)
        return soft

    def _solve_tile(self, tile: Rect, trimap: np.ndarray, soft: np.ndarray, use_ku: bool,
                    alpha: np.ndarray, hook: Hook) -> int:
        """Solve one tile into ``alpha``; returns the CG iterations."""
        s = self.settings
        rows, cols = tile.slices
        tri = trimap[rows, cols]
        unknown = tri == UNKNOWN
        ys, xs = np.nonzero(unknown)
        reach = np.ones((2 * s.search_margin + 1,) * 2, np.uint8)
        near = (cv2.dilate(unknown.astype(np.uint8), reach) > 0) & ~unknown
        ky, kx = np.nonzero(near)
        features = self._work.features[rows, cols]
        picked = np.concatenate([features[ys, xs], features[ky, kx]])
        pixels = TilePixels(np.ascontiguousarray(picked[:, :3]), np.ascontiguousarray(picked[:, 3:]),
                            (tri[ky, kx] == FOREGROUND).astype(np.float64), len(ys))
        system = build_tile_system(self._image[rows, cols], tri, pixels,
                                   soft[rows, cols][ys, xs].astype(np.float64), s, use_ku,
                                   lambda f: hook(0.4 * f))
        del picked, pixels          # ~60 MB on a 1 M pixel band, not held through the factor
        x, iterations = solve_tile(system, ys, xs, tri.shape, s, lambda f: hook(0.4 + 0.6 * f))
        if not np.all(np.isfinite(x)):
            raise EngineError("information-flow matting did not converge on this trimap; "
                              "try widening the known regions or another engine")
        alpha[rows, cols][ys, xs] = np.clip(x, 0.0, 1.0)
        return iterations
