"""Classical trimap solvers, from pymatting.

pymatting is the reference implementation of closed-form matting (Levin et
al. 2008) and its kin; these classes only adapt it to the engine interface:
progress from the conjugate-gradient residual, and cancellation between CG
iterations (the callback raises, which unwinds pymatting's solver).
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import warnings
from typing import Callable, ClassVar

import numpy as np

from ..errors import EngineError, TrimapError
from ..trimap import BACKGROUND, FOREGROUND, trimap_to_float
from .base import CancelToken, Engine, ProgressFn

log = logging.getLogger(__name__)

CG_RTOL = 1e-7  # pymatting's default


def _need_both_labels(trimap: np.ndarray, label: str) -> None:
    # pymatting raises a bare ValueError for these; say it in the user's terms.
    if not (trimap == FOREGROUND).any() or not (trimap == BACKGROUND).any():
        raise TrimapError(f"{label} needs both foreground and background in the trimap; "
                          "paint at least one stroke of each")


@contextlib.contextmanager
def _solver_chatter_to_log(label: str):
    """pymatting prints a "PERFORMANCE WARNING" to stdout when its incomplete
    Cholesky preconditioner fails, and numpy warns about divisions by zero in
    CG on degenerate systems: send both to the debug log, so that the command
    line's only output about a failure is its one error line."""
    out = io.StringIO()
    try:
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
            warnings.simplefilter("always")
            yield
    finally:
        for w in caught[:20]:
            log.debug("%s: solver warning: %s", label, w.message)
        if out.getvalue().strip():
            log.debug("%s: solver output: %s", label, " ".join(out.getvalue().split()))


class _PymattingEngine(Engine):
    """A pymatting ``estimate_alpha_*`` solver run through conjugate gradients."""

    solver: ClassVar[Callable[..., np.ndarray]]
    laplacian_kwargs: ClassVar[dict] = {}
    min_side: ClassVar[int] = 1  # smallest image side the solver handles

    def __init__(self, device: str = "cpu", maxiter: int = 10000) -> None:
        super().__init__(device)
        self.maxiter = maxiter

    def _estimate(self, image: np.ndarray, trimap: np.ndarray,
                  progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        _need_both_labels(trimap, self.label)
        h, w = trimap.shape
        if min(h, w) < self.min_side:
            raise EngineError(f"{self.label} needs an image of at least {self.min_side}x"
                              f"{self.min_side} pixels; this one is {w}x{h}")
        progress(0.0, f"{self.label}: building the Laplacian")
        target = math.log(CG_RTOL)

        def on_iteration(A, x, b, norm_b, r, norm_r) -> None:
            cancel.raise_if_cancelled()
            if norm_b > 0 and norm_r > 0:
                done = math.log(norm_r / norm_b) / target
                progress(min(0.99, max(0.0, done)), f"{self.label}: solving")

        image64 = image.astype(np.float64)
        try:
            with _solver_chatter_to_log(self.label):
                alpha = type(self).solver(
                    image64, trimap_to_float(trimap),
                    laplacian_kwargs=dict(self.laplacian_kwargs),
                    cg_kwargs={"callback": on_iteration, "maxiter": self.maxiter,
                               "rtol": CG_RTOL})
        except ValueError as e:
            # pymatting reports a solver that did not converge (degenerate images,
            # e.g. 1 x N) with a plain ValueError.
            raise EngineError(f"{self.label} could not solve this image: {e}") from None
        cancel.raise_if_cancelled()
        return alpha.astype(np.float32)


def _solver(name: str) -> Callable[..., np.ndarray]:
    """Look the pymatting function up lazily: importing pymatting compiles numba kernels."""

    def call(*args, **kwargs):
        import pymatting

        return getattr(pymatting, name)(*args, **kwargs)

    call.__name__ = name
    return staticmethod(call)  # type: ignore[return-value]


class ClosedFormEngine(_PymattingEngine):
    name = "closed-form"
    label = "Closed-form"
    description = "Closed-form matting (Levin et al. 2008), pymatting's solver"
    solver = _solver("estimate_alpha_cf")
    min_side = 3  # the Laplacian's 3x3 windows must fit


class KnnEngine(_PymattingEngine):
    name = "knn"
    label = "KNN"
    description = "KNN matting (Chen et al. 2013), pymatting's solver"
    solver = _solver("estimate_alpha_knn")


class LkmEngine(_PymattingEngine):
    name = "lkm"
    label = "Large-kernel"
    description = "Large-kernel matting Laplacian (He et al. 2010), pymatting's solver"
    solver = _solver("estimate_alpha_lkm")
    min_side = 41  # pymatting's large kernel (radius 10, box of 2r+1) asserts below this


class RandomWalkEngine(_PymattingEngine):
    name = "random-walk"
    label = "Random walk"
    description = "Random-walk matting (Grady et al. 2005), pymatting's solver"
    solver = _solver("estimate_alpha_rw")


class LbdmEngine(_PymattingEngine):
    name = "lbdm"
    label = "Learning-based"
    description = "Learning-based digital matting (Zheng & Kambhamettu 2009), pymatting's solver"
    solver = _solver("estimate_alpha_lbdm")


class SharedMattingEngine(Engine):
    """Shared sampling (Gastal & Oliveira 2010): no iterations, so it can only be
    cancelled before it starts; a superseded result is dropped by the caller."""

    name = "shared"
    label = "Shared sampling"
    description = "Shared sampling matting (Gastal & Oliveira 2010), pymatting's solver"

    def _estimate(self, image, trimap, progress, cancel):
        from pymatting import estimate_alpha_sm

        _need_both_labels(trimap, self.label)
        progress(0.0, f"{self.label}: sampling")
        alpha = estimate_alpha_sm(image.astype(np.float64), trimap_to_float(trimap))
        cancel.raise_if_cancelled()
        return alpha.astype(np.float32)


CLASSICAL_ENGINES: tuple[type[Engine], ...] = (
    ClosedFormEngine, KnnEngine, LkmEngine, RandomWalkEngine, LbdmEngine, SharedMattingEngine)
