"""Exports written on a background thread, so a large 16-bit PNG does not freeze the window.

What to write is taken from the document on the UI thread, as it is when the
user asks (the trimap copied, the alpha and colours by reference: the
document replaces those arrays, it never changes them in place).  The
cutout composition, the encoding and the atomic write then run on one
export thread, one export after another, and :attr:`Exporter.finished`
reports each on the UI thread.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from .. import compositing
from ..document import Document
from ..errors import ExportError, MatteError
from ..imageio import save_image
from ..layered_export import write_psd, write_tiff
from .export_dialog import ExportKind, ExportOptions, export_pixels
from ..views import Compositor, ViewSettings

log = logging.getLogger(__name__)


def pixels_job(document: Document, compositor: Compositor, view: ViewSettings,
               kind: ExportKind) -> Callable[[], np.ndarray]:
    """A function giving the pixels to export, safe to call on another thread.

    Raises ExportError now (on the calling thread) when there is nothing to
    export, as :func:`export_pixels` does.
    """
    if kind is ExportKind.TRIMAP:
        trimap = document.trimap.copy()  # painted in place: copy it as it is now
        return lambda: trimap
    if kind in (ExportKind.CUTOUT, ExportKind.CUTOUT_RAW):
        if document.alpha is None or (kind is ExportKind.CUTOUT and document.foreground is None):
            export_pixels(document, compositor, view, kind)  # raises, saying why
        matte, image = document.matte_job(), document.image   # adjusted on the export thread

        def cutout() -> np.ndarray:
            m = matte()
            return compositing.cutout_rgba(image if kind is ExportKind.CUTOUT_RAW else m.colors,
                                           m.alpha)
        return cutout
    pixels = export_pixels(document, compositor, view, kind)  # alpha: the array itself
    return lambda: pixels


def write_export(path: Path, pixels: np.ndarray, bits: int, photo: np.ndarray) -> None:
    """Write ``pixels`` at ``path`` in the format its suffix names: an RGBA cutout
    (H x W x 4) may go to a TIFF or to a layered PSD with ``photo`` under it."""
    suffix = path.suffix.lower()
    cutout = pixels.ndim == 3 and pixels.shape[2] == 4
    if cutout and suffix in (".tif", ".tiff"):
        write_tiff(path, pixels[..., :3], pixels[..., 3], bits=bits)
    elif cutout and suffix == ".psd":
        if bits != 8:   # the layers are 8-bit: never write fewer bits than asked silently
            raise ExportError(f"could not write {path}: a layered PSD holds 8 bits per "
                              f"channel, not {bits}; export a TIFF for 16 bits")
        write_psd(path, photo, pixels[..., 3], pixels[..., :3])
    else:
        save_image(path, pixels, bits=bits)


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
              options: ExportOptions) -> None:
        """Begin writing ``options``; raises ExportError at once if there is nothing to export."""
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
