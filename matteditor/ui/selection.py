"""Quick select in the editor: GrabCut (or an imported mask) to a trimap, off the UI thread.

:class:`QuickSelectTool` is the window's side: gestures and menu actions in, undo
steps out; it sees the editor through its :class:`~matteditor.ui.context.EditorContext`.

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
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from ..document import Document
from ..tools import Tool
from .commands import TrimapCommand, commit_existing
from .context import EditorContext
from ..engines.base import CancelToken
from .latest import LatestWinsWorker, RequestController
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

    done = Signal(object, object)             # request, trimap (uint8 H x W)

    def _run(self, request: SelectRequest, token: CancelToken) -> None:
        start = time.perf_counter()
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


class QuickSelectController(RequestController):
    """UI-thread side; one per main window, its worker on the solver's thread."""

    trimap_ready = Signal(object, str)   # trimap, undo label (fresh: commit it)

    def __init__(self, thread: QThread, parent: QObject | None = None) -> None:
        super().__init__(SelectWorker(), thread, parent)
        self.document: Document | None = None
        self._key = 0
        self._last: tuple[SelectRequest, np.ndarray] | None = None  # last GrabCut and its trimap
        self._worker.done.connect(self._on_done)

    def set_document(self, document: Document | None) -> None:
        self._worker.cancel()
        self.document = document
        self._key += 1
        self._last = None

    def forget_selection(self) -> None:
        """The box or lasso no longer applies (e.g. the trimap was cleared): strokes
        painted from now on do not re-run GrabCut in it."""
        self._last = None

    # -- requests ----------------------------------------------------------------
    def select(self, settings: QuickSelectSettings,
               rect: tuple[int, int, int, int] | None = None,
               lasso: Sequence[tuple[float, float]] | None = None) -> bool:
        """GrabCut from a rectangle or a lasso, the trimap's fg/bg strokes as seeds."""
        return self._post_job(settings, rect=rect,
                              lasso=tuple(lasso) if lasso is not None else None,
                              label="Quick select (lasso)" if lasso is not None else "Quick select")

    def from_mask(self, settings: QuickSelectSettings, mask: np.ndarray,
                  label: str = "Trimap from mask") -> bool:
        """A trimap around a mask (float32 H x W in [0, 1], the photo's size)."""
        return self._post_job(settings, mask=mask, label=label)

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
        return self._post_job(settings, rect=last.rect, lasso=last.lasso, seeds=seeds,
                              label="Refine quick select")

    def _post_job(self, settings: QuickSelectSettings, seeds: np.ndarray | None = None,
                  **job) -> bool:
        doc = self.document
        if doc is None:
            return False
        seeds = doc.trimap.copy() if seeds is None else seeds
        req = SelectRequest(self._key, doc.revision, doc.image, seeds, settings, **job)
        self.status.emit(f"{req.label}…")
        self._post(req)
        return True

    def cancel(self) -> None:
        self._worker.cancel()

    # -- results -------------------------------------------------------------------
    def _describe(self, request: SelectRequest) -> str:
        return request.label

    def _on_done(self, req: SelectRequest, trimap: np.ndarray) -> None:
        doc = self.document
        if not self.is_current(req) or doc is None or req.document_key != self._key:
            self._drop(req)
            return
        if req.revision != doc.revision:
            # The user painted while GrabCut ran: its seeds are out of date.
            self._drop(req)
            self.status.emit(f"{req.label} dropped: the trimap changed while it ran; "
                             "drag again")
            return
        self._last = (req, trimap) if req.mask is None else None
        self.trimap_ready.emit(trimap, req.label)


class QuickSelectTool:
    def __init__(self, window: EditorContext) -> None:
        self.w = window
        self.controller = QuickSelectController(window.solver.thread, window.window())
        self._command: TrimapCommand | None = None  # the undo step of the last selection
        c = self.controller
        c.trimap_ready.connect(self._on_trimap)
        c.busy_changed.connect(self._on_busy)
        c.progress.connect(window.show_progress)
        c.status.connect(window.show_status)
        c.error.connect(window.show_failure)

    @property
    def busy(self) -> bool:
        return self.controller.busy

    def set_document(self, document: Document | None) -> None:
        self.controller.set_document(document)
        self._command = None

    def cancel(self) -> None:
        self.controller.cancel()

    def forget_selection(self) -> None:
        """The last box or lasso no longer applies (the trimap was cleared)."""
        self.controller.forget_selection()
        self._command = None

    def _settings(self):
        return self.w.quick_select_settings()

    # -- requests -------------------------------------------------------------------
    def select(self, rect, lasso) -> None:
        """GrabCut from a box (x, y, w, h) or a lasso (image points) on the solver thread."""
        if self.w.document is None:
            return
        self.w.solver.cancel()  # the trimap is about to be replaced; free the thread
        self.controller.select(self._settings(), rect=rect, lasso=lasso)

    def from_mask(self, mask: np.ndarray, label: str = "Trimap from mask") -> None:
        """Trimap around a mask (float32 H x W in [0, 1]) on the solver thread."""
        if self.w.document is None:
            return
        self.w.solver.cancel()
        self.controller.from_mask(self._settings(), mask, label)

    def from_matte(self) -> None:
        """Trimap around the current alpha matte (the selection the solve made)."""
        doc = self.w.document
        if doc is None:
            return
        if doc.alpha is None or doc.alpha_revision != doc.revision:
            self.w.show_status("No up-to-date matte yet: paint strokes or "
                                           "quick select")
            return
        self.from_mask(doc.alpha, "Trimap from matte")

    def can_refine(self) -> bool:
        """A box/lasso selection exists and its undo step is still applied."""
        cmd = self._command
        return self.controller.can_refine and cmd is not None and cmd.applied

    def refine(self) -> None:
        if self.w.document is None:
            return
        if not self.can_refine():
            self.w.show_status("Refine needs a quick select first: drag a box (Q)")
            return
        self.w.solver.cancel()
        self.controller.refine(self._settings())

    def after_edit(self, tool: Tool) -> None:
        """A stroke or fill was committed: with auto-refine on, a new seed re-runs GrabCut."""
        if tool in (Tool.FOREGROUND, Tool.BACKGROUND) \
                and self.w.auto_refine() and self.can_refine():
            self.refine()

    # -- results --------------------------------------------------------------------
    def _on_trimap(self, trimap: np.ndarray, label: str) -> None:
        doc = self.w.document
        if doc is None:
            return
        command = commit_existing(doc, self.w.undo_stack, doc.replace_trimap(trimap, label))
        if command is not None:  # None: the selection did not change the trimap
            self._command = command
        self.w.show_status(f"{label}: touch up with the brushes, "
                                       "Edge brush (R) for hair")

    def _on_busy(self, busy: bool) -> None:
        self.w.update_busy()
        if not busy and self.w.solver.auto:
            self.w.solver.schedule()  # the solve cancelled for it, or the new trimap's
