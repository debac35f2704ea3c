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
from ..factorise import uses_direct
from ..incremental import Job, TileCache
from ..tiles import unknown_tiles
from ...trimap import FOREGROUND, UNKNOWN, check_trimap
from .flows import TilePixels
from .settings import InfoFlowSettings
from .system import build_tile_system, solve_tile
from .trimming import edge_trim, looks_see_through, patch_statistics, patch_trim

log = logging.getLogger(__name__)

Hook = Callable[[float], None]


@dataclass(frozen=True)
class InfoFlowReport:
    """What the last :meth:`InfoFlowSession.solve` did."""

    tiles: int
    solved_tiles: int
    solved_pixels: int
    iterations: int               # CG iterations of the factorized path (0: matrix-free)
    transparency_score: float
    known_to_unknown: bool        # whether that flow was used (transparency test)
    trimmed_pixels: int
    local_tiles: int = 0          # of the solved tiles, those solved only around the edit


class _ImageWork:
    """Image-only work, computed once per image: 3x3 patch statistics, on first use.

    A pixel's features are [r, g, b, x/W, y/H] (:meth:`features`); they are not
    stored for the whole image (5 floats a pixel: 240 MB on 12 MP) but gathered
    for the pixels a tile picks."""

    def __init__(self, image: np.ndarray) -> None:
        self.image = image
        self._patches: tuple[np.ndarray, np.ndarray] | None = None
        self.patch_builds = 0

    def features(self, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
        """float32 len(ys) x 5 features of the pixels at (ys, xs) of the whole image."""
        h, w = self.image.shape[:2]
        out = np.empty((len(ys), 5), np.float32)
        out[:, :3] = self.image[ys, xs]
        out[:, 3] = xs / np.float32(max(1, w - 1))
        out[:, 4] = ys / np.float32(max(1, h - 1))
        return out

    def patches(self) -> tuple[np.ndarray, np.ndarray]:
        if self._patches is None:
            self._patches = patch_statistics(self.image)
            self.patch_builds += 1
        return self._patches


class InfoFlowSession:
    """Information-flow solves of one image; not thread-safe (one worker owns it).

    With ``local_margin`` set, a solve told where the trimap changed (``changed``)
    re-solves a changed tile much larger than the edit only within ``local_margin``
    of it, the unknown pixels around held at their previous alpha (the
    editor's quick first answer, as fast-cf's :class:`~matteditor.solvers.
    tiled_session.SolveSession` does; both plan with :class:`~matteditor.solvers.
    incremental.TileCache`); :meth:`refine` then solves those tiles whole.
    """

    def __init__(self, settings: InfoFlowSettings = InfoFlowSettings(), tiled: bool = True,
                 local_margin: int | None = None, device: str = "cpu") -> None:
        """``tiled``: solve each group of unknown pixels on its own (False: all in one
        system, neighbours then searched across groups; for tests and measurements).
        ``device``: where the matrix-free path runs (see ``InfoFlowSettings.method``)."""
        self._cache = TileCache(local_margin)
        self.settings = settings
        self.tiled = tiled
        self.device = device
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

    @property
    def local_margin(self) -> int | None:
        return self._cache.local_margin

    @property
    def approximate(self) -> bool:
        """Whether some tiles of the last alpha come from local solves (see :meth:`refine`)."""
        return self._cache.approximate

    def reset(self) -> None:
        """Forget the previous solves' alpha (the image and its cached work stay)."""
        self._cache.reset()
        self._soft: np.ndarray | None = None

    def set_image(self, image: np.ndarray) -> None:
        """Start over on ``image``: float32 H x W x 3 RGB in [0, 1] (not copied when
        already so: the caller never changes it in place)."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise TrimapError(f"image must be H x W x 3, got shape {image.shape}")
        if not np.all(np.isfinite(image)):
            raise TrimapError("the image holds NaN or infinite values")
        image = np.asarray(image, np.float32)
        # kept, not copied, when already in range (the engine's photo: 144 MB on 12 MP);
        # callers never change it in place
        self._image = (image if image.flags.c_contiguous and image.min() >= 0.0
                       and image.max() <= 1.0 else np.clip(image, 0.0, 1.0))
        self._work = _ImageWork(self._image)
        self.image_builds += 1
        self.reset()

    def solve(self, trimap: np.ndarray, hook: Hook | None = None,
              changed: Rect | None = None) -> np.ndarray:
        """Alpha (float32 H x W in [0, 1], exactly 0 / 1 where the trimap is known).

        Args:
            trimap: uint8 H x W in {0, 128, 255}.
            hook: called with the fraction done between steps; may raise (e.g.
                :class:`~matteditor.errors.Cancelled`) to stop, the session then
                keeping its previous state.
            changed: where ``trimap`` differs from the previous solve's; with
                ``local_margin`` set, the changed tiles are solved only around it.
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
        unknown = trimap == UNKNOWN
        score, see_through = looks_see_through(self._image, trimap, s)
        use_ku = s.ku_weight > 0 and not (s.transparency_test and see_through)
        soft = self._trim(trimap)
        tiles = (unknown_tiles(trimap, s.radius, s.search_margin) if self.tiled
                 else ([Rect(0, 0, w, h)] if unknown.any() else []))
        # a change of the known-to-unknown flow changes every tile: nothing is reused
        plan = self._cache.plan(trimap, tiles, changed, key=use_ku)
        alpha = plan.alpha
        sizes = [int(unknown[job.solved.slices].sum()) for job in plan.jobs]
        iterations = self._solve_all(plan.jobs, sizes, trimap, soft, use_ku, alpha, hook)
        log.debug("information flow: %d tiles, %d solved (%d locally; %d px, %d CG iterations), "
                  "transparency %.3f%s", len(tiles), len(plan.jobs), plan.local_jobs,
                  sum(sizes), iterations, score, "" if use_ku else " (known-to-unknown off)")
        self._cache.commit(plan, alpha)
        self._soft = soft
        self.last_report = InfoFlowReport(len(tiles), len(plan.jobs), sum(sizes), iterations,
                                          score, use_ku,
                                          0 if soft is None else int(np.isfinite(soft).sum()),
                                          plan.local_jobs)
        hook(1.0)
        return alpha.copy()

    def refine(self, hook: Hook | None = None) -> np.ndarray | None:
        """Solve whole the tiles the last :meth:`solve` answered only around the edit.

        Returns the alpha a session without ``local_margin`` gives for the last
        trimap (float32 H x W), or None when nothing was approximate.  ``hook`` as
        in :meth:`solve`; a cancelled refinement keeps the state.
        """
        plan = self._cache.refine_plan()
        if plan is None:
            return None
        hook = hook or (lambda f: None)
        trimap, alpha, use_ku = plan.trimap, plan.alpha, plan.key
        sizes = [int((trimap[job.tile.slices] == UNKNOWN).sum()) for job in plan.jobs]
        iterations = self._solve_all(plan.jobs, sizes, trimap, self._soft, use_ku, alpha, hook,
                                     warm=True)
        log.debug("information flow: refined %d tiles (%d px, %d CG iterations)", len(plan.jobs),
                  sum(sizes), iterations)
        self._cache.commit(plan, alpha)
        report = self.last_report
        self.last_report = InfoFlowReport(len(plan.tiles), len(plan.jobs), sum(sizes), iterations,
                                          report.transparency_score, use_ku,
                                          report.trimmed_pixels, 0)
        hook(1.0)
        return alpha.copy()

    def _solve_all(self, jobs: tuple[Job, ...], sizes: list[int],
                   trimap: np.ndarray, soft: np.ndarray | None, use_ku: bool, alpha: np.ndarray,
                   hook: Hook, warm: bool = False) -> int:
        """Solve each job into ``alpha``; the CG iterations, summed."""
        total = max(1, sum(sizes))
        done, iterations = 0, 0
        hook(0.0)
        for job, size in zip(jobs, sizes):
            def sub(f: float, start=done, size=size) -> None:
                hook(0.99 * (start + f * size) / total)

            iterations += self._solve_box(job.tile, job.region, trimap, soft, use_ku, alpha, sub,
                                          warm)
            done += size
        return iterations

    def _matrix_free(self) -> bool:
        """Whether tiles are solved by the matrix-free torch path (``settings.method``; the
        closed-form solver's choice, :func:`~matteditor.solvers.factorise.uses_direct`)."""
        return not uses_direct(self.settings.method, self.device)

    def _trim(self, trimap: np.ndarray) -> np.ndarray | None:
        """float32 H x W trimming targets (NaN: none), from the enabled trimmings; None
        when both are off (no 48 MB array of NaN on 12 MP)."""
        s = self.settings
        if not (s.patch_trimming or s.edge_trimming):
            return None
        soft = np.full(trimap.shape, np.nan, np.float32)
        if s.patch_trimming:
            mean, cov = self._work.patches()
            soft = patch_trim(mean, cov, trimap, s.search_margin)
        if s.edge_trimming:
            edge = edge_trim(self._image, trimap)
            soft = np.where(np.isnan(soft), edge, soft)
        return soft

    def _solve_box(self, tile: Rect, region: Rect | None, trimap: np.ndarray,
                   soft: np.ndarray | None,
                   use_ku: bool, alpha: np.ndarray, hook: Hook, warm: bool = False) -> int:
        """Solve the unknown pixels of ``tile`` (``region`` of it only, when given) into
        ``alpha``, which holds the values the solve keeps fixed; returns the CG iterations.

        A region's box reaches ``search_margin`` beyond it, where its pixels find their
        neighbours; the unknown pixels there stay at their alpha.  ``warm``: start
        from ``alpha`` (refining a local answer) rather than from the preconditioner.
        """
        s = self.settings
        h, w = trimap.shape
        box = tile if region is None else region.grow(s.search_margin, w, h).intersect(tile)
        rows, cols = box.slices
        tri = trimap[rows, cols]
        unknown = tri == UNKNOWN
        if region is not None:
            inside = np.zeros_like(unknown)
            inside[region.y0 - box.y0:region.y1 - box.y0, region.x0 - box.x0:region.x1 - box.x0] = True
            unknown &= inside
        if not unknown.any():
            return 0
        ys, xs = np.nonzero(unknown)
        reach = np.ones((2 * s.search_margin + 1,) * 2, np.uint8)
        near = (cv2.dilate(unknown.astype(np.uint8), reach) > 0) & (tri != UNKNOWN)
        ky, kx = np.nonzero(near)
        picked = self._work.features(np.concatenate([ys, ky]) + box.y0,
                                     np.concatenate([xs, kx]) + box.x0)
        pixels = TilePixels(np.ascontiguousarray(picked[:, :3]), np.ascontiguousarray(picked[:, 3:]),
                            (tri[ky, kx] == FOREGROUND).astype(np.float64), len(ys))
        targets = (np.full(len(ys), np.nan) if soft is None
                   else soft[rows, cols][ys, xs].astype(np.float64))
        x0 = alpha[rows, cols][ys, xs] if warm else None
        if self._matrix_free():
            from .matrix_free import solve_tile_matrix_free   # loads torch

            x = solve_tile_matrix_free(self._image[rows, cols], alpha[rows, cols], unknown,
                                       pixels, targets, s, use_ku, self.device, hook, x0)
            iterations = 0
        else:
            system = build_tile_system(self._image[rows, cols], alpha[rows, cols], unknown,
                                       pixels, targets, s, use_ku, lambda f: hook(0.4 * f))
            del picked, pixels      # ~60 MB on a 1 M pixel band, not held through the factor
            x, iterations = solve_tile(system, ys, xs, tri.shape, s,
                                       lambda f: hook(0.4 + 0.6 * f), x0)
        if not np.all(np.isfinite(x)):
            raise EngineError("information-flow matting did not converge on this trimap; "
                              "try widening the known regions or another engine")
        alpha[rows, cols][ys, xs] = np.clip(x, 0.0, 1.0)
        return iterations
