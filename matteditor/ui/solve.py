"""UI-thread side of live alpha: turns document changes into worker requests and
worker results into document updates (dropping stale ones)."""

from __future__ import annotations

import itertools
import logging

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from ..document import Change, ChangeKind, Document
from ..engines import create_engine
from ..trimap import BACKGROUND, FOREGROUND
from .worker import EngineFactory, SolveRequest, SolveWorker

log = logging.getLogger(__name__)

_document_keys = itertools.count(1)
# Solver threads told to stop but still inside an uninterruptible step (see shutdown).
_STOPPING: list[tuple[QThread, QObject]] = []


def wait_for_solvers() -> None:
    """Block until every stopping solver thread has finished (call before exiting)."""
    while _STOPPING:
        thread, _worker = _STOPPING.pop()
        thread.wait()
DEBOUNCE_MS = 40  # lets an undo burst or a fill settle into one request


class SolveController(QObject):
    """Owns the solver thread; one per main window."""

    busy_changed = Signal(bool)
    progress = Signal(float, str)
    status = Signal(str)             # short state line for the status bar
    error = Signal(str, str)         # message, traceback ("" for expected errors)
    result_shown = Signal(bool)      # True: a preview, False: the full-resolution alpha

    def __init__(self, engine_factory: EngineFactory = create_engine,
                 preview_side: int = 320, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document: Document | None = None
        self.engine = "closed-form"
        self.auto = True
        self.stale_dropped = 0
        self.showing_preview = False
        self._key = 0
        self._busy = False
        self._in_flight: SolveRequest | None = None
        self._thread = QThread()
        self._thread.setObjectName("matteditor-solver")
        self._worker = SolveWorker(engine_factory, preview_side)
        self._worker.moveToThread(self._thread)
        w = self._worker
        w.progress.connect(self._on_progress)
        w.preview_ready.connect(self._on_preview)
        w.alpha_ready.connect(self._on_alpha)
        w.foreground_ready.connect(self._on_foreground)
        w.failed.connect(self._on_failed)
        w.cancelled.connect(self._on_cancelled)
        w.finished.connect(self._on_finished)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.request)
        self._thread.start()

    # -- wiring ---------------------------------------------------------------
    def set_document(self, document: Document | None) -> None:
        if self.document is not None:
            self.document.unsubscribe(self._on_change)
        self._worker.cancel()
        self.document = document
        self._key = next(_document_keys)
        self.showing_preview = False
        if document is not None:
            document.subscribe(self._on_change)
            self.schedule()

    def set_engine(self, name: str) -> None:
        if name != self.engine:
            self.engine = name
            self.schedule()

    def _on_change(self, change: Change) -> None:
        if change.kind is ChangeKind.TRIMAP and self.auto:
            self.schedule()

    def schedule(self) -> None:
        self._timer.start()

    # -- requests ---------------------------------------------------------------
    def request(self) -> bool:
        """Post a solve of the current trimap; False if there is nothing to solve."""
        doc = self.document
        if doc is None:
            return False
        if not (doc.trimap == FOREGROUND).any() or not (doc.trimap == BACKGROUND).any():
            self._worker.cancel()
            self._clear_matte(doc)
            self.status.emit("Paint foreground (F) and background (B) to get a matte")
            return False
        req = SolveRequest(self._key, doc.revision, doc.image, doc.trimap.copy(),
                           doc.take_dirty(), self.engine)
        self._in_flight = req
        self._set_busy(True)
        self._worker.post(req)
        return True

    def _clear_matte(self, doc: Document) -> None:
        """Forget the matte of a trimap that no longer allows one (cleared, or all
        foreground or background erased), so no view shows it and no export writes it."""
        self.showing_preview = False
        if doc.clear_result():
            log.info("matte cleared: the trimap at revision %d has no foreground or no background",
                     doc.revision)

    def cancel(self) -> None:
        self._timer.stop()
        self._worker.cancel()

    def shutdown(self, wait_ms: int = 2000) -> bool:
        """Cancel, stop the thread and wait up to ``wait_ms`` for it.

        A solver step that cannot be interrupted (pymatting builds its
        Laplacian in one call) may outlast the wait; the thread is then
        parked in :data:`_STOPPING` so it is not destroyed while running
        (Qt aborts on that), and :func:`wait_for_solvers` waits for it
        before the process exits.  Returns True if the thread has stopped.
        """
        self._timer.stop()
        self._worker.cancel()
        if self.document is not None:
            self.document.unsubscribe(self._on_change)
            self.document = None
        if not self._thread.isRunning():
            return True
        self._thread.quit()
        if self._thread.wait(wait_ms):
            return True
        log.info("the solver is finishing a step that cannot be interrupted; "
                 "it will stop when that step ends")
        _STOPPING.append((self._thread, self._worker))
        return False

    # -- results ----------------------------------------------------------------
    def _accept(self, req: SolveRequest, alpha, foreground=None) -> bool:
        doc = self.document
        if doc is None or req.document_key != self._key \
                or not doc.set_result(alpha, req.revision, foreground):
            self.stale_dropped += 1
            log.debug("dropped stale result for revision %d", req.revision)
            return False
        return True

    def _on_progress(self, req: SolveRequest, fraction: float, message: str) -> None:
        if req is self._in_flight:
            self.progress.emit(fraction, message)

    def _on_preview(self, req: SolveRequest, alpha) -> None:
        self.showing_preview = True
        if self._accept(req, alpha):
            self.status.emit("Preview matte (full resolution on its way)")
            self.result_shown.emit(True)
        else:
            self.showing_preview = False

    def _on_alpha(self, req: SolveRequest, alpha) -> None:
        if self._accept(req, alpha):
            log.info("alpha shown for revision %d", req.revision)
            self.showing_preview = False
            self.status.emit(f"Matte up to date ({req.engine})")
            self.result_shown.emit(False)

    def _on_foreground(self, req: SolveRequest, alpha, foreground) -> None:
        if self._accept(req, alpha, foreground):
            log.info("foreground colours shown for revision %d", req.revision)
            self.status.emit(f"Matte and foreground colours up to date ({req.engine})")

    def _on_failed(self, req: SolveRequest, message: str, trace: str) -> None:
        # A superseded request's failure (or one for a closed photo) is old news.
        if req is self._in_flight and req.document_key == self._key:
            self.error.emit(message, trace)

    def _on_cancelled(self, req: SolveRequest) -> None:
        if req is self._in_flight:
            self.status.emit("Solve cancelled")

    def _on_finished(self, req: SolveRequest) -> None:
        if req is self._in_flight:
            self._in_flight = None
            self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)

    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def thread(self) -> QThread:
        """The solver thread; other heavy jobs (quick select) run on it too."""
        return self._thread
