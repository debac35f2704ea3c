"""The solver thread: a QObject living on a QThread that owns the engine instances.

Requests are posted from the UI thread with :meth:`SolveWorker.post`.  Only
the latest request is kept (latest wins); posting cancels the solve in
progress through its CancelToken.  For each request the worker emits a
quick preview (reduced resolution, upsampled edge-aware) when the photo is
large, then the full-resolution alpha (after a stroke, an engine that
solves locally sends it twice: the stroke's surroundings solved first, then
the whole band), then the estimated foreground colours.  Every result
carries its request, so the UI can drop stale ones.  The UI thread never
runs a solve.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PySide6.QtCore import Signal

from ..document import Rect
from ..engines import create_engine
from ..engines.base import CancelToken, Engine
from .latest import LatestWinsWorker
from ..errors import Cancelled, MatteError, TrimapError
from ..foreground import estimate_foreground
from ..solvers.settings import CFSettings
from ..trimap import UNKNOWN
from .preview import PreviewSolver

log = logging.getLogger(__name__)

EngineFactory = Callable[[str], Engine]
PROGRESS_INTERVAL_S = 0.1
#: engines that can (fast-cf) first solve a stroke's surroundings only, this far
#: around it, show that, then refine the whole band (see SolveSession)
INTERACTIVE_MARGIN = 64
#: the editor holds the photo, its layers and undo history besides the solver: a
#: band whose direct solve would need more than this (CHOLMOD's predicted factor,
#: 12 bytes an entry: about what the whole solve adds) is solved iteratively.
#: 12 MP with a 10% band needs 2053 MB; the session then peaks at ~2.9 GB
#: (benchmarks/speed.py), within the 3 GB the editor is allowed.
EDITOR_FACTOR_MB = 2200


@dataclass(frozen=True, eq=False)
class SolveRequest:
    """One solve: everything the worker needs, copied (the trimap) or immutable (the photo)."""

    document_key: int          # which opened document (revisions restart per document)
    revision: int
    image: np.ndarray          # float32 H x W x 3; the document never changes it in place
    trimap: np.ndarray         # uint8 H x W, a private copy
    rect: Rect | None          # region changed since the previous request
    engine: str
    preview: bool = True
    foreground: bool = True


class SolveWorker(LatestWinsWorker):
    """Lives on the solver thread; all slots run there."""

    progress = Signal(object, float, str)          # request, fraction, message
    preview_ready = Signal(object, object)         # request, alpha (full size, from a small solve)
    alpha_ready = Signal(object, object)           # request, alpha
    foreground_ready = Signal(object, object, object)  # request, alpha, foreground
    failed = Signal(object, str, str)              # request, message, traceback ("" if expected)

    def __init__(self, engine_factory: EngineFactory = create_engine,
                 preview_side: int = 320,
                 interactive_margin: int | None = INTERACTIVE_MARGIN) -> None:
        """``interactive_margin``: local margin given to engines that take one
        (None: every solve exact at once)."""
        super().__init__()
        self._factory = engine_factory
        self._interactive_margin = interactive_margin
        self._engines: dict[str, Engine] = {}
        self._preview = PreviewSolver(preview_side)

    # -- solver thread ---------------------------------------------------------
    def _engine(self, name: str) -> Engine:
        if name not in self._engines:
            engine = self._factory(name)
            if self._interactive_margin is not None and getattr(engine, "local_margin", 0) is None:
                engine.local_margin = self._interactive_margin
            settings = getattr(engine, "settings", None)
            if isinstance(settings, CFSettings) and settings.max_factor_mb > EDITOR_FACTOR_MB:
                engine.settings = dataclasses.replace(settings, max_factor_mb=EDITOR_FACTOR_MB)
            self._engines[name] = engine
        return self._engines[name]

    def _progress(self, request: SolveRequest, lo: float, hi: float):
        last = [0.0]

        def report(fraction: float, message: str) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_INTERVAL_S or fraction >= 1.0:
                last[0] = now
                self.progress.emit(request, lo + (hi - lo) * float(fraction), message)
        return report

    def _run(self, request: SolveRequest, token: CancelToken) -> None:
        start = time.perf_counter()
        try:
            engine = self._engine(request.engine)
            image, trimap = request.image, request.trimap
            if request.preview and self._preview.worthwhile(image):
                try:
                    alpha = self._preview.solve(engine, image, trimap, cancel=token,
                                                progress=self._progress(request, 0.0, 0.15))
                    self.preview_ready.emit(request, alpha)
                    log.info("preview alpha for revision %d in %.2f s", request.revision,
                             time.perf_counter() - start)
                except TrimapError as e:  # e.g. scribbles too thin to survive the reduction
                    log.debug("no preview: %s", e)
            alpha = engine.estimate(image, trimap, cancel=token,
                                    progress=self._progress(request, 0.15, 0.9))
            self.alpha_ready.emit(request, alpha)
            log.info("alpha ready for revision %d (%s, %dx%d) in %.2f s", request.revision,
                     request.engine, image.shape[1], image.shape[0], time.perf_counter() - start)
            refine = getattr(engine, "refine", None)
            exact = refine(progress=self._progress(request, 0.9, 0.92), cancel=token) if refine else None
            if exact is not None:        # the first alpha came from a local solve
                alpha = exact
                self.alpha_ready.emit(request, alpha)
                log.info("exact alpha for revision %d in %.2f s", request.revision,
                         time.perf_counter() - start)
            if request.foreground and (trimap == UNKNOWN).any():
                self.progress.emit(request, 0.92, "estimating foreground colours")
                fg = estimate_foreground(image, alpha, cancel=token)
                self.foreground_ready.emit(request, alpha, fg)
            elif request.foreground:
                self.foreground_ready.emit(request, alpha, image)
        except Cancelled:
            log.debug("solve for revision %d cancelled", request.revision)
            self.cancelled.emit(request)
        except MatteError as e:
            log.info("solve for revision %d failed: %s", request.revision, e)
            self.failed.emit(request, str(e), "")
        except Exception as e:  # an engine bug must not take the editor down
            text = traceback.format_exc()
            log.error("engine %r raised:\n%s", request.engine, text)
            self.failed.emit(request, f"{type(e).__name__}: {e}", text)
