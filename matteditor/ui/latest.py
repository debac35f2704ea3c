"""Latest-wins background work: a QObject job queue of depth one for worker threads,
and the UI-thread bookkeeping that goes with it.

:class:`LatestWinsWorker`: ``post`` replaces any waiting request and cancels the
running one through its CancelToken; the worker thread drains the queue and
calls ``_run`` for each request.  Whatever ``_run`` raises ends as one signal:
``cancelled`` for :class:`~matteditor.errors.Cancelled`, ``failed`` with a
:class:`~matteditor.errors.Failure` for anything else (an engine bug must not
take the editor down), and ``finished`` always follows.

:class:`RequestController`: the UI-thread side shared by the solver and quick
select: which request is in flight, busy state, stale results counted and
dropped, failures of the request in flight passed on to the one error handler.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QThread, Qt, Signal, Slot

from ..engines.base import CancelToken
from ..errors import Cancelled, Failure

log = logging.getLogger(__name__)


class LatestWinsWorker(QObject):
    """Subclasses implement ``_run(request, token)``; all slots run on the worker's thread."""

    progress = Signal(object, float, str)  # request, fraction, message
    cancelled = Signal(object)  # request cancelled (while running, or dropped while waiting)
    failed = Signal(object, object)  # request, Failure
    finished = Signal(object)   # request done, whatever the outcome
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending: object | None = None
        self._token: CancelToken | None = None
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    # -- any thread -------------------------------------------------------
    def post(self, request: object) -> None:
        """Replace any waiting request with this one and cancel the running one."""
        with self._lock:
            self._pending = request
            if self._token is not None:
                self._token.cancel()
        self._wake.emit()

    def cancel(self) -> None:
        """Drop the waiting request and cancel the running one.

        A request dropped before it ran is still reported (cancelled, then
        finished), so whoever waits for it is not left busy forever."""
        with self._lock:
            dropped, self._pending = self._pending, None
            if self._token is not None:
                self._token.cancel()
        if dropped is not None:
            self.cancelled.emit(dropped)
            self.finished.emit(dropped)

    # -- worker thread ----------------------------------------------------
    @Slot()
    def _drain(self) -> None:
        while True:
            with self._lock:
                request, self._pending = self._pending, None
                if request is None:
                    return
                token = self._token = CancelToken()
            try:
                self._run(request, token)
            except Cancelled:
                log.debug("%s cancelled", type(request).__name__)
                self.cancelled.emit(request)
            except Exception as e:  # noqa: BLE001 (reported, never silent)
                failure = Failure(e)
                if failure.expected:
                    log.info("request failed: %s", failure.message)
                else:
                    log.error("request failed:\n%s", failure.traceback)
                self.failed.emit(request, failure)
            finally:
                with self._lock:
                    self._token = None
                self.finished.emit(request)

    def _run(self, request: object, token: CancelToken) -> None:
        raise NotImplementedError


class RequestController(QObject):
    """UI-thread side of one :class:`LatestWinsWorker` (subclasses connect its results).

    Signals: ``busy_changed(bool)``, ``progress(fraction, message)`` of the request
    in flight, ``status(text)`` for the status bar, ``error(Failure)`` when the
    request in flight fails (a superseded one's failure is old news).
    """

    busy_changed = Signal(bool)
    progress = Signal(float, str)
    status = Signal(str)
    error = Signal(object)            # Failure

    def __init__(self, worker: LatestWinsWorker, thread: QThread,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stale_dropped = 0
        self._in_flight: object | None = None
        self._worker = worker
        worker.moveToThread(thread)
        worker.progress.connect(self._on_progress)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(self._on_finished)

    @property
    def busy(self) -> bool:
        return self._in_flight is not None

    def is_current(self, request: object) -> bool:
        return request is self._in_flight

    def _post(self, request: object) -> None:
        was_busy, self._in_flight = self.busy, request
        if not was_busy:
            self.busy_changed.emit(True)
        self._worker.post(request)

    def _drop(self, request: object, why: str = "stale") -> None:
        self.stale_dropped += 1
        log.debug("dropped a %s result (%r)", why, request)

    def _describe(self, request: object) -> str:
        """What the request was doing, for messages (e.g. "Quick select")."""
        return ""

    def _on_progress(self, request: object, fraction: float, message: str) -> None:
        if self.is_current(request):
            self.progress.emit(fraction, message)

    def _on_failed(self, request: object, failure: Failure) -> None:
        if self.is_current(request):
            failure.context = failure.context or self._describe(request)
            self.error.emit(failure)

    def _on_cancelled(self, request: object) -> None:
        if self.is_current(request):
            what = self._describe(request) or "Solve"
            self.status.emit(f"{what} cancelled")

    def _on_finished(self, request: object) -> None:
        if self.is_current(request):
            self._in_flight = None
            self.busy_changed.emit(False)
