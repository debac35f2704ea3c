"""Closed-form matting, fast: the torch solver of :mod:`matteditor.solvers`
behind the engine interface.

Same matte as pymatting's ``estimate_alpha_cf`` (epsilon 1e-7, radius 1),
but the Laplacian is never built: products use box filters, only blocks
around the unknown pixels are computed, and the solve runs coarse to fine.
The engine keeps a :class:`~matteditor.tiling.SolveSession` for the last
image, so re-estimating after a trimap edit re-solves only the changed tiles.
"""

from __future__ import annotations

import logging

import numpy as np

from ..errors import Cancelled
from ..solvers.settings import CFSettings
from .base import CancelToken, Engine, ProgressFn

log = logging.getLogger(__name__)


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


class FastClosedFormEngine(Engine):
    name = "fast-cf"
    label = "Closed-form (fast)"
    description = ("Closed-form matting (Levin et al. 2008) with a matrix-free torch solver: "
                   "box-filter Laplacian, conjugate gradients, coarse to fine, changed tiles only")

    def __init__(self, device: str = "cpu", settings: CFSettings = CFSettings()) -> None:
        super().__init__(device)
        # imported here: it loads torch, which listing the engines does not need
        from ..tiling import SolveSession

        self.settings = settings
        self._session = SolveSession(settings, device)

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        return ("cuda", "cpu") if _cuda_available() else ("cpu",)

    @property
    def session(self):
        """The incremental session of the last image (for callers that want its report)."""
        return self._session

    def _estimate(self, image: np.ndarray, trimap: np.ndarray,
                  progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        current = self._session.image
        if current is None or current.shape != image.shape or not np.array_equal(current, image):
            self._session.set_image(image)

        def hook(fraction: float) -> None:
            cancel.raise_if_cancelled()
            progress(min(0.99, fraction), f"{self.label}: solving")

        progress(0.0, f"{self.label}: preparing")
        try:
            return self._session.solve(trimap, hook)
        except Cancelled:
            log.debug("fast-cf solve cancelled")
            raise
