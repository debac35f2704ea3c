"""Solve only what needs solving: closed-form solves of the independent tiles
around the unknown region (:mod:`.tiles` says why they are independent), and
incremental solves that reuse the tiles a trimap change did not touch (planned
by :class:`.incremental.TileCache`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import TrimapError
from ..geometry import Rect
from ..trimap import UNKNOWN, check_trimap
from .closed_form import CFSettings, Problem, solve_closed_form
from .incremental import TileCache
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
        self._cache = TileCache(local_margin)
        self.settings = settings
        self.device = device
        self.margin = margin
        self._image: np.ndarray | None = None
        self.last_report: SolveReport | None = None

    def reset(self) -> None:
        """Forget the previous solve (the image stays)."""
        self._cache.reset()

    @property
    def local_margin(self) -> int | None:
        return self._cache.local_margin

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
        plan = self._cache.plan(trimap, tiles, changed)
        alpha = plan.alpha
        solve = plan.mask()
        n_solve = int(solve.sum())
        previous_trimap, previous_alpha = self._cache.trimap, self._cache.alpha
        if n_solve:
            x0 = None
            if previous_alpha is not None:
                was_unknown = previous_trimap[solve] == UNKNOWN
                if was_unknown.mean() >= 0.5:   # mostly re-solving: warm start beats coarse-to-fine
                    x0 = np.where(solve, previous_alpha, alpha)
            alpha = solve_closed_form(Problem(self._image, alpha, solve), self.settings,
                                      self.device, x0=x0, hook=hook)
        log.debug("solve: %d tiles, %d solved (%d pixels)", len(tiles), len(plan.jobs), n_solve)
        self._cache.commit(plan, alpha)
        self.last_report = SolveReport(len(tiles), len(plan.jobs), n_solve, plan.local_jobs)
        return alpha.copy()

    @property
    def approximate(self) -> bool:
        """Whether some tiles of the last alpha come from local solves (see :meth:`refine`)."""
        return self._cache.approximate

    def refine(self, hook: Callable[[float], None] | None = None) -> np.ndarray | None:
        """Re-solve whole the tiles last solved only around an edit.

        Returns the alpha a session without ``local_margin`` would have given
        for the last trimap (float32 H x W), or None when nothing was approximate.
        ``hook`` as in :meth:`solve`; a cancelled refinement keeps the state.
        """
        plan = self._cache.refine_plan()
        if plan is None:
            return None
        solve = plan.mask()
        alpha = solve_closed_form(Problem(self._image, plan.alpha, solve), self.settings,
                                  self.device, x0=plan.alpha, hook=hook)
        log.debug("refine: %d tiles (%d pixels)", len(plan.jobs), int(solve.sum()))
        self._cache.commit(plan, alpha)
        self.last_report = SolveReport(len(plan.tiles), len(plan.jobs), int(solve.sum()))
        return alpha.copy()
