"""Quick select in the editor: Segment Anything or GrabCut (or an imported mask) to a
trimap, off the UI thread.

:class:`QuickSelectTool` is the window's side: gestures and menu actions in, undo
steps out; it sees the editor through its :class:`~matteditor.ui.context.EditorContext`.
Boxes, lassos, clicks and Select subject use Segment Anything when its weights are
installed and GrabCut otherwise, and the status bar says which.  A click adds a
positive point to the last selection, a Shift+click a negative one: each click is one
undo step.  With "refine as I paint", a foreground or background stroke redoes the
selection only around the stroke.

The job and its worker (on the solver thread) are in :mod:`.select_worker`;
:class:`QuickSelectController` is the UI-thread side: it builds requests from the
document, and turns a fresh result into a trimap the window commits as one undo step.
The UI thread never runs GrabCut or the network.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Sequence

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal

from ..document import Document
from ..quickselect import QuickSelectSettings
from ..segmentation.selector import Selection, default_selector
from ..tools import Tool
from ..trimap import BACKGROUND, FOREGROUND
from .commands import TrimapCommand, commit_existing
from .context import EditorContext
from .latest import RequestController
from .select_worker import METHOD_NAMES, SelectRequest, SelectWorker

log = logging.getLogger(__name__)


class QuickSelectController(RequestController):
    """UI-thread side; one per main window, its worker on the solver's thread."""

    trimap_ready = Signal(object, str)   # trimap, undo label (fresh: commit it)

    def __init__(self, thread: QThread, parent: QObject | None = None) -> None:
        super().__init__(SelectWorker(), thread, parent)
        self.document: Document | None = None
        self._key = 0
        # the last selection's request, the trimap it produced and its mask
        self._last: tuple[SelectRequest, np.ndarray, np.ndarray] | None = None
        self._worker.done.connect(self._on_done)

    def set_document(self, document: Document | None) -> None:
        self._worker.cancel()
        self.document = document
        self._key += 1
        self._last = None

    def forget_selection(self) -> None:
        """The last selection no longer applies (e.g. the trimap was cleared): strokes
        and clicks from now on do not refine it."""
        self._last = None

    # -- requests ----------------------------------------------------------------
    def select(self, settings: QuickSelectSettings,
               rect: tuple[int, int, int, int] | None = None,
               lasso: Sequence[tuple[float, float]] | None = None) -> bool:
        """A box or a lasso, the trimap's fg/bg strokes kept (GrabCut: hard seeds)."""
        selection = Selection(rect=rect, lasso=tuple(lasso) if lasso is not None else None)
        return self._post_job(settings, selection=selection,
                              label="Quick select (lasso)" if lasso is not None else "Quick select")

    def select_subject(self, settings: QuickSelectSettings) -> bool:
        """The photo's most salient object."""
        return self._post_job(settings, selection=Selection(subject=True),
                              label="Select subject")

    def click(self, settings: QuickSelectSettings, x: float, y: float,
              negative: bool = False) -> bool:
        """A click on the object (or, ``negative``, off it): added to the last selection
        when there is one, else a new selection from this click."""
        doc = self.document
        if doc is None:
            return False
        label = "Quick select: remove click" if negative else "Quick select: add click"
        if self._last is None or self._last[0].selection is None:
            if negative:
                self.status.emit("Click on the object first; Shift+click then removes "
                                 "what is not the object")
                return False
            return self._post_job(settings, selection=Selection(points=((x, y),)),
                                  label=label)
        last = self._last[0]
        sel = last.selection
        if negative:
            sel = replace(sel, negative=sel.negative + ((x, y),))
        else:
            sel = replace(sel, points=sel.points + ((x, y),))
        return self._post_job(settings, seeds=self._seeds(), selection=sel, label=label,
                              method=last.method)

    def from_mask(self, settings: QuickSelectSettings, mask: np.ndarray,
                  label: str = "Trimap from mask") -> bool:
        """A trimap around a mask (float32 H x W in [0, 1], the photo's size)."""
        return self._post_job(settings, mask=mask, label=label)

    @property
    def can_refine(self) -> bool:
        """True once a selection of this document has been applied."""
        return self._last is not None

    @property
    def method(self) -> str | None:
        """The method of the last selection ("sam", "grabcut"), or None."""
        return None if self._last is None else self._last[0].method

    def _seeds(self) -> np.ndarray:
        """The strokes of the last selection plus the pixels that are now
        foreground/background but were not in the trimap it produced (so the
        selection's own fill does not freeze the result)."""
        doc = self.document
        last, produced, _ = self._last
        seeds = last.trimap.copy()
        for label in (FOREGROUND, BACKGROUND):
            seeds[(doc.trimap == label) & (produced != label)] = label
        return seeds

    def refine(self, settings: QuickSelectSettings,
               region: tuple[int, int, int, int] | None = None) -> bool:
        """The last selection again, with the fg/bg strokes painted since as seeds;
        with ``region`` (a stroke's box x0, y0, x1, y1), only around it."""
        doc = self.document
        if doc is None or self._last is None:
            return False
        last, _, mask = self._last
        return self._post_job(settings, seeds=self._seeds(), selection=last.selection,
                              method=last.method, region=region,
                              base=mask if region is not None else None,
                              label="Refine quick select")

    def _post_job(self, settings: QuickSelectSettings, seeds: np.ndarray | None = None,
                  method: str | None = None, **job) -> bool:
        doc = self.document
        if doc is None:
            return False
        seeds = doc.trimap.copy() if seeds is None else seeds
        if job.get("mask") is None:
            method = method or default_selector()
        req = SelectRequest(self._key, doc.revision, doc.image, seeds, settings,
                            method=method or "grabcut", **job)
        self.status.emit(f"{req.label} with {req.method_name}…")
        self._post(req)
        return True

    def cancel(self) -> None:
        self._worker.cancel()

    # -- results -------------------------------------------------------------------
    def _describe(self, request: SelectRequest) -> str:
        return request.label

    def _on_done(self, req: SelectRequest, trimap: np.ndarray, mask: np.ndarray) -> None:
        doc = self.document
        if not self.is_current(req) or doc is None or req.document_key != self._key:
            self._drop(req)
            return
        if req.revision != doc.revision:
            # The user painted while the selection ran: its seeds are out of date.
            self._drop(req)
            self.status.emit(f"{req.label} dropped: the trimap changed while it ran; "
                             "drag again")
            return
        # a selection (refined or clicked) can be refined and clicked on again
        self._last = (req, trimap, mask) if req.mask is None else None
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

    @property
    def method(self) -> str:
        """What the next box, lasso or click uses: "sam" once installed, else "grabcut"."""
        return default_selector()

    # -- requests -------------------------------------------------------------------
    def select(self, rect, lasso) -> None:
        """A box (x, y, w, h) or a lasso (image points), on the solver thread."""
        if self.w.document is None:
            return
        self.w.solver.cancel()  # the trimap is about to be replaced; free the thread
        self.controller.select(self._settings(), rect=rect, lasso=lasso)

    def select_subject(self) -> None:
        """Select subject (Matte menu): the photo's most salient object."""
        if self.w.document is None:
            return
        self.w.solver.cancel()
        self.controller.select_subject(self._settings())

    def click(self, x: float, y: float, negative: bool = False) -> None:
        """A click of the quick-select tool: adds (``negative``: removes) a point."""
        if self.w.document is None:
            return
        self.w.solver.cancel()
        self.controller.click(self._settings(), x, y, negative)

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
        """A selection exists and its undo step is still applied."""
        cmd = self._command
        return self.controller.can_refine and cmd is not None and cmd.applied

    def refine(self, region: tuple[int, int, int, int] | None = None) -> None:
        """The last selection again with the strokes painted since (``region``: a
        stroke's box x0, y0, x1, y1: only around it)."""
        if self.w.document is None:
            return
        if not self.can_refine():
            self.w.show_status("Refine needs a quick select first: drag a box (Q)")
            return
        self.w.solver.cancel()
        self.controller.refine(self._settings(), region)

    def after_edit(self, tool: Tool, edit=None) -> None:
        """A stroke or fill was committed: with auto-refine on, a new seed redoes the
        selection, around the stroke only when its box (``edit.rect``) is known."""
        if tool in (Tool.FOREGROUND, Tool.BACKGROUND) \
                and self.w.auto_refine() and self.can_refine():
            rect = getattr(edit, "rect", None)
            region = None if rect is None else (rect.x0, rect.y0, rect.x1, rect.y1)
            self.refine(region)

    # -- results --------------------------------------------------------------------
    def _on_trimap(self, trimap: np.ndarray, label: str) -> None:
        doc = self.w.document
        if doc is None:
            return
        command = commit_existing(doc, self.w.undo_stack, doc.replace_trimap(trimap, label))
        if command is not None:  # None: the selection did not change the trimap
            self._command = command
        method = self.controller.method
        if method is None:      # from a mask or the matte
            self.w.show_status(f"{label}: touch up with the brushes, Edge brush (R) for hair")
            return
        self.w.show_status(f"{label} with {METHOD_NAMES[method]}: click to add, "
                           "Shift+click to remove; Edge brush (R) for hair")

    def _on_busy(self, busy: bool) -> None:
        self.w.update_busy()
        if not busy and self.w.solver.auto:
            self.w.solver.schedule()  # the solve cancelled for it, or the new trimap's
