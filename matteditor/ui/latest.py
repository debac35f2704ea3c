"""A QObject job queue of depth one, for worker threads: the latest request wins.

``post`` replaces any waiting request and cancels the running one through its
CancelToken; the worker thread drains the queue and calls ``_run`` for each
request.  Both the solver and the quick-select worker are built on it.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot

from ..engines.base import CancelToken


class LatestWinsWorker(QObject):
    """Subclasses implement ``_run(request, token)``; all slots run on the worker's thread."""

    cancelled = Signal(object)  # request cancelled (while running, or dropped while waiting)
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
            finally:
                with self._lock:
                    self._token = None
                self.finished.emit(request)

    def _run(self, request: object, token: CancelToken) -> None:
        raise NotImplementedError
