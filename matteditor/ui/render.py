"""Keeps the on-screen view in step with the document and the view settings.

Small edits (a stroke) are recomposed at once on the UI thread, for their
rectangle only.  Whole-view recompositions (a new alpha, another view) of
large photos run on a compose thread and the finished buffer is swapped in;
rectangles painted meanwhile are recomposed onto it, so nothing is lost.
Small photos are composed synchronously (simpler, and instant anyway).

Whole pictures composed for a kept result are kept too (a few, see
:class:`PictureCache`): undo/redo back to a result whose picture is kept swaps
it in at once instead of composing it again.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from ..document import Change, ChangeKind, Document
from ..geometry import Rect
from .display import DisplayBuffer
from ..views import (Compositor, PictureKey, ViewMode, ViewSettings, neighbour_results,
                     original_view)

log = logging.getLogger(__name__)

ASYNC_PIXELS = 2_000_000  # compose larger views off the UI thread
CACHE_PICTURES = 8        # composed pictures kept at most...
CACHE_BYTES = 256 * 2**20  # ...and their bytes (the current one is kept whatever its size)
AHEAD_DELAY_MS = 50       # composing ahead waits this long (the picture shown is painted first)


class PictureCache:
    """Composed pictures (display buffers) of recent results, views and settings,
    found by :class:`~matteditor.views.PictureKey`; the least recently used go first,
    and so do those whose result or background is gone.  A kept buffer must not be
    changed: copy it first (:meth:`DisplayBuffer.copy`)."""

    def __init__(self, max_entries: int = CACHE_PICTURES, max_bytes: int = CACHE_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._items: list[tuple[PictureKey, DisplayBuffer]] = []   # oldest first

    def __len__(self) -> int:
        return len(self._items)

    def has(self, key: PictureKey) -> bool:
        return any(k == key for k, _ in self._items)

    def holds(self, buffer: DisplayBuffer) -> bool:
        return any(b is buffer for _, b in self._items)

    def get(self, key: PictureKey | None) -> DisplayBuffer | None:
        if key is None:
            return None
        for i, (k, buffer) in enumerate(self._items):
            if k == key:
                self._items.append(self._items.pop(i))
                return buffer
        return None

    def put(self, key: PictureKey | None, buffer: DisplayBuffer) -> None:
        if key is None:
            return
        items = [(k, b) for k, b in self._items if k.alive and not k == key]
        items.append((key, buffer))
        total = sum(b.nbytes for _, b in items)
        while len(items) > 1 and (len(items) > self.max_entries or total > self.max_bytes):
            total -= items.pop(0)[1].nbytes
        self._items = items

    def clear(self) -> None:
        self._items.clear()


class ViewRenderer(QObject):
    """Composes the current view into a :class:`DisplayBuffer` as things change."""

    changed = Signal(object)               # Rect (image pixels) that now looks different
    _composed = Signal(object, object, object)  # settings, DisplayBuffer or None, job

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
        self.pictures = PictureCache()
        self._generation = 0               # bumped when a kept picture is swapped in
        self._ahead = False                # the compose running is of a picture ahead
        self._ahead_timer = QTimer(self)
        self._ahead_timer.setSingleShot(True)
        self._ahead_timer.setInterval(AHEAD_DELAY_MS)
        self._ahead_timer.timeout.connect(self._compose_ahead)
        # An undo step's trimap region, drawn on the next turn of the event loop unless
        # the restored matte's kept picture replaces the view first (no copy of it then).
        self._deferred: Rect | None = None
        self._deferred_timer = QTimer(self)
        self._deferred_timer.setSingleShot(True)
        self._deferred_timer.setInterval(0)
        self._deferred_timer.timeout.connect(self._flush_deferred)
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
        """True while the view shown is being composed (not a picture composed ahead)."""
        return self._running and not self._ahead

    @property
    def idle(self) -> bool:
        """True when nothing is composed or about to be (pictures ahead included)."""
        return not self._running and not self._ahead_timer.isActive()

    def detach(self) -> None:
        self.document.unsubscribe(self._on_change)
        self.pictures.clear()
        self._ahead_timer.stop()
        self._deferred_timer.stop()
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
        regional = rect is not None and shown.mode.regional
        if regional and self._deferred is not None:
            rect, self._deferred = rect.union(self._deferred), None
        if regional and self._running:
            self._painted = rect.union(self._painted)
        if not regional and self._swap_kept():
            return
        if regional or self._executor is None:
            start = time.perf_counter()
            done, pixels = self.compositor.render(shown, rect)
            if self.pictures.holds(self.buffer):   # kept: change a copy of it
                self.buffer = self.buffer.copy() if regional else \
                    DisplayBuffer(self.buffer.width, self.buffer.height)
            changed = self.buffer.write(done, pixels)
            if not regional:
                log.debug("composed %s (%dx%d) in %.0f ms", shown.mode.title, done.width,
                          done.height, 1000 * (time.perf_counter() - start))
                self.pictures.put(self.compositor.picture_key(shown), self.buffer)
            self.changed.emit(changed)
        elif self._running:
            self._pending = True
        else:
            self._start()

    def _swap_kept(self) -> bool:
        """Show the kept picture of the view as it is now, if there is one (a compose
        under way is then not waited for: its picture is dropped when it lands)."""
        buffer = self.pictures.get(self.compositor.picture_key(self.shown))
        if buffer is None:
            return False
        self._generation += 1
        self._pending = False
        self._painted = None
        self._deferred = None              # the kept picture shows the trimap as it is
        self.buffer = buffer
        self.changed.emit(buffer.bounds)
        self._ahead_timer.start()
        return True

    # -- asynchronous whole-view composition --------------------------------------------
    def _start(self) -> None:
        if self._executor is None:
            return
        self._running = True
        self._ahead = False
        self._pending = False
        self._painted = None
        shown = self.shown
        job = (self._generation, self.compositor.picture_key(shown), False)
        self._executor.submit(self._compose, self.compositor, shown, job)

    def _compose_ahead(self) -> None:
        """While idle, compose (on the compose thread) the picture of the view that undo
        or redo would return to, unless it is kept: then it is swapped in at once."""
        if self._executor is None or self._running or self._pending:
            return
        shown = self.shown
        for result in neighbour_results(self.document):
            kept = self.compositor.for_result(result)
            key = kept.picture_key(shown)
            if key is not None and not self.pictures.has(key):
                self._running = self._ahead = True
                self._executor.submit(self._compose, kept, shown, (self._generation, key, True))
                return

    def _compose(self, compositor: Compositor, settings: ViewSettings, job: tuple) -> None:
        """Compose thread."""
        start = time.perf_counter()
        try:
            _, pixels = compositor.render(settings)
            buffer = DisplayBuffer.from_pixels(pixels)
        except Exception:  # a bug here must not kill the thread silently
            log.exception("composing the %s view failed", settings.mode.title)
            buffer = None
        log.debug("composed %s in %.0f ms (compose thread%s)", settings.mode.title,
                  1000 * (time.perf_counter() - start), ", ahead" if job[2] else "")
        try:
            self._composed.emit(settings, buffer, job)
        except RuntimeError:  # the renderer went away meanwhile
            pass

    def _on_composed(self, settings: ViewSettings, buffer: DisplayBuffer | None,
                     job: tuple) -> None:
        generation, key, ahead = job
        self._running = self._ahead = False
        if self._executor is None:
            return
        if ahead:
            self._painted = None
            if buffer is not None and key.alive:
                self.pictures.put(key, buffer)
            if self._pending or settings != self.shown:
                if not self._swap_kept():
                    self._start()
            elif buffer is not None:
                self._ahead_timer.start()
            return
        if buffer is not None and settings == self.shown and generation == self._generation:
            self.buffer = buffer
            if self._painted is not None and settings.mode.regional:
                done, pixels = self.compositor.render(settings, self._painted)
                buffer.write(done, pixels)
            if not self._pending and key is not None \
                    and key == self.compositor.picture_key(settings):
                self.pictures.put(key, buffer)   # what it shows is the view's as it is
            self._painted = None
            self.changed.emit(buffer.bounds)
        if self._pending or settings != self.shown:
            self._start()
        elif buffer is not None:
            self._ahead_timer.start()

    def _flush_deferred(self) -> None:
        rect, self._deferred = self._deferred, None
        if rect is not None and self.shown.mode.regional:   # else recomposed whole anyway
            self.refresh(rect)

    def _on_change(self, change: Change) -> None:
        if change.kind is ChangeKind.TRIMAP and change.rect is not None:
            if not self.shown.mode.regional:
                return
            if not change.in_stroke and self._executor is not None \
                    and self.pictures.holds(self.buffer):
                # Likely an undo/redo step whose kept picture follows at once: drawing
                # the step now would copy the kept picture first (~30 ms at 2.5 MP).
                self._deferred = change.rect.union(self._deferred)
                self._deferred_timer.start()
            else:
                self.refresh(change.rect)
        elif change.kind is ChangeKind.ALPHA:
            # A restored matte differs only around the edit (Document.restore_result):
            # its kept picture is swapped in, else small regions are recomposed at once,
            # larger ones on the compose thread.
            rect = change.rect
            if rect is not None and rect.empty:
                return
            if self._swap_kept():
                return
            small = rect is not None and rect.area <= self.document.bounds.area // 16
            self.refresh(rect if small else None)
