"""Keeps the on-screen view in step with the document and the view settings.

Small edits (a stroke; a matte restored by undo or redo, which differs from the one
shown only around the edit) are recomposed at once on the UI thread, for their
rectangle only: up to :data:`SYNC_PIXELS` pixels, a few tens of milliseconds.
Whole-view recompositions (a new alpha, another view) of large photos run on a
compose thread and the finished buffer is swapped in; rectangles painted meanwhile
are recomposed onto it, so nothing is lost.  Small photos are composed synchronously
(simpler, and instant anyway).
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QObject, Signal

from ..document import Change, ChangeKind, Document
from ..geometry import Rect
from .display import DisplayBuffer
from ..views import Compositor, ViewMode, ViewSettings, original_view

log = logging.getLogger(__name__)

ASYNC_PIXELS = 2_000_000  # compose larger views off the UI thread
#: a changed rectangle up to this many pixels is recomposed on the UI thread at once
#: (uint8 blends: ~15 ms per megapixel here, benchmarks/undo_reopen.py)
SYNC_PIXELS = 2_000_000


class ViewRenderer(QObject):
    """Composes the current view into a :class:`DisplayBuffer` as things change."""

    changed = Signal(object)               # Rect (image pixels) that now looks different
    _composed = Signal(object, object)     # settings, DisplayBuffer or None (compose thread)

    def __init__(self, document: Document, settings: ViewSettings = ViewSettings(),
                 parent: QObject | None = None, async_pixels: int = ASYNC_PIXELS) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings           # as chosen (what exports and the status bar use)
        self.original = False              # show the photo alone instead ("Show original")
        self.compositor = Compositor(document)
        w, h = document.size
        self._executor: ThreadPoolExecutor | None = None
        self._running = False
        self._pending = False
        self._painted: Rect | None = None  # regions recomposed while a full compose runs
        if w * h >= async_pixels:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="matteditor-compose")
            self._composed.connect(self._on_composed)
            self.buffer = DisplayBuffer.from_pixels(self.compositor.photo8)  # until composed
        else:
            self.buffer = DisplayBuffer(w, h)
        document.subscribe(self._on_change)
        self.refresh()

    @property
    def composing(self) -> bool:
        return self._running

    def detach(self) -> None:
        self.document.unsubscribe(self._on_change)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    @property
    def shown(self) -> ViewSettings:
        """The settings the buffer is composed with: ``settings``, or the photo alone
        while :attr:`original` is on."""
        return original_view(self.settings) if self.original else self.settings

    @property
    def draws_trimap(self) -> bool:
        """True when the view shows the trimap's colours (else the canvas draws a
        stroke's path on top while it is painted)."""
        shown = self.shown
        return shown.mode is ViewMode.OVERLAY and shown.overlay_opacity > 0

    def set_settings(self, settings: ViewSettings) -> None:
        if settings != self.settings:
            self.settings = settings
            self.refresh()

    def set_original(self, on: bool) -> None:
        """Show the photo alone (True) or the chosen view again (False)."""
        if on != self.original:
            self.original = on
            self.refresh()

    def set_background(self, background: np.ndarray | None) -> None:
        """Background photo for the cutout-on-image view (float32 H x W x 3)."""
        self.compositor.background = background
        if self.shown.mode is ViewMode.IMAGE:
            self.refresh()

    def refresh(self, rect: Rect | None = None) -> None:
        """Recompose ``rect`` (or everything) and tell the canvas."""
        shown = self.shown
        regional = rect is not None
        if regional and self._running:
            self._painted = rect.union(self._painted)
        if regional or self._executor is None:
            start = time.perf_counter()
            done, pixels = self.compositor.render(shown, rect)
            changed = self.buffer.write(done, pixels)
            if rect is None:
                log.debug("composed %s (%dx%d) in %.0f ms", shown.mode.title, done.width,
                          done.height, 1000 * (time.perf_counter() - start))
            self.changed.emit(changed)
        elif self._running:
            self._pending = True
        else:
            self._start()

    # -- asynchronous whole-view composition --------------------------------------------
    def _start(self) -> None:
        if self._executor is None:
            return
        self._running = True
        self._pending = False
        self._painted = None
        self._executor.submit(self._compose, self.shown)

    def _compose(self, settings: ViewSettings) -> None:
        """Compose thread."""
        start = time.perf_counter()
        try:
            _, pixels = self.compositor.render(settings)
            buffer = DisplayBuffer.from_pixels(pixels)
        except Exception:  # a bug here must not kill the thread silently
            log.exception("composing the %s view failed", settings.mode.title)
            buffer = None
        log.debug("composed %s in %.0f ms (compose thread)", settings.mode.title,
                  1000 * (time.perf_counter() - start))
        try:
            self._composed.emit(settings, buffer)
        except RuntimeError:  # the renderer went away meanwhile
            pass

    def _on_composed(self, settings: ViewSettings, buffer: DisplayBuffer | None) -> None:
        self._running = False
        if self._executor is None:
            return
        if buffer is not None and settings == self.shown:
            self.buffer = buffer
            if self._painted is not None:
                done, pixels = self.compositor.render(settings, self._painted)
                buffer.write(done, pixels)
            self._painted = None
            self.changed.emit(buffer.bounds)
        if self._pending or settings != self.shown:
            self._start()

    def _on_change(self, change: Change) -> None:
        if change.kind is ChangeKind.TRIMAP and change.rect is not None:
            if self.shown.mode.shows_trimap:
                self.refresh(change.rect)
        elif change.kind is ChangeKind.ALPHA:
            # A restored matte differs only around the edit (Document.restore_result):
            # that region is recomposed at once if it is not too large, else the whole
            # view on the compose thread.
            rect = change.rect
            if rect is not None and rect.empty:
                return
            whole = rect is None or rect.area >= self.document.bounds.area
            small = not whole and rect.area <= SYNC_PIXELS
            self.refresh(rect if small else None)
