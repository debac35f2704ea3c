"""The window's side of quick select: gestures and menu actions in, undo steps out.

Like :mod:`matteditor.ui.files`, a helper holding the window; the GrabCut
work itself is posted to the solver thread through
:class:`~matteditor.ui.selection.QuickSelectController`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..document import Document
from .commands import TrimapCommand, commit_existing
from .selection import QuickSelectController
from .tools import Tool

if TYPE_CHECKING:
    from .main_window import MainWindow


class QuickSelectTool:
    def __init__(self, window: "MainWindow") -> None:
        self.w = window
        self.controller = QuickSelectController(window.solver.thread, window)
        self._command: TrimapCommand | None = None  # the undo step of the last selection
        c = self.controller
        c.trimap_ready.connect(self._on_trimap)
        c.busy_changed.connect(self._on_busy)
        c.progress.connect(window._on_progress)
        c.status.connect(lambda text: window.statusBar().showMessage(text))
        c.error.connect(self._on_error)

    @property
    def busy(self) -> bool:
        return self.controller.busy

    def set_document(self, document: Document | None) -> None:
        self.controller.set_document(document)
        self._command = None

    def cancel(self) -> None:
        self.controller.cancel()

    def _settings(self):
        return self.w.panel.quick_select_settings()

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
            self.w.statusBar().showMessage("No up-to-date matte yet: paint strokes or "
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
            self.w.statusBar().showMessage("Refine needs a quick select first: drag a box (Q)")
            return
        self.w.solver.cancel()
        self.controller.refine(self._settings())

    def after_edit(self, tool: Tool) -> None:
        """A stroke or fill was committed: with auto-refine on, a new seed re-runs GrabCut."""
        if tool in (Tool.FOREGROUND, Tool.BACKGROUND) \
                and self.w.panel.auto_refine_check.isChecked() and self.can_refine():
            self.refine()

    # -- results --------------------------------------------------------------------
    def _on_trimap(self, trimap: np.ndarray, label: str) -> None:
        doc = self.w.document
        if doc is None:
            return
        command = commit_existing(doc, self.w.undo_stack, doc.replace_trimap(trimap, label))
        if command is not None:  # None: the selection did not change the trimap
            self._command = command
        self.w.statusBar().showMessage(f"{label}: touch up with the brushes, "
                                       "Edge brush (R) for hair")

    def _on_busy(self, busy: bool) -> None:
        solver = self.w.solver
        self.w._on_busy(busy or solver.busy)
        if not busy and solver.auto:
            solver.schedule()  # the solve cancelled for it, or the new trimap's

    def _on_error(self, message: str, trace: str) -> None:
        self.w.statusBar().showMessage(message)
        if trace:
            self.w._on_solver_error(message, trace)
