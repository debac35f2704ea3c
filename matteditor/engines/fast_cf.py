"""Closed-form matting, fast: the torch solver of :mod:`matteditor.solvers`
behind the engine interface.

Same matte as pymatting's ``estimate_alpha_cf`` (epsilon 1e-7, radius 1),
but the Laplacian is never built: products use box filters, only blocks
around the unknown pixels are computed, and conjugate gradients run with a
two-level preconditioner (Jacobi + colour-affine aggregates).
The engine keeps a :class:`~matteditor.tiling.SolveSession` for each of the
last two images (the editor alternates a reduced preview and the full photo),
so re-estimating after a trimap edit re-solves only the changed tiles.
"""

from __future__ import annotations

import logging

import numpy as np

from ..errors import Cancelled
from ..solvers.settings import CFSettings
from .base import CancelToken, Engine, ProgressFn

log = logging.getLogger(__name__)

_SESSIONS = 2   # images whose last solve is kept (preview + full size)


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


class FastClosedFormEngine(Engine):
    name = "fast-cf"
    label = "Closed-form (fast)"
    description = ("Closed-form matting (Levin et al. 2008) with a matrix-free torch solver: "
                   "box-filter Laplacian, two-level preconditioned CG, changed tiles only")

    def __init__(self, device: str = "cpu", settings: CFSettings = CFSettings(),
                 local_margin: int | None = None) -> None:
        """``local_margin``: see :class:`~matteditor.tiling.SolveSession` (None: exact solves)."""
        super().__init__(device)
        # imported here: it loads torch, which listing the engines does not need
        from ..tiling import SolveSession

        self.settings = settings
        self.local_margin = local_margin
        self._new_session = lambda: SolveSession(self.settings, device,
                                                 local_margin=self.local_margin)
        self._sessions: list = []          # most recently used last

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        return ("cuda", "cpu") if _cuda_available() else ("cpu",)

    @property
    def session(self):
        """The incremental session of the last image solved (for its ``last_report``)."""
        return self._sessions[-1] if self._sessions else None

    def _session_for(self, image: np.ndarray):
        for i, session in enumerate(self._sessions):
            known = session.image
            if known.shape == image.shape and np.array_equal(known, image):
                self._sessions.append(self._sessions.pop(i))
                return session
        session = self._new_session()
        session.set_image(image)
        self._sessions = self._sessions[-(_SESSIONS - 1):] + [session]
        return session

    def refine(self, progress: ProgressFn = lambda f, m: None,
               cancel: CancelToken | None = None) -> np.ndarray | None:
        """After a local solve (``local_margin`` set), the exact alpha of the last
        ``estimate``'s image and trimap; None when that alpha was exact already."""
        session = self.session
        if session is None or not session.approximate:
            return None
        cancel = cancel or CancelToken()

        def hook(fraction: float) -> None:
            cancel.raise_if_cancelled()
            progress(min(0.99, fraction), f"{self.label}: refining")

        alpha = session.refine(hook)
        progress(1.0, f"{self.label}: refined")
        return alpha

    def _estimate(self, image: np.ndarray, trimap: np.ndarray,
                  progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        session = self._session_for(image)

        def hook(fraction: float) -> None:
            cancel.raise_if_cancelled()
            progress(min(0.99, fraction), f"{self.label}: solving")

        progress(0.0, f"{self.label}: preparing")
        try:
            return session.solve(trimap, hook)
        except Cancelled:
            log.debug("fast-cf solve cancelled")
            raise
