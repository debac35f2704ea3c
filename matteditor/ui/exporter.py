"""Exports written on a background thread, so a large 16-bit PNG does not freeze the window.

What to write is taken from the document on the UI thread, as it is when the
user asks (:func:`matteditor.export.pixels_job`).  The cutout composition,
the encoding and the atomic write (:func:`matteditor.export.write_export`,
the command line's writer too) then run on one export thread, one export
after another, and :attr:`Exporter.finished` reports each on the UI thread.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..document import Document
from ..errors import ExportError, MatteError
from ..export import ExportKind, ExportOptions, check_not_an_input, pixels_job, write_export
from ..views import Compositor, ViewSettings

log = logging.getLogger(__name__)


class _Job(QRunnable):
    def __init__(self, exporter: "Exporter", options: ExportOptions,
                 pixels: Callable[[], np.ndarray], photo: np.ndarray) -> None:
        super().__init__()
        self._exporter = exporter
        self._options = options
        self._pixels = pixels
        self._photo = photo

    def run(self) -> None:  # export thread
        o = self._options
        bits = 8 if o.kind is ExportKind.TRIMAP else o.bits
        error = None
        try:
            write_export(o.path, self._pixels(), bits, self._photo)
            log.info("exported %s to %s (%d-bit)", o.kind.suffix, o.path, bits)
        except MatteError as e:
            error = e
        except Exception as e:  # a bug must not pass silently or kill the thread
            log.error("export to %s failed:\n%s", o.path, traceback.format_exc())
            error = ExportError(f"could not write {o.path}: {type(e).__name__}: {e}")
        self._exporter._done.emit(o, error)


class Exporter(QObject):
    """Runs exports one after another on a background thread."""

    finished = Signal(object, object)   # ExportOptions, the MatteError or None on success
    _done = Signal(object, object)      # (from the export thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # in order; two exports to one file never race
        self._running = 0
        self._done.connect(self._on_done)

    @property
    def busy(self) -> bool:
        """True while an export is being written (or waits its turn)."""
        return self._running > 0

    def start(self, document: Document, compositor: Compositor, view: ViewSettings,
              options: ExportOptions, project: Path | None = None) -> None:
        """Begin writing ``options``; raises ExportError at once if there is nothing to
        export, or if the file is the document's photo or its ``project`` file."""
        check_not_an_input(options.path, document.path, project)
        job = _Job(self, options, pixels_job(document, compositor, view, options.kind),
                   document.image)
        self._running += 1
        self._pool.start(job)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every export is written (before exiting); True if none is left."""
        return self._pool.waitForDone(msecs)

    def _on_done(self, options: ExportOptions, error: MatteError | None) -> None:
        self._running -= 1
        self.finished.emit(options, error)
