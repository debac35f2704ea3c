"""Quick select in the editor: GrabCut (or an imported mask) to a trimap, off the UI thread.

:class:`SelectWorker` lives on the solver thread (the one QThread that runs
all heavy work) and follows the solver's rules: only the latest request is
kept, posting cancels the job in progress through its CancelToken, and every
result carries its request so the UI can drop stale ones.
:class:`QuickSelectController` is the UI-thread side: it builds requests from
the document, and turns a fresh result into a trimap the window commits as
one undo step.  The UI thread never runs GrabCut.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from ..document import Document
from ..engines.base import CancelToken
from .latest import LatestWinsWorker
from ..errors import Cancelled, MatteError
from ..quickselect import QuickSelectSettings, grabcut_mask, trimap_from_selection
from ..trimap import BACKGROUND, FOREGROUND

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class SelectRequest:
    """One quick-select job; exactly one of rect, lasso or mask is the region."""

    document_key: int
    revision: int                 # the trimap revision the seeds were taken from
    image: np.ndarray             # float32 H x W x 3; never changed in place
    trimap: np.ndarray            # uint8 H x W, a private copy (its fg/bg are hard seeds)
    settings: QuickSelectSettings
    rect: tuple[int, int, int, int] | None = None        # x, y, width, height
    lasso: tuple[tuple[float, float], ...] | None = None  # polygon, image pixels
    mask: np.ndarray | None = None                        # float32 H x W in [0, 1]
    label: str = "Quick select"


class SelectWorker(LatestWinsWorker):
    """Lives on the solver thread; all slots run there."""

    progress = Signal(object, float, str)     # request, fraction, message
    done = Signal(object, object)             # request, trimap (uint8 H x W)
    failed = Signal(object, str, str)         # request, message, traceback ("" if expected)

    def _run(self, request: SelectRequest, token: CancelToken) -> None:
        start = time.perf_counter()
        try:
            mask = request.mask
            if mask is None:
                mask = grabcut_mask(
                    request.image, rect=request.rect, lasso=request.lasso,
                    trimap=request.trimap, settings=request.settings, cancel=token,
                    progress=lambda f, m: self.progress.emit(request, 0.9 * f, m))
            token.raise_if_cancelled()
            self.progress.emit(request, 0.92, "building the unknown band")
            trimap = trimap_from_selection(request.image, mask, request.settings)
            if request.mask is None:
                # The strokes were hard seeds; they stay in the trimap exactly.
                for label in (FOREGROUND, BACKGROUND):
                    trimap[request.trimap == label] = label
            token.raise_if_cancelled()
            log.info("%s for revision %d in %.2f s", request.label, request.revision,
                     time.perf_counter() - start)
            self.done.emit(request, trimap)
        except Cancelled:
            log.debug("%s for revision %d cancelled", request.label, request.revision)
            self.cancelled.emit(request)
        except MatteError as e:
            log.info("%s failed: %s", request.label, e)
            self.failed.emit(request, str(e), "")
        except Exception as e:  # an OpenCV surprise must not take the editor down
            text = traceback.format_exc()
            log.error("%s raised:\n%s", request.label, text)
            self.failed.emit(request, f"{type(e).__name__}: {e}", text)


class QuickSelectController(QObject):
    """UI-thread side; one per main window, its worker on the solver's thread."""

    trimap_ready = Signal(object, str)   # trimap, undo label (fresh: commit it)
    busy_changed = Signal(bool)
    progress = Signal(float, str)
    status = Signal(str)
    error = Signal(str, str)             # message, traceback ("" for expected errors)

    def __init__(self, thread: QThread, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.stale_dropped = 0
        self._key = 0
        self._in_flight: SelectRequest | None = None
        self._last: tuple[SelectRequest, np.ndarray] | None = None  # last GrabCut and its trimap
        self._worker = SelectWorker()
        self._worker.moveToThread(thread)
        w = self._worker
        w.progress.connect(self._on_progress)
        w.done.connect(self._on_done)
        w.failed.connect(self._on_failed)
        w.cancelled.connect(self._on_cancelled)
        w.finished.connect(self._on_finished)

    def set_document(self, document: Document | None) -> None:
        self._worker.cancel()
        self.document = document
        self._key += 1
        self._last = None

    @property
    def busy(self) -> bool:
        return self._in_flight is not None

    # -- requests ----------------------------------------------------------------
    def select(self, settings: QuickSelectSettings,
               rect: tuple[int, int, int, int] | None = None,
               lasso: Sequence[tuple[float, float]] | None = None) -> bool:
        """GrabCut from a rectangle or a lasso, the trimap's fg/bg strokes as seeds."""
        return self._post(settings, rect=rect,
                          lasso=tuple(lasso) if lasso is not None else None,
                          label="Quick select (lasso)" if lasso is not None else "Quick select")

    def from_mask(self, settings: QuickSelectSettings, mask: np.ndarray,
                  label: str = "Trimap from mask") -> bool:
        """A trimap around a mask (float32 H x W in [0, 1], the photo's size)."""
        return self._post(settings, mask=mask, label=label)

    @property
    def can_refine(self) -> bool:
        """True once a box or lasso selection of this document has been applied."""
        return self._last is not None

    def refine(self, settings: QuickSelectSettings) -> bool:
        """GrabCut again in the last box or lasso, adding the fg/bg strokes painted since.

        The seeds are the strokes of the last run plus the pixels that are now
        foreground/background but were not in the trimap that run produced,
        so the selection's own fill does not freeze the result.
        """
        doc = self.document
        if doc is None or self._last is None:
            return False
        last, produced = self._last
        seeds = last.trimap.copy()
        for label in (FOREGROUND, BACKGROUND):
            seeds[(doc.trimap == label) & (produced != label)] = label
        return self._post(settings, rect=last.rect, lasso=last.lasso, seeds=seeds,
                          label="Refine quick select")

    def _post(self, settings: QuickSelectSettings, seeds: np.ndarray | None = None,
              **job) -> bool:
        doc = self.document
        if doc is None:
            return False
        seeds = doc.trimap.copy() if seeds is None else seeds
        req = SelectRequest(self._key, doc.revision, doc.image, seeds, settings, **job)
        if self._in_flight is None:
            self.busy_changed.emit(True)
        self._in_flight = req
        self.status.emit(f"{req.label}…")
        self._worker.post(req)
        return True

    def cancel(self) -> None:
        self._worker.cancel()

    # -- results -------------------------------------------------------------------
    def _on_progress(self, req: SelectRequest, fraction: float, message: str) -> None:
        if req is self._in_flight:
            self.progress.emit(fraction, message)

    def _on_done(self, req: SelectRequest, trimap: np.ndarray) -> None:
        doc = self.document
        if req is not self._in_flight or doc is None or req.document_key != self._key:
            self.stale_dropped += 1
            return
        if req.revision != doc.revision:
            # The user painted while GrabCut ran: its seeds are out of date.
            self.stale_dropped += 1
            self.status.emit(f"{req.label} dropped: the trimap changed while it ran; "
                             "drag again")
            return
        self._last = (req, trimap) if req.mask is None else None
        self.trimap_ready.emit(trimap, req.label)

    def _on_failed(self, req: SelectRequest, message: str, trace: str) -> None:
        if req is self._in_flight:
            self.error.emit(f"{req.label}: {message}", trace)

    def _on_cancelled(self, req: SelectRequest) -> None:
        if req is self._in_flight:
            self.status.emit(f"{req.label} cancelled")

    def _on_finished(self, req: SelectRequest) -> None:
        if req is self._in_flight:
            self._in_flight = None
            self.busy_changed.emit(False)
