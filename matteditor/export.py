"""What an export writes and how, for the editor and the command line alike (no Qt).

* :class:`ExportKind` and :class:`ExportOptions`: the editor's kinds of export
  (cutout, cutout with the photo's colours, matte, composite, trimap), the
  formats each can be written as and in how many bits.
* :func:`export_pixels` / :func:`pixels_job`: the array an editor export
  writes, built from the document (``pixels_job``'s function may run on the
  export thread).
* :func:`write_export`: the one writer dispatch (PNG/JPEG, RGBA TIFF, layered
  PSD by the path's suffix), used by the editor's export thread and by
  ``matteditor matte``'s frames.
* :func:`check_not_an_input`: an export never replaces the photo being edited
  or the project it belongs to (:mod:`matteditor.overwrite`).

The editor's dialog (``ui/export_dialog.py``) and export thread
(``ui/exporter.py``) keep only the Qt work.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

from . import compositing
from .errors import ExportError
from .imagewrite import save_image
from .layered_export import write_psd, write_tiff
from .overwrite import document_inputs, refuse_input_overwrite

if TYPE_CHECKING:  # the document and the compositor only as annotations
    from .document import Document
    from .views import Compositor, ViewSettings

TIFF_SUFFIXES = (".tif", ".tiff")
PSD_SUFFIX = ".psd"


class ExportKind(enum.Enum):
    """What an editor export holds: (the dialog's title, the default file-name suffix)."""
    CUTOUT = ("Cutout with estimated foreground colours", "cutout")
    CUTOUT_RAW = ("Cutout with the photo's own colours", "cutout-raw")
    ALPHA = ("Alpha matte only", "alpha")
    COMPOSITE = ("Current view (composite)", "composite")
    TRIMAP = ("Trimap", "trimap")

    @property
    def title(self) -> str:
        return self.value[0]

    @property
    def suffix(self) -> str:
        return self.value[1]

    @property
    def extensions(self) -> tuple[str, ...]:
        """File extensions this kind can be written as, the default first.  Only the
        composite has no transparency, so only it may be a JPEG; cutouts may also be
        an RGBA TIFF or a layered PSD (the photo with its layer mask, and the cutout)."""
        if self is ExportKind.COMPOSITE:
            return (".png", ".jpg", ".jpeg")
        if self in (ExportKind.CUTOUT, ExportKind.CUTOUT_RAW):
            return (".png", ".tif", ".tiff", ".psd")
        return (".png",)


@dataclass(frozen=True)
class ExportOptions:
    """One export: its kind, the file, bits per channel (8 or 16)."""
    kind: ExportKind
    path: Path
    bits: int = 8


#: the formats an export can have: canonical extension -> (name, can hold 16 bits)
FORMATS = {".png": ("PNG", True), ".tif": ("TIFF, RGBA with unassociated alpha", True),
           ".psd": ("Photoshop layers (PSD), 8 bits", False), ".jpg": ("JPEG, 8 bits", False)}
_CANONICAL = {".tiff": ".tif", ".jpeg": ".jpg"}


def format_of(path: Path) -> str:
    """The canonical extension of ``path``'s format (``.tif`` for ``.tiff``)."""
    suffix = path.suffix.lower()
    return _CANONICAL.get(suffix, suffix)


def formats_for(kind: ExportKind) -> list[str]:
    """The canonical extensions ``kind`` can be written as, the default first."""
    return [e for e in kind.extensions if e not in _CANONICAL]


def depth_for(path: Path, bits: int) -> int:
    """The depth a file at ``path`` is written with: ``bits`` where the format holds 16
    bits per channel, 8 where it holds only 8 (PSD layers, JPEG)."""
    return bits if FORMATS.get(format_of(path), ("", True))[1] else 8


def export_pixels(document: Document, compositor: Compositor, view: ViewSettings,
                  kind: ExportKind) -> np.ndarray:
    """The array to write for ``kind``: float32 in [0, 1] (H x W matte, H x W x 3
    composite, H x W x 4 straight-alpha cutout), or the uint8 H x W trimap.

    The alpha is the document's matte, the very array the screen shows (the
    engine's alpha with the edge adjustments), at full resolution.  Raises
    ExportError when there is no matte yet, or (for the cutout) no estimated
    foreground colours.
    """
    if kind is ExportKind.TRIMAP:
        return document.trimap
    if document.alpha is None:
        raise ExportError("there is no matte to export yet: paint some foreground (F) "
                          "and background (B) and wait for the matte")
    matte = document.matte()       # with the edge adjustments
    if kind is ExportKind.ALPHA:
        return matte.alpha
    if kind is ExportKind.CUTOUT_RAW:
        return compositing.cutout_rgba(document.image, matte.alpha)
    if kind is ExportKind.CUTOUT:
        if matte.colors is None:  # the solver thread estimates them, never the UI
            raise ExportError("the foreground colours are not estimated yet; update the matte "
                              "(Ctrl+R), or export the cutout with the photo's own colours")
        return compositing.cutout_rgba(matte.colors, matte.alpha)
    return compositor.export_view(view)


def pixels_job(document: Document, compositor: Compositor, view: ViewSettings,
               kind: ExportKind) -> Callable[[], np.ndarray]:
    """A function giving the pixels to export (as :func:`export_pixels`), safe to call
    on another thread: what it needs is taken now (the trimap copied; the alpha and
    colours by reference, the document replaces them, never changes them in place).

    Raises ExportError now (on the calling thread) when there is nothing to export.
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
    """Write ``pixels`` atomically at ``path`` in the format its suffix names.

    Args:
        path: the file; ``.tif``/``.tiff`` and ``.psd`` take an RGBA cutout, anything
            else goes to :func:`matteditor.imagewrite.save_image` (PNG, JPEG, ...).
        pixels: float32 in [0, 1] H x W, H x W x 3 or H x W x 4 (straight alpha),
            or uint8 (a trimap).
        bits: 8 or 16 per channel; a PSD holds 8 only and refuses 16.
        photo: float32 H x W x 3 in [0, 1], the photo under the cutout in a PSD.
    Raises:
        ExportError naming the path and the reason; a previous file is intact.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    cutout = pixels.ndim == 3 and pixels.shape[2] == 4
    if cutout and suffix in TIFF_SUFFIXES:
        write_tiff(path, pixels[..., :3], pixels[..., 3], bits=bits)
    elif cutout and suffix == PSD_SUFFIX:
        if bits != 8:   # the layers are 8-bit: never write fewer bits than asked silently
            raise ExportError(f"could not write {path}: a layered PSD holds 8 bits per "
                              f"channel, not {bits}; export a TIFF for 16 bits")
        write_psd(path, photo, pixels[..., 3], pixels[..., :3])
    else:
        save_image(path, pixels, bits=bits)


def check_not_an_input(path: Path, photo: Path | None, project: Path | None = None) -> None:
    """Raise ExportError if an export to ``path`` would replace the photo being edited
    or the project file it belongs to (however the path is spelt: ``../``, a
    symbolic or hard link)."""
    refuse_input_overwrite(Path(path), document_inputs(photo, project),
                           hint="export to another file")
