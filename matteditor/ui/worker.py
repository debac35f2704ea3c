"""The solver thread's Qt adapter around the core's live-matte pipeline.

:class:`SolveWorker` lives on a QThread and runs :class:`~matteditor.live.LiveMatte`
for the latest request only (posting cancels the solve in progress through
its CancelToken); each typed result is sent to the UI thread with the request
it belongs to, so the UI can drop stale ones.  The UI thread never runs a solve.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Signal

from ..engines import EngineOptions
from ..engines.base import CancelToken
from ..geometry import Rect
from ..live import EDITOR_OPTIONS, EngineFactory, LiveMatte, LiveRequest, registry_factory
from .latest import LatestWinsWorker

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.1


@dataclass(frozen=True, eq=False)
class SolveRequest:
    """One solve: which document, and the pipeline's request for its photo."""

    document_key: int          # which opened document (revisions restart per document)
    image: np.ndarray          # float32 H x W x 3; the document never changes it in place
    live: LiveRequest

    @property
    def revision(self) -> int:
        return self.live.revision

    @property
    def engine(self) -> str:
        return self.live.engine


def make_request(document_key: int, revision: int, image: np.ndarray, trimap: np.ndarray,
                 changed: Rect | None, engine: str, preview: bool = True,
                 foreground: bool = True) -> SolveRequest:
    """A request for ``trimap`` (copied here, so the caller may keep editing its own)."""
    return SolveRequest(document_key, image, LiveRequest(revision, trimap.copy(), changed,
                                                         engine, preview, foreground))


class SolveWorker(LatestWinsWorker):
    """Lives on the solver thread; all slots run there."""

    progress = Signal(object, float, str)     # request, fraction, message
    result_ready = Signal(object, object)     # request, LiveResult

    def __init__(self, engine_factory: EngineFactory = registry_factory,
                 preview_side: int = 320, options: EngineOptions = EDITOR_OPTIONS) -> None:
        super().__init__()
        self._live = LiveMatte(engine_factory, preview_side, options)

    def _progress(self, request: SolveRequest):
        last = [0.0]

        def report(fraction: float, message: str) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or fraction >= 1.0:
                last[0] = now
                self.progress.emit(request, float(fraction), message)
        return report

    def _run(self, request: SolveRequest, token: CancelToken) -> None:
        if self._live.image is not request.image:
            self._live.set_image(request.image)
        for result in self._live.run(request.live, self._progress(request), token):
            self.result_ready.emit(request, result)
