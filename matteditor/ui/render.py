"""Keeps the on-screen view in step with the document and the view settings."""

from __future__ import annotations

import logging
import time

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..document import Change, ChangeKind, Document, Rect
from .display import DisplayBuffer
from .views import Compositor, ViewMode, ViewSettings

log = logging.getLogger(__name__)


class ViewRenderer(QObject):
    """Composes the current view into a :class:`DisplayBuffer` as things change."""

    changed = Signal(object)  # Rect (image pixels) that now looks different

    def __init__(self, document: Document, settings: ViewSettings = ViewSettings(),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings
        self.compositor = Compositor(document)
        w, h = document.size
        self.buffer = DisplayBuffer(w, h)
        document.subscribe(self._on_change)
        self.refresh()

    def detach(self) -> None:
        self.document.unsubscribe(self._on_change)

    def set_settings(self, settings: ViewSettings) -> None:
        if settings != self.settings:
            self.settings = settings
            self.refresh()

    def set_background(self, background: np.ndarray | None) -> None:
        """Background photo for the cutout-on-image view (float32 H x W x 3)."""
        self.compositor.background = background
        if self.settings.mode in (ViewMode.IMAGE,):
            self.refresh()

    def refresh(self, rect: Rect | None = None) -> None:
        """Recompose ``rect`` (or everything) and tell the canvas."""
        start = time.perf_counter()
        done, pixels = self.compositor.render(self.settings, rect)
        changed = self.buffer.write(done, pixels)
        if rect is None:
            log.debug("composed %s (%dx%d) in %.0f ms", self.settings.mode.title, done.width,
                      done.height, 1000 * (time.perf_counter() - start))
        self.changed.emit(changed)

    def _on_change(self, change: Change) -> None:
        if change.kind is ChangeKind.TRIMAP and change.rect is not None:
            if self.settings.mode.regional:
                self.refresh(change.rect)
        elif change.kind is ChangeKind.ALPHA:
            self.refresh()
