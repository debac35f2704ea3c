"""Closed-form matting, fast: the solvers of :mod:`matteditor.solvers` behind
the engine interface.

Same matte as pymatting's ``estimate_alpha_cf`` (epsilon 1e-7, radius 1).  On
the CPU the unknown band's system is factorised exactly (CHOLMOD, nested
dissection); on CUDA, and for bands whose factor would not fit the memory
budget, a matrix-free torch solver (box-filter Laplacian, two-level
preconditioned CG) takes over.  The session is a
:class:`~matteditor.solvers.tiled_session.SolveSession`: tiles around the
unknown region, and after an edit only the changed tiles are solved again; with
``EngineOptions.local_margin`` a stroke is first solved only around itself.
A scribble trimap (mostly unknown) is solved coarse to fine
(:mod:`matteditor.solvers.scribbles`): the reduced photo first, then exactly
only the transition band it finds, at full resolution.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from ..errors import Cancelled
from ..geometry import Rect
from ..solvers.scribbles import CoarseToFine
from .base import Capabilities, CancelToken, Engine, EngineOptions, ProgressFn

log = logging.getLogger(__name__)


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


class FastClosedFormEngine(Engine):
    name = "fast-cf"
    label = "Closed-form (fast)"
    description = ("Closed-form matting (Levin et al. 2008), pymatting's matte, fast: exact "
                   "sparse Cholesky (CHOLMOD) of the unknown band on the CPU, matrix-free "
                   "preconditioned CG on CUDA and for bands too large; changed tiles only")
    capabilities = Capabilities(local_first=True, preview=True)

    def __init__(self, device: str = "cpu", options: EngineOptions = EngineOptions()) -> None:
        """The solver's settings are ``options.closed_form``, the coarse-to-fine solve of
        mostly-unknown trimaps ``options.scribbles`` (None: every trimap exactly)."""
        super().__init__(device, options)
        settings, scribbles = options.closed_form, options.scribbles
        if options.memory_mb is not None and options.memory_mb < settings.max_factor_mb:
            settings = dataclasses.replace(settings, max_factor_mb=options.memory_mb)
        self.settings = settings
        # imported here: it loads torch, which listing the engines does not need
        from ..solvers.tiled_session import SolveSession

        self.session = SolveSession(settings, device, local_margin=options.local_margin)
        self.coarse = CoarseToFine(scribbles) if scribbles is not None else None
        self._coarse_session = SolveSession(settings, device)

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        return ("cuda", "cpu") if _cuda_available() else ("cpu",)

    def _set_image(self, image: np.ndarray) -> None:
        self.session.set_image(image)
        if self.coarse is not None:
            self.coarse.set_image(image)
            self._coarse_session.set_image(self.coarse.coarse_image)

    def _reset(self) -> None:
        self.session.reset()
        self._coarse_session.reset()

    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> tuple[np.ndarray, bool]:
        progress(0.0, f"{self.label}: preparing")
        try:
            if self.coarse is not None and self.coarse.applies(trimap):
                return self._scribbles(trimap, progress, cancel), True
            alpha = self.session.solve(trimap, self._hook(progress, cancel, "solving"), changed)
        except Cancelled:
            log.debug("fast-cf solve cancelled")
            raise
        return alpha, not self.session.approximate

    def _scribbles(self, trimap: np.ndarray, progress: ProgressFn,
                   cancel: CancelToken) -> np.ndarray:
        """Coarse to fine (see :mod:`matteditor.solvers.scribbles`)."""
        from ..solvers.closed_form import Problem, solve_closed_form

        coarse_hook = self._hook(progress, cancel, "solving the reduced photo")
        fine_hook = self._hook(progress, cancel, "solving the edges at full size")
        self.session.reset()      # its tiles belong to another kind of trimap
        return self.coarse.solve(
            trimap, lambda small: self._coarse_session.solve(small, lambda f: coarse_hook(0.1 * f)),
            lambda image, fixed, band: solve_closed_form(
                Problem(image, fixed, band), self.settings, self.device,
                hook=lambda f: cancel.raise_if_cancelled()),
            lambda f: fine_hook(0.1 + 0.9 * f))

    def _refine(self, progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        alpha = self.session.refine(self._hook(progress, cancel, "refining"))
        if alpha is None:   # already exact (cannot happen after a local answer)
            alpha = self.session.solve(self._trimap)
        return alpha
