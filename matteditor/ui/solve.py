"""UI-thread side of live alpha: turns document changes into worker requests and
worker results into document updates (dropping stale ones)."""

from __future__ import annotations

import itertools
import logging

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from ..document import Change, ChangeKind, Document
from ..engines import default_engine_name
from ..live import EngineFactory, LiveResult, ResultKind, registry_factory
from ..trimap import BACKGROUND, FOREGROUND
from .latest import RequestController
from .worker import SolveRequest, SolveWorker, make_request

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


class SolveController(RequestController):
    """Owns the solver thread; one per main window."""

    result_shown = Signal(bool)      # True: a preview or local answer, False: the final alpha

    def __init__(self, engine_factory: EngineFactory = registry_factory,
                 preview_side: int = 320, parent: QObject | None = None) -> None:
        thread = QThread()
        thread.setObjectName("matteditor-solver")
        super().__init__(SolveWorker(engine_factory, preview_side), thread, parent)
        self._thread = thread
        self.document: Document | None = None
        self.engine = default_engine_name()
        self.auto = True
        self.showing_preview = False
        self._key = 0
        self._forced = False     # the next scheduled request solves even a kept exact matte
        self._worker.result_ready.connect(self._on_result)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._on_timer)
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
            self.schedule(force=True)

    def _on_change(self, change: Change) -> None:
        # mid-stroke changes wait for the stroke's end: one request per stroke
        edited = (change.kind is ChangeKind.STROKE
                  or (change.kind is ChangeKind.TRIMAP and not change.in_stroke))
        if edited and self.auto:
            self.schedule()

    def schedule(self, force: bool = False) -> None:
        """Request a solve once a burst of changes settles; unless ``force``, none is
        made when the document already shows the exact matte of its trimap (restored
        by undo or redo, or read from a project)."""
        self._forced = self._forced or force
        self._timer.start()

    def _on_timer(self) -> None:
        forced, self._forced = self._forced, False
        doc = self.document
        if not forced and doc is not None and doc.has_exact_result \
                and doc.foreground is not None:
            self._worker.cancel()   # a solve of the revision undone is not wanted
            self.showing_preview = False
            self.status.emit("Matte restored (no solve needed)")
            self.result_shown.emit(False)
            return
        self.request()

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
        self._post(make_request(self._key, doc.revision, doc.image, doc.trimap,
                                doc.take_dirty(), self.engine))
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
    def is_current(self, request: SolveRequest) -> bool:
        return super().is_current(request) and request.document_key == self._key

    def _on_result(self, req: SolveRequest, result: LiveResult) -> None:
        doc = self.document
        foreground = result.foreground if result.kind is ResultKind.FOREGROUND else None
        if doc is None or req.document_key != self._key \
                or not doc.set_result(result.alpha, result.revision, foreground,
                                      exact=result.final):
            self._drop(req)
            if not result.final:
                self.showing_preview = False
            return
        self.showing_preview = not result.final
        log.info("%s shown for revision %d", "foreground colours" if foreground is not None
                 else f"{result.kind.value} alpha", result.revision)
        if result.kind is ResultKind.PREVIEW:
            self.status.emit("Preview matte (full resolution on its way)")
        elif result.kind is ResultKind.LOCAL:
            self.status.emit("Matte around the stroke (the whole band on its way)")
        elif result.kind is ResultKind.EXACT and req.live.foreground:
            self.status.emit(f"Matte up to date ({self._engine_text(req, result)}); "
                             "estimating the foreground colours for the cutout…")
        elif result.kind is ResultKind.EXACT:
            self.status.emit(f"Matte up to date ({self._engine_text(req, result)})")
        else:
            self.status.emit(f"Matte and foreground colours up to date "
                             f"({self._engine_text(req, result)})")
        if result.kind is not ResultKind.FOREGROUND:
            self.result_shown.emit(self.showing_preview)

    @property
    def thread(self) -> QThread:
        """The solver thread; other heavy jobs (quick select) run on it too."""
        return self._thread

    @staticmethod
    def _engine_text(req: SolveRequest, result: LiveResult) -> str:
        """The engine for the status bar; ``auto`` with the engine it chose."""
        asked = req.engine
        return asked if result.engine in ("", asked) else f"{asked}: {result.engine}"
