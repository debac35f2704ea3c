"""Classical trimap solvers, from pymatting.

pymatting is the reference implementation of closed-form matting (Levin et
al. 2008) and its kin; these classes adapt it to the engine session: the
photo's Laplacian is kept between answers, progress comes from the
conjugate-gradient residual, and cancellation happens between CG iterations
(the callback raises, which unwinds pymatting's solver).
"""

from __future__ import annotations

import abc
import logging
import math
from typing import ClassVar

import numpy as np

from ..errors import EngineError, TrimapError
from ..geometry import Rect
from ..solvers.pymatting_output import quiet_numerics, route_pymatting_output
from ..trimap import BACKGROUND, FOREGROUND, UNKNOWN, trimap_to_float
from .base import CancelToken, Engine, EngineOptions, ProgressFn

log = logging.getLogger(__name__)

CG_RTOL = 1e-7  # pymatting's default


def _need_both_labels(trimap: np.ndarray, label: str) -> None:
    # pymatting raises a bare ValueError for these; say it in the user's terms.
    if not (trimap == FOREGROUND).any() or not (trimap == BACKGROUND).any():
        raise TrimapError(f"{label} needs both foreground and background in the trimap; "
                          "paint at least one stroke of each")


class _PymattingEngine(Engine):
    """A pymatting solver as a session: the photo's Laplacian is built once (on
    the first answer) and kept, so a new trimap costs only the linear solve.

    pymatting's ``estimate_alpha_*`` functions build the Laplacian on every call;
    these classes put together the same system from pymatting's own public
    pieces (``*_laplacian``, ``make_linear_system``, ``cg``, preconditioners).
    """

    min_side: ClassVar[int] = 1  # smallest image side the solver handles

    def __init__(self, device: str = "cpu", options: EngineOptions = EngineOptions(),
                 maxiter: int = 10000) -> None:
        super().__init__(device, options)
        self.maxiter = maxiter
        self._laplacian = None

    def _set_image(self, image: np.ndarray) -> None:
        self._laplacian = None

    @abc.abstractmethod
    def _build_laplacian(self, image64: np.ndarray, trimap: np.ndarray):
        """The photo's Laplacian (kept by the session; may depend on what is unknown)."""

    def _solve(self, laplacian, trimap: np.ndarray, cg_kwargs: dict) -> np.ndarray:
        """Solve pymatting's system for ``trimap`` with ``laplacian``; float H x W."""
        import pymatting

        A, b = pymatting.make_linear_system(laplacian, trimap_to_float(trimap))
        return pymatting.cg(A, b, M=self._preconditioner(A), **cg_kwargs)

    @staticmethod
    def _preconditioner(A):
        import pymatting

        return pymatting.jacobi(A)

    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> tuple[np.ndarray, bool]:
        _need_both_labels(trimap, self.label)
        h, w = trimap.shape
        if min(h, w) < self.min_side:
            raise EngineError(f"{self.label} needs an image of at least {self.min_side}x"
                              f"{self.min_side} pixels; this one is {w}x{h}")
        target = math.log(CG_RTOL)

        def on_iteration(A, x, b, norm_b, r, norm_r) -> None:
            cancel.raise_if_cancelled()
            if norm_b > 0 and norm_r > 0:
                done = math.log(norm_r / norm_b) / target
                progress(min(0.99, max(0.0, done)), f"{self.label}: solving")

        route_pymatting_output()    # once per process: its prints go to the debug log
        try:
            with quiet_numerics():
                if self._laplacian is None or not self._laplacian_fits(trimap):
                    progress(0.0, f"{self.label}: building the Laplacian")
                    image64 = self._require_image().astype(np.float64)
                    self._laplacian = self._build_laplacian(image64, trimap)
                    cancel.raise_if_cancelled()
                x = self._solve(self._laplacian, trimap, {"callback": on_iteration,
                                                          "maxiter": self.maxiter,
                                                          "rtol": CG_RTOL})
        except ValueError as e:
            # pymatting reports a solver that did not converge (degenerate images,
            # e.g. 1 x N) with a plain ValueError.
            raise EngineError(f"{self.label} could not solve this image: {e}") from None
        cancel.raise_if_cancelled()
        return np.asarray(x, np.float32).reshape(h, w), True

    def _laplacian_fits(self, trimap: np.ndarray) -> bool:
        """Whether the kept Laplacian serves ``trimap`` (image-only ones always do)."""
        return True


class ClosedFormEngine(_PymattingEngine):
    """pymatting's ``estimate_alpha_cf``: the Laplacian's rows of the unknown
    pixels, the known ones fixed (not a soft constraint), ichol-preconditioned CG.

    pymatting builds only the windows that touch an unknown pixel; the session
    keeps that Laplacian while later trimaps' unknown pixels stay inside the
    first one's (strokes that mark unknown pixels known), and builds it again
    when the unknown region grows."""

    name = "closed-form"
    label = "Closed-form"
    description = "Closed-form matting (Levin et al. 2008), pymatting's solver"
    min_side = 3  # the Laplacian's 3x3 windows must fit

    def _build_laplacian(self, image64, trimap):
        from pymatting import cf_laplacian

        self._built_for = trimap == UNKNOWN
        return cf_laplacian(image64, is_known=~self._built_for.ravel())

    def _laplacian_fits(self, trimap):
        return not ((trimap == UNKNOWN) & ~self._built_for).any()

    def _solve(self, laplacian, trimap, cg_kwargs):
        from pymatting import cg, ichol

        unknown = (trimap == UNKNOWN).ravel()
        known = ~unknown
        rows = laplacian[unknown, :]
        L_U, R = rows[:, unknown], rows[:, known]
        x = (trimap == FOREGROUND).astype(np.float64).ravel()
        x[unknown] = cg(L_U, -R.dot(x[known]), M=ichol(L_U), **cg_kwargs)
        return x


class KnnEngine(_PymattingEngine):
    name = "knn"
    label = "KNN"
    description = "KNN matting (Chen et al. 2013), pymatting's solver"

    def _build_laplacian(self, image64, trimap):
        from pymatting import knn_laplacian

        return knn_laplacian(image64)


class LkmEngine(_PymattingEngine):
    """Large-kernel Laplacian: matrix-free, applied through box filters."""

    name = "lkm"
    label = "Large-kernel"
    description = "Large-kernel matting Laplacian (He et al. 2010), pymatting's solver"
    min_side = 41  # pymatting's large kernel (radius 10, box of 2r+1) asserts below this

    def _build_laplacian(self, image64, trimap):
        from pymatting import lkm_laplacian

        return lkm_laplacian(image64)

    def _solve(self, laplacian, trimap, cg_kwargs):
        from pymatting import cg

        matvec, diagonal = laplacian
        t = trimap_to_float(trimap).ravel()
        c = 100.0 * ((t == 0.0) | (t == 1.0))      # pymatting's lambda on the known pixels
        b = 100.0 * (t == 1.0)
        inverse_diagonal = 1.0 / (diagonal + c)
        return cg(lambda x: matvec(x) + c * x, b, M=lambda x: inverse_diagonal * x,
                  **cg_kwargs)


class RandomWalkEngine(_PymattingEngine):
    name = "random-walk"
    label = "Random walk"
    description = "Random-walk matting (Grady et al. 2005), pymatting's solver"

    def _build_laplacian(self, image64, trimap):
        from pymatting import rw_laplacian

        return rw_laplacian(image64)


class LbdmEngine(_PymattingEngine):
    name = "lbdm"
    label = "Learning-based"
    description = "Learning-based digital matting (Zheng & Kambhamettu 2009), pymatting's solver"

    def _build_laplacian(self, image64, trimap):
        from pymatting import lbdm_laplacian

        return lbdm_laplacian(image64)

    @staticmethod
    def _preconditioner(A):
        from pymatting import ichol

        return ichol(A)


class SharedMattingEngine(Engine):
    """Shared sampling (Gastal & Oliveira 2010): no iterations, so it can only be
    cancelled before it starts; a superseded result is dropped by the caller."""

    name = "shared"
    label = "Shared sampling"
    description = "Shared sampling matting (Gastal & Oliveira 2010), pymatting's solver"

    def _predict(self, trimap, changed, progress, cancel):
        from pymatting import estimate_alpha_sm

        _need_both_labels(trimap, self.label)
        progress(0.0, f"{self.label}: sampling")
        alpha = estimate_alpha_sm(self._require_image().astype(np.float64),
                                  trimap_to_float(trimap))
        cancel.raise_if_cancelled()
        return alpha.astype(np.float32), True


CLASSICAL_ENGINES: tuple[type[Engine], ...] = (
    ClosedFormEngine, KnnEngine, LkmEngine, RandomWalkEngine, LbdmEngine, SharedMattingEngine)
