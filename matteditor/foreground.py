"""Foreground colour estimation (decontamination) for exported cutouts.

In a hair or fur edge the photo's colour is a mix of foreground and
background; exporting it as the cutout's RGB drags the old background along
("fringe").  We solve for the foreground colours with multi-level foreground
estimation (Germer et al. 2020, "Fast Multi-Level Foreground Estimation"),
pymatting's ``estimate_foreground_ml`` being the authors' implementation.

pymatting's call runs on a whole photo and cannot be interrupted, so the
photo is cut into :data:`TILE`-pixel tiles on a fixed grid, each solved with
:data:`CONTEXT` pixels of its surroundings and cancellation checked between
tiles.  A tile whose surroundings hold no partial alpha (all 0 or 1) keeps the
photo's colours (where alpha is 1 the method returns them to within 1e-5, where
it is 0 they are invisible).  A photo that fits in one tile gets pymatting's
answer exactly; on larger ones the tiles differ from one whole-photo solve by at
most ~0.02 in the visible colour (alpha x F, measured on the sample photo
enlarged to 2.2 MP).  :class:`ForegroundSession` keeps the last answer and, for a
new alpha, solves again only the tiles whose surroundings changed: a stroke costs
its own tiles, not the photo.
"""

from __future__ import annotations

import contextlib
import logging
import time
from typing import Iterator

import numpy as np

from .engines.base import CancelToken
from .errors import MatteError

log = logging.getLogger(__name__)

#: side of the tiles the foreground is solved in (0.3 s a tile on this project's CPUs)
TILE = 512
#: pixels of surroundings each tile is solved with
CONTEXT = 64


def _check(image: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    img = np.asarray(image)
    a = np.asarray(alpha)
    if img.ndim != 3 or img.shape[2] != 3:
        raise MatteError(f"image must be H x W x 3, got shape {img.shape}")
    if a.shape != img.shape[:2]:
        raise MatteError(f"alpha has shape {a.shape} but the image is {img.shape[:2]}; "
                         "they must be the same size")
    return img, a


@contextlib.contextmanager
def _one_kernel_thread() -> Iterator[None]:
    """numba's parallel kernels on one thread, for this thread only (numba's setting is
    thread-local).  pymatting's foreground solve is serial, but resizes each of its ~12
    levels with parallel kernels: per tile, on a busy machine, waiting for the thread
    pool made 7 tiles of a 2.4 MP photo take 4.7 s instead of 1.4 s."""
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _solve(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """pymatting's foreground of one crop: float32 h x w x 3."""
    if max(image.shape[:2]) < 2:
        # pymatting's level count is log2 of the size: zero levels divide by zero.
        # A single pixel has no neighbours to borrow colour from anyway.
        return image.copy()
    # Imported here: importing pymatting compiles numba kernels (seconds).
    from pymatting import estimate_foreground_ml

    return np.asarray(estimate_foreground_ml(image, alpha), dtype=np.float32)


class ForegroundSession:
    """The foreground colours of one photo, kept up to date with its alpha tile by tile.

    Args:
        image: float32 H x W x 3 sRGB in [0, 1] (kept, not copied: the caller
            never changes it in place).
    """

    def __init__(self, image: np.ndarray) -> None:
        self.image = np.ascontiguousarray(image, dtype=np.float32)
        self._alpha: np.ndarray | None = None        # of the last answer
        self._foreground: np.ndarray | None = None   # the last answer (never handed out)
        self.tiles_solved = 0                        # by the last update (for tests, benchmarks)

    def _tiles(self) -> list[tuple[slice, slice, slice, slice]]:
        """(rows, cols) of each tile and of its surroundings, in raster order."""
        h, w = self.image.shape[:2]
        out = []
        for y in range(0, h, TILE):
            for x in range(0, w, TILE):
                out.append((slice(y, min(h, y + TILE)), slice(x, min(w, x + TILE)),
                            slice(max(0, y - CONTEXT), min(h, y + TILE + CONTEXT)),
                            slice(max(0, x - CONTEXT), min(w, x + TILE + CONTEXT))))
        return out

    def update(self, alpha: np.ndarray, cancel: CancelToken | None = None) -> np.ndarray:
        """Foreground colours F with ``image ~= alpha * F + (1 - alpha) * B``.

        Only the tiles whose surroundings' alpha differ from the last answer's are
        solved again; when ``cancel`` is set (checked between tiles) Cancelled is
        raised and the session keeps its last answer, so the next update solves the
        cancelled one's tiles too.

        Args:
            alpha: float H x W in [0, 1].
        Returns:
            float32 H x W x 3 in [0, 1], a new array.
        """
        img, a = _check(self.image, alpha)
        a = np.ascontiguousarray(np.clip(a, 0.0, 1.0), dtype=np.float32)
        if cancel is not None:
            cancel.raise_if_cancelled()
        start = time.perf_counter()
        previous = self._alpha
        out = (self._foreground if self._foreground is not None else img).copy()
        with _one_kernel_thread():
            solved = self._update_tiles(img, a, previous, out, cancel)
        if cancel is not None:
            cancel.raise_if_cancelled()
        np.clip(out, 0.0, 1.0, out=out)
        self._alpha, self._foreground, self.tiles_solved = a, out, solved
        log.debug("foreground: %d tile(s) solved for %dx%d in %.2f s", solved, img.shape[1],
                  img.shape[0], time.perf_counter() - start)
        return out.copy()

    def _update_tiles(self, img: np.ndarray, a: np.ndarray, previous: np.ndarray | None,
                      out: np.ndarray, cancel: CancelToken | None) -> int:
        """Solve into ``out`` the tiles whose surroundings changed; how many were solved."""
        solved = 0
        for rows, cols, ctx_rows, ctx_cols in self._tiles():
            context = a[ctx_rows, ctx_cols]
            if previous is not None and np.array_equal(context, previous[ctx_rows, ctx_cols]):
                continue
            if cancel is not None:
                cancel.raise_if_cancelled()
            if ((context > 0.0) & (context < 1.0)).any():
                fg = _solve(np.ascontiguousarray(img[ctx_rows, ctx_cols]),
                            np.ascontiguousarray(context))
                inner = (slice(rows.start - ctx_rows.start, rows.stop - ctx_rows.start),
                         slice(cols.start - ctx_cols.start, cols.stop - ctx_cols.start))
                out[rows, cols] = fg[inner]
                solved += 1
            else:
                out[rows, cols] = img[rows, cols]
        return solved


def estimate_foreground(image: np.ndarray, alpha: np.ndarray, *,
                        cancel: CancelToken | None = None) -> np.ndarray:
    """Foreground colours F with ``image ~= alpha * F + (1 - alpha) * B``, solved in
    tiles (see the module's docstring; pymatting's answer on photos of one tile).

    Args:
        image: float32 H x W x 3 sRGB in [0, 1].
        alpha: float32 H x W in [0, 1].
        cancel: raises :class:`~matteditor.errors.Cancelled` when set (checked
            between tiles; a cancelled result is never returned).
    Returns:
        float32 H x W x 3 in [0, 1].  Where alpha is 1 it stays close to the
        image; where alpha is 0 it is extrapolated from nearby foreground, or the
        photo's own colour far from any partial alpha.
    """
    img, a = _check(image, alpha)
    return ForegroundSession(img).update(a, cancel)
