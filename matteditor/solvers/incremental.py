"""Incremental tiled solves: what a new trimap takes from the previous answer.

A session solves the independent tiles around the unknown band
(:func:`.tiles.unknown_tiles`).  After an edit, :class:`TileCache` plans the
next solve:

* a tile whose rectangle and trimap content are those of the previous solve
  keeps its previous alpha, bit for bit (*reused*);
* every other tile is solved (a :class:`Job`), whole; or, with a
  ``local_margin`` and told where the trimap changed, only within
  ``local_margin`` of the edit when that covers less than half of the tile
  (the *half-area rule*), the tile's other unknown pixels held at their
  previous alpha.  Outside the edit the trimap is unchanged, so those pixels
  were unknown before and hold a solved alpha.

A local answer is approximate (the change of alpha beyond the margin is
dropped): :meth:`TileCache.refine_plan` plans the whole solve of those tiles.
The cache only plans and remembers; each session supplies its solver (the
closed-form session solves the plan's :meth:`Plan.mask` as one system,
information flow one system per job, and an engine running a network in tiles
around the band would run it over each job's :attr:`Job.solved` box).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Sequence

import numpy as np

from ..geometry import Rect
from ..trimap import FOREGROUND, UNKNOWN


@dataclass(frozen=True)
class Job:
    """One tile to solve: whole (``region`` None), or only the unknown pixels inside
    ``region`` (the edit grown by the local margin, clipped to the tile; possibly
    empty), the tile's other unknown pixels held at their previous alpha."""

    tile: Rect
    region: Rect | None = None

    @property
    def solved(self) -> Rect:
        """The box whose unknown pixels this job solves."""
        return self.tile if self.region is None else self.region


@dataclass(frozen=True)
class Plan:
    """What one solve (or refinement) does.

    trimap: uint8 H x W in {0, 128, 255}, the trimap solved for (not copied);
    tiles: every tile of that trimap, reused or solved;
    jobs: the tiles to solve, in ``tiles``' order (a refinement's: by (y0, x0));
    alpha: float32 H x W in [0, 1], the caller's to write: 0 / 1 where the trimap is
    known, the previous alpha over reused tiles and on the unknown pixels of local
    jobs' tiles (the values a local solve keeps fixed), 0 on the rest;
    approximate: the tiles whose alpha will come from local solves, planned or reused;
    key: the solve's condition (see :meth:`TileCache.plan`).
    """

    trimap: np.ndarray
    tiles: tuple[Rect, ...]
    jobs: tuple[Job, ...]
    alpha: np.ndarray
    approximate: frozenset[Rect]
    key: Hashable = None

    @property
    def local_jobs(self) -> int:
        """How many jobs solve only around the edit."""
        return sum(job.region is not None for job in self.jobs)

    def mask(self, unknown: np.ndarray | None = None) -> np.ndarray:
        """bool H x W: the unknown pixels the jobs solve.  ``unknown``: ``trimap ==
        UNKNOWN``, when the caller has it already."""
        if unknown is None:
            unknown = self.trimap == UNKNOWN
        solve = np.zeros_like(unknown)
        for job in self.jobs:
            box = job.solved.slices
            solve[box] = unknown[box]
        return solve


class TileCache:
    """The previous answer of a tiled session, and the plan of the next solve.

    ``plan`` then, once the solver succeeded, ``commit``: a solve that fails or is
    cancelled in between leaves the cache as it was.  Not thread-safe (one worker
    owns the session that owns it).

    Args:
        local_margin: how far around a changed region a tile much larger than the
            edit is solved (see the module's docstring); None: whole tiles only.
    """

    def __init__(self, local_margin: int | None = None) -> None:
        if local_margin is not None and local_margin < 0:
            raise ValueError(f"local_margin must be >= 0, got {local_margin}")
        self.local_margin = local_margin
        self.reset()

    def reset(self) -> None:
        """Forget the previous answer."""
        self._trimap: np.ndarray | None = None
        self._alpha: np.ndarray | None = None
        self._tiles: tuple[Rect, ...] = ()
        self._tile_set: frozenset[Rect] = frozenset()
        self._approximate: frozenset[Rect] = frozenset()
        self._key: Hashable = None

    @property
    def trimap(self) -> np.ndarray | None:
        """The previous answer's trimap (uint8 H x W), None before the first."""
        return self._trimap

    @property
    def alpha(self) -> np.ndarray | None:
        """The previous answer (float32 H x W in [0, 1]; not to be written), or None."""
        return self._alpha

    @property
    def tiles(self) -> tuple[Rect, ...]:
        """The previous answer's tiles."""
        return self._tiles

    @property
    def approximate(self) -> bool:
        """Whether some tiles of the previous answer come from local solves."""
        return bool(self._approximate)

    def plan(self, trimap: np.ndarray, tiles: Sequence[Rect], changed: Rect | None = None,
             key: Hashable = None) -> Plan:
        """Plan the solve of ``trimap`` (uint8 H x W in {0, 128, 255}) over ``tiles``.

        ``changed``: where ``trimap`` differs from the previous answer's (the document
        records every edit's rectangle); with ``local_margin`` set, the changed tiles
        it covers less than half of are solved only around it.  ``key``: a condition of
        the solve besides the trimap (information flow: whether the known-to-unknown
        flow is on); when it differs from the previous answer's, nothing is reused.
        """
        h, w = trimap.shape
        unknown = trimap == UNKNOWN
        alpha = (trimap == FOREGROUND).astype(np.float32)
        same = self._trimap is not None and key == self._key
        edit = (changed.grow(self.local_margin, w, h)
                if same and self.local_margin is not None and changed is not None
                and not changed.empty else None)
        jobs: list[Job] = []
        approximate = set()
        for tile in tiles:
            rows, cols = tile.slices
            if (same and tile in self._tile_set
                    and np.array_equal(self._trimap[rows, cols], trimap[rows, cols])):
                alpha[rows, cols] = self._alpha[rows, cols]
                if tile in self._approximate:
                    approximate.add(tile)
                continue
            region = edit.intersect(tile) if edit is not None else None
            if region is not None and 2 * region.area < tile.area:
                alpha[rows, cols] = np.where(unknown[rows, cols], self._alpha[rows, cols],
                                             alpha[rows, cols])
                approximate.add(tile)
                jobs.append(Job(tile, region))
            else:
                jobs.append(Job(tile))
        return Plan(trimap, tuple(tiles), tuple(jobs), alpha, frozenset(approximate), key)

    def refine_plan(self) -> Plan | None:
        """Plan the whole solve of the tiles the previous answer solved only locally,
        starting from (a copy of) that answer; None when nothing was approximate."""
        if not self._approximate or self._alpha is None:
            return None
        jobs = tuple(Job(tile) for tile in sorted(self._approximate, key=lambda t: (t.y0, t.x0)))
        return Plan(self._trimap, self._tiles, jobs, self._alpha.copy(), frozenset(), self._key)

    def commit(self, plan: Plan, alpha: np.ndarray) -> None:
        """Remember ``alpha`` (float32 H x W in [0, 1]; kept, not copied) as the answer
        to ``plan``; the trimap is copied."""
        if plan.trimap is not self._trimap:
            self._trimap = plan.trimap.copy()
        self._alpha = alpha
        self._tiles = plan.tiles
        self._tile_set = frozenset(plan.tiles)
        self._approximate = plan.approximate
        self._key = plan.key
