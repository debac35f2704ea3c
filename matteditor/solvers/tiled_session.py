"""Solve only what needs solving: closed-form solves of the independent tiles
around the unknown region (:mod:`.tiles` says why they are independent), and
incremental solves that reuse the tiles a trimap change did not touch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import TrimapError
from ..geometry import Rect
from ..trimap import FOREGROUND, UNKNOWN, check_trimap
from .closed_form import CFSettings, Problem, solve_closed_form
from .tiles import unknown_tiles

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SolveReport:
    """What the last :meth:`SolveSession.solve` did."""

    tiles: int
    solved_tiles: int        # tiles (re)solved, in full or locally
    solved_pixels: int
    local_tiles: int = 0     # of which solved only around the edit (approximate)


class SolveSession:
    """Closed-form solves of one image that reuse unchanged tiles.

    ``set_image`` once, then ``solve(trimap)`` after each edit: tiles whose
    rectangle and trimap content are those of the previous solve keep their
    previous alpha (bit for bit); the others are solved together, starting
    from the previous alpha where there is one.  Not thread-safe: one worker
    owns a session.

    One unknown band around a subject is one tile, so by default an edit
    anywhere re-solves all of it.  With ``local_margin`` set, a changed tile
    much larger than the edit is re-solved only within ``local_margin``
    pixels of the edit's bounding box, the previous alpha fixed around it:
    fast, and not bit-identical to a full solve (the change of alpha beyond
    the margin is dropped); :meth:`refine` then re-solves those tiles whole.

    Args:
        settings: solver settings.
        device: torch device name.
        margin: tile margin (see :func:`unknown_tiles`).
        local_margin: see above; None (default) for exact solves only.
    """

    def __init__(self, settings: CFSettings = CFSettings(), device: str = "cpu",
                 margin: int | None = None, local_margin: int | None = None) -> None:
        if local_margin is not None and local_margin < 0:
            raise ValueError(f"local_margin must be >= 0, got {local_margin}")
        self.settings = settings
        self.device = device
        self.margin = margin
        self.local_margin = local_margin
        self._image: np.ndarray | None = None
        self.last_report: SolveReport | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the previous solve (the image stays)."""
        self._trimap: np.ndarray | None = None
        self._alpha: np.ndarray | None = None
        self._tiles: frozenset[Rect] = frozenset()
        self._approximate: frozenset[Rect] = frozenset()   # tiles last solved locally

    @property
    def image(self) -> np.ndarray | None:
        return self._image

    def set_image(self, image: np.ndarray) -> None:
        """Start over on ``image`` (float32 H x W x 3 in [0, 1]; copied)."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise TrimapError(f"image must be H x W x 3, got shape {image.shape}")
        self._image = np.array(image, dtype=np.float32, copy=True)
        self.reset()

    def solve(self, trimap: np.ndarray, hook: Callable[[float], None] | None = None,
              changed: Rect | None = None) -> np.ndarray:
        """Alpha for ``trimap`` (uint8 H x W in {0, 128, 255}); float32 H x W in [0, 1].

        ``hook(fraction)`` is called while solving and may raise (e.g.
        Cancelled) to stop; the session then keeps its previous state.
        ``changed``: where the trimap differs from the previous solve's (the
        caller knows it: the document records every edit's rectangle); with
        ``local_margin`` set, the tiles it falls in are solved only around it.
        """
        if self._image is None:
            raise TrimapError("no image set; call set_image() first")
        check_trimap(trimap, self._image.shape[:2])
        r = self.settings.radius
        h, w = trimap.shape
        if min(h, w) <= 2 * r:
            raise TrimapError(f"the image ({w}x{h}) is too small for closed-form matting; "
                              f"both sides must exceed {2 * r} pixels")
        tiles = unknown_tiles(trimap, r, self.margin)
        unknown = trimap == UNKNOWN
        alpha = (trimap == FOREGROUND).astype(np.float32)
        solve = np.zeros_like(unknown)
        dirty = local = 0
        approximate = set()
        edit = self._edit_region(changed, trimap.shape)
        for tile in tiles:
            rows, cols = tile.slices
            if (self._trimap is not None and tile in self._tiles
                    and np.array_equal(self._trimap[rows, cols], trimap[rows, cols])):
                alpha[rows, cols] = self._alpha[rows, cols]
                if tile in self._approximate:
                    approximate.add(tile)
                continue
            dirty += 1
            region = edit.intersect(tile) if edit is not None else None
            if region is not None and 2 * region.area < tile.area:
                # outside the region the trimap is unchanged, so pixels unknown
                # now were unknown before and hold a solved alpha
                alpha[rows, cols] = np.where(unknown[rows, cols], self._alpha[rows, cols],
                                             alpha[rows, cols])
                solve[region.slices] = unknown[region.slices]
                local += 1
                approximate.add(tile)
            else:
                solve[rows, cols] = unknown[rows, cols]
        n_solve = int(solve.sum())
        if n_solve:
            x0 = None
            if self._alpha is not None:
                was_unknown = self._trimap[solve] == UNKNOWN
                if was_unknown.mean() >= 0.5:   # mostly re-solving: warm start beats coarse-to-fine
                    x0 = np.where(solve, self._alpha, alpha)
            alpha = solve_closed_form(Problem(self._image, alpha, solve), self.settings,
                                      self.device, x0=x0, hook=hook)
        log.debug("solve: %d tiles, %d solved (%d pixels)", len(tiles), dirty, n_solve)
        self._trimap = trimap.copy()
        self._alpha = alpha
        self._tiles = frozenset(tiles)
        self._approximate = frozenset(approximate)
        self.last_report = SolveReport(len(tiles), dirty, n_solve, local)
        return alpha.copy()

    @property
    def approximate(self) -> bool:
        """Whether some tiles of the last alpha come from local solves (see :meth:`refine`)."""
        return bool(self._approximate)

    def refine(self, hook: Callable[[float], None] | None = None) -> np.ndarray | None:
        """Re-solve whole the tiles last solved only around an edit.

        Returns the alpha a session without ``local_margin`` would have given
        for the last trimap (float32 H x W), or None when nothing was approximate.
        ``hook`` as in :meth:`solve`; a cancelled refinement keeps the state.
        """
        if not self._approximate or self._alpha is None:
            return None
        unknown = self._trimap == UNKNOWN
        solve = np.zeros_like(unknown)
        for tile in self._approximate:
            solve[tile.slices] = unknown[tile.slices]
        alpha = solve_closed_form(Problem(self._image, self._alpha, solve), self.settings,
                                  self.device, x0=self._alpha, hook=hook)
        refined = len(self._approximate)
        log.debug("refine: %d tiles (%d pixels)", refined, int(solve.sum()))
        self._alpha = alpha
        self._approximate = frozenset()
        self.last_report = SolveReport(len(self._tiles), refined, int(solve.sum()))
        return alpha.copy()

    def _edit_region(self, changed: Rect | None, shape: tuple[int, int]) -> Rect | None:
        """``changed`` grown by ``local_margin`` (None: no local solves)."""
        if self.local_margin is None or self._trimap is None or changed is None or changed.empty:
            return None
        h, w = shape
        return changed.grow(self.local_margin, w, h)
