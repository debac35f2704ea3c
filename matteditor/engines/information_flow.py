"""Information-flow matting (Aksoy, Aydin and Pollefeys, CVPR 2017) behind the engine interface.

All the work is in :mod:`matteditor.solvers.infoflow`; the engine keeps one
:class:`~matteditor.solvers.infoflow.InfoFlowSession` for its photo, so a
trimap edit redoes neither the image-only work nor the tiles it did not touch.
With ``EngineOptions.local_margin`` (the editor's) a stroke is first solved only
around itself, the rest of its tile held at the previous answer, and
:meth:`Engine.refine` then solves the changed tiles whole.
"""

from __future__ import annotations

import numpy as np

from ..geometry import Rect
from ..solvers.infoflow import InfoFlowSession
from .base import Capabilities, CancelToken, Engine, EngineOptions, ProgressFn


class InformationFlowEngine(Engine):
    name = "information-flow"
    label = "Information flow"
    description = ("Information-flow matting (Aksoy et al. 2017): colour-mixture, "
                   "known-to-unknown, intra-unknown and local flows, solved on the unknown band")
    capabilities = Capabilities(local_first=True, preview=True)

    def __init__(self, device: str = "cpu", options: EngineOptions = EngineOptions()) -> None:
        """The method's settings are ``options.information_flow``."""
        super().__init__(device, options)
        self.session = InfoFlowSession(options.information_flow,
                                       local_margin=options.local_margin,
                                       device=device)

    @classmethod
    def devices(cls) -> tuple[str, ...]:
        """The CPU first (the factorized path, measured), CUDA where there is one (the
        matrix-free torch path: selectable, not the default until measured on a GPU)."""
        import torch

        return ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)

    def _set_image(self, image: np.ndarray) -> None:
        self.session.set_image(image)

    def _reset(self) -> None:
        self.session.reset()

    def _predict(self, trimap: np.ndarray, changed: Rect | None, progress: ProgressFn,
                 cancel: CancelToken) -> tuple[np.ndarray, bool]:
        alpha = self.session.solve(trimap, self._hook(progress, cancel, "solving"), changed)
        return alpha, not self.session.approximate

    def _refine(self, progress: ProgressFn, cancel: CancelToken) -> np.ndarray:
        alpha = self.session.refine(self._hook(progress, cancel, "refining"))
        if alpha is None:   # already exact (cannot happen after a local answer)
            alpha = self.session.solve(self._trimap, self._hook(progress, cancel, "solving"))
        return alpha
