"""Export for other programs: TIFF with alpha and layered PSD (no Qt).

* :func:`write_tiff` -- 8- or 16-bit RGBA TIFF, straight alpha, its
  ExtraSamples tag marking the fourth channel as unassociated alpha (2), so
  Photoshop, GIMP and Krita read it as transparency, not as a spare channel.
  Written by ``tifffile`` (BSD-3-Clause), zlib-compressed.
* :func:`write_psd` -- an 8-bit RGB Photoshop document with two layers:
  "Photo" (bottom, hidden), the photo with the matte as its layer mask, to
  re-edit the mask non-destructively; and "Cutout" (top, visible), the
  decontaminated foreground colours with the matte as transparency -- what
  Photoshop's Select and Mask outputs with Decontaminate Colors (there too
  the masked original is hidden, as both shown would double the edge's
  coverage).  Programs that read layers (Photoshop, GIMP, Krita, Affinity)
  show it right; the flattened image stored for viewers that do not is
  psd-tools' composite, which in 1.26 keeps the cutout's colours but drops
  their transparency (an RGBA document's merged alpha comes out all 0).

PSD library: ``psd-tools`` (MIT).  Since 1.10 it writes documents, and its
current version (1.26) creates pixel layers from arrays and layer masks
(``Layer.create_mask``); it also reads them back, which the tests use.
``pytoshop`` (BSD) was the alternative: its last release (1.2.1) is from
2018, has no wheel (built from source with Cython), imports ``six`` without
declaring it, and on Python 3.11 with numpy 2 fails to write a layer with
its default compression (``NameError: packbits``), so it was not chosen.

Both writers go through :func:`matteditor.imagewrite.atomic_write`: a
temporary file in the target folder, fsynced and renamed over the target;
every failure is an :class:`~matteditor.errors.ExportError` naming the path
and the reason, and any previous file is left intact.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .compositing import cutout_rgba
from .errors import ExportError, MatteError
from .imagewrite import PathLike, _quantise, atomic_write

log = logging.getLogger(__name__)

TIFF_SUFFIXES = (".tif", ".tiff")
PSD_SUFFIX = ".psd"
PSD_MAX_SIDE = 30000          # larger documents need the PSB format
PHOTO_LAYER = "Photo"
CUTOUT_LAYER = "Cutout"
_UNASSOCIATED_ALPHA = 2       # TIFF ExtraSamples value


def _check_suffix(path: Path, allowed: tuple[str, ...], kind: str) -> None:
    if path.suffix.lower() not in allowed:
        raise ExportError(f"could not write {path}: a {kind} file needs the extension "
                          f"{' or '.join(allowed)}, not '{path.suffix}'")


def _rgba(path: Path, image: np.ndarray, alpha: np.ndarray,
          foreground: np.ndarray | None) -> np.ndarray:
    """Float32 H x W x 4 straight-alpha cutout: ``foreground`` (or the photo) and alpha."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3 or img.size == 0:
        raise ExportError(f"could not write {path}: the photo must be H x W x 3, "
                          f"got shape {img.shape}")
    colours = img if foreground is None else np.asarray(foreground)
    if colours.shape != img.shape:
        raise ExportError(f"could not write {path}: the foreground is {colours.shape}, "
                          f"the photo {img.shape}")
    try:
        return cutout_rgba(colours, alpha)
    except MatteError as e:
        raise ExportError(f"could not write {path}: {e}") from None


def _failed(path: Path, e: Exception) -> ExportError:
    log.debug("writing %s failed", path, exc_info=True)
    return ExportError(f"could not write {path}: {' '.join(str(e).split()) or type(e).__name__}")


def write_tiff(path: PathLike, image: np.ndarray, alpha: np.ndarray,
               foreground: np.ndarray | None = None, bits: int = 8) -> None:
    """Write an RGBA TIFF (straight alpha, marked unassociated) atomically.

    Args:
        path: ``.tif`` or ``.tiff``.
        image: float32 H x W x 3 in [0, 1], the photo (its colours are used
            when ``foreground`` is None).
        alpha: float32 H x W in [0, 1].
        foreground: optional float32 H x W x 3 in [0, 1], the cutout's colours
            (e.g. :func:`matteditor.edges.decontaminate`'s result).
        bits: 8 or 16 per channel (rounded to nearest).
    Raises:
        ExportError naming the path and reason; a previous file is intact.
    """
    path = Path(path)
    _check_suffix(path, TIFF_SUFFIXES, "TIFF")
    if bits not in (8, 16):
        raise ExportError(f"could not write {path}: bits must be 8 or 16, not {bits}")
    pixels = _quantise(_rgba(path, image, alpha, foreground), bits, path)
    import tifffile  # here: only exporting needs it

    with atomic_write(path) as tmp:
        try:
            tifffile.imwrite(tmp, pixels, photometric="rgb", planarconfig="contig",
                             extrasamples=(_UNASSOCIATED_ALPHA,), compression="zlib",
                             metadata=None)
        except (ValueError, TypeError, RuntimeError) as e:  # tifffile's own complaints
            raise _failed(path, e) from e


def write_psd(path: PathLike, image: np.ndarray, alpha: np.ndarray,
              foreground: np.ndarray) -> None:
    """Write a layered 8-bit PSD atomically: "Photo" with the matte as layer
    mask (hidden) and "Cutout", the foreground over transparency (see the
    module docstring).

    Args:
        path: ``.psd``.
        image: float32 H x W x 3 in [0, 1], the photo.
        alpha: float32 H x W in [0, 1], the matte (edge adjustments applied).
        foreground: float32 H x W x 3 in [0, 1], the cutout's colours.
    Raises:
        ExportError naming the path and reason; a previous file is intact.
    """
    path = Path(path)
    _check_suffix(path, (PSD_SUFFIX,), "Photoshop")
    cutout = _quantise(_rgba(path, image, alpha, foreground), 8, path)
    photo = _quantise(np.asarray(image), 8, path)
    h, w = photo.shape[:2]
    if max(h, w) > PSD_MAX_SIDE:
        raise ExportError(f"could not write {path}: {w}x{h} is larger than a PSD can be "
                          f"({PSD_MAX_SIDE} px a side); export a TIFF instead")
    from PIL import Image
    from psd_tools import PSDImage  # here: only exporting needs it

    try:
        document = PSDImage.new("RGB", (w, h))
        photo_layer = document.create_pixel_layer_from_array(photo, name=PHOTO_LAYER)
        photo_layer.create_mask(Image.fromarray(np.ascontiguousarray(cutout[..., 3])))
        photo_layer.visible = False
        document.create_pixel_layer_from_array(cutout, name=CUTOUT_LAYER)
    except (ValueError, TypeError) as e:
        raise _failed(path, e) from e
    with atomic_write(path) as tmp:
        try:
            document.save(tmp)
        except (ValueError, TypeError, RuntimeError) as e:
            raise _failed(path, e) from e
