"""Fast preview mattes: solve at reduced resolution, upsample edge-aware (no Qt).

A closed-form solve of a 12 MP photo takes minutes; the same solve with the
long side at ~320 px takes seconds at most.  The small alpha is brought back
to full size with the fast guided filter (He & Sun 2015): the coefficients
of matteditor.guided_filter (colour guide, box filters, since cv2.ximgproc
is not in the headless OpenCV wheel) are fitted on the small image and
upsampled, so edges follow the full-resolution photo.

The trimap reduction keeps thin scribbles (a reduced pixel is known when a
quarter of it was painted), which is what sparse strokes in the editor need.
The reduced photo is computed once per photo (:meth:`PreviewSolver.set_image`),
and the engine session that solves it is the solver's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .engines.base import CancelToken, Engine, ProgressFn
from .geometry import Rect
from .guided_filter import guided_upsample, upsample_into, upsampling_coefficients
from .trimap import UNKNOWN, clamp_to_trimap, reduce_trimap, reduce_trimap_into

# Below this share of unknown pixels the upsampling is evaluated at the unknown
# pixels only (the rest is known and exact); above it, densely.
SPARSE_UNKNOWN = 0.4
#: A change of the small solve's coefficients that moves no full-size alpha by more
#: than this (half an 8-bit level) is not redrawn.  Solvers with non-local terms
#: (information-flow) move the whole band a little after any stroke; redrawing all
#: of it doubled the upsampling's time.  What is shown is remembered, so skipped
#: changes do not add up: the preview stays within two such steps of its solve.
REDRAW_TOLERANCE = 0.5 / 255


def preview_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    """(w, h) with the long side at most ``max_side``, aspect kept."""
    f = min(1.0, max_side / max(width, height))
    return max(1, round(width * f)), max(1, round(height * f))


@dataclass
class _Shown:
    """The last preview made, to redo only what a new request changes."""

    coef: np.ndarray     # the small image's guided-filter coefficients, as drawn
    trimap: np.ndarray   # the reduced trimap solved
    alpha: np.ndarray    # the full-size result (handed to the UI: never written again)


class PreviewSolver:
    """Reduced-resolution solves of one photo with its own engine session.

    After the first preview, the next one is recomputed at full size only where
    it can differ: the pixels whose interpolated coefficients changed (the small
    solve moves only near a local stroke) and the region whose trimap changed
    (the caller says which); the rest is copied.  On a 12 MP photo this is what
    keeps stroke-to-preview near the small solve's own time.
    """

    def __init__(self, engine: Engine, max_side: int = 320) -> None:
        self.engine = engine
        self.max_side = max_side
        self._image: np.ndarray | None = None
        self._shown: _Shown | None = None

    @property
    def image(self) -> np.ndarray | None:
        """The full-size photo (None before :meth:`set_image`)."""
        return self._image

    def forget(self) -> None:
        """Forget the last preview: the next one is computed whole."""
        self._shown = None

    @staticmethod
    def worthwhile(image: np.ndarray, max_side: int) -> bool:
        """True if the photo is big enough for a preview to come much sooner."""
        return max(image.shape[:2]) > 1.25 * max_side

    def set_image(self, image: np.ndarray) -> None:
        """Start on ``image`` (float32 H x W x 3): reduce it once, set the engine's session."""
        h, w = image.shape[:2]
        self._image = image
        self.engine.set_image(cv2.resize(image, preview_size(w, h, self.max_side),
                                         interpolation=cv2.INTER_AREA))
        self._shown = None

    def _redo_box(self, coef: np.ndarray, changed: Rect | None, shape: tuple[int, int]
                  ) -> tuple[Rect, np.ndarray]:
        """Full-size region to recompute against the last preview, and the coefficients
        drawn once it is (the new ones where they moved beyond REDRAW_TOLERANCE)."""
        h, w = shape
        if changed is None:
            return Rect(0, 0, w, h), coef
        # a full-size alpha is image . A + B interpolated between four small pixels, the
        # image in [0, 1]: it moves by at most the largest |dA|_1 + |dB| among them
        delta = np.abs(coef - self._shown.coef).sum(axis=2)
        moved = delta > REDRAW_TOLERANCE
        small = Rect.of_mask(moved.view(np.uint8))
        drawn = np.where(moved[..., None], coef, self._shown.coef)
        box = changed
        if not small.empty:
            # pixel X reads the coefficients at floor(s) and floor(s) + 1,
            # s = (X + 0.5) * w_small / w - 0.5: widen by one small pixel and a margin
            fx, fy = w / coef.shape[1], h / coef.shape[0]
            grown = Rect(small.x0 - 1, small.y0 - 1, small.x1 + 1, small.y1 + 1)
            box = grown.scaled(fx, fy, w, h).grow(3, w, h).union(changed)
        return box, drawn

    def solve(self, trimap: np.ndarray, changed: Rect | None, *, progress: ProgressFn,
              cancel: CancelToken) -> np.ndarray:
        """Full-size float32 H x W alpha from a reduced solve, exact where known.

        ``changed``: where ``trimap`` differs from the last preview's (None: not known)."""
        image = self._image
        small = self.engine.image
        h, w = small.shape[:2]
        if self._shown is not None and changed is not None:
            small_trimap = self._shown.trimap.copy()
            reduce_trimap_into(trimap, small_trimap, changed)
        else:
            small_trimap = reduce_trimap(trimap, (w, h))
        alpha_small = self.engine.predict(small_trimap, progress=progress, cancel=cancel).alpha
        cancel.raise_if_cancelled()
        coef = upsampling_coefficients(alpha_small, small)
        full = Rect(0, 0, trimap.shape[1], trimap.shape[0])
        box, drawn = ((full, coef) if self._shown is None
                      else self._redo_box(coef, changed, trimap.shape))
        if box.empty:
            self._shown = _Shown(drawn, small_trimap, self._shown.alpha)
            return self._shown.alpha
        if box == full and np.count_nonzero(small_trimap == UNKNOWN) >= SPARSE_UNKNOWN * small_trimap.size:
            # mostly unknown (sparse scribbles): dense upsampling is cheaper
            alpha = guided_upsample(alpha_small, small, image)
            alpha = clamp_to_trimap(alpha, trimap)
        else:
            alpha = np.empty(trimap.shape, np.float32) if box == full else self._shown.alpha.copy()
            upsample_into(coef, image, trimap, alpha, box)
        self._shown = _Shown(coef if box == full else drawn, small_trimap, alpha)
        return alpha
