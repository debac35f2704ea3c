"""Reading photos, trimaps and masks; writing (from :mod:`.imagewrite`).

Everything a user can throw at the editor comes through here, so every
failure becomes one :class:`ImageLoadError` / :class:`TrimapError` /
:class:`ExportError` line that names the file and the reason.

Decoding: Pillow reads every header first (size checked against
:class:`ImageLimits` before a pixel is decoded), and decodes 8-bit and gray
files, applying palettes, transparency, CMYK and embedded ICC profiles.
Pillow reduces 16-bit and float multi-channel PNG/TIFF to 8 bits, so those go
through ``cv2.imdecode(IMREAD_UNCHANGED)`` instead (BGR order, no EXIF
orientation applied, so we apply it ourselves).  Files are read as bytes so
that any path (unicode, spaces) works on every platform.
"""

from __future__ import annotations

import io
import logging
import os
import stat
import warnings
from contextlib import contextmanager
from struct import error as struct_error
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageCms, TiffImagePlugin, UnidentifiedImageError

from .errors import ImageLoadError, MatteError, TrimapError
from .imagewrite import atomic_write, encode_image, save_image
from .trimap import snap_trimap
from .trimap_labels import check_trimap_labels

log = logging.getLogger(__name__)

__all__ = ["ImageLimits", "load_image", "load_image_rgba", "load_trimap", "load_mask",
           "apply_orientation", "save_image", "atomic_write", "encode_image"]

PathLike = str | os.PathLike

_ORIENTATION_TAG = 0x0112
_ICC_SRGB = ImageCms.createProfile("sRGB")
# Pillow's decompression-bomb guard reads a module-level limit that would
# override the caller's ImageLimits (and report no width/height).  It is switched
# off once, when this module is imported (flipping it around each read, on whatever
# thread reads, changed it for every other thread's Pillow calls meanwhile), and
# every header is checked against ImageLimits right after it is read, before any
# pixel is decoded (_open_header).
Image.MAX_IMAGE_PIXELS = None
# Errors Pillow and its plugins raise for damaged data.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError,
                  TypeError, struct_error, Image.DecompressionBombError)


@dataclass(frozen=True)
class ImageLimits:
    """Largest image we agree to decode (guards against decompression bombs)."""

    max_pixels: int = 200_000_000
    max_side: int = 65_535


# -- reading ----------------------------------------------------------------
def _fail(path: Path, reason: str) -> ImageLoadError:
    reason = " ".join(reason.split())  # library messages may span lines
    return ImageLoadError(f"cannot open image {path}: {reason}")


def _read_bytes(path: Path) -> bytes:
    # O_NONBLOCK: opening a FIFO (e.g. a project file's photo path) must not
    # wait for a writer; it has no effect on regular files.
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
        with open(fd, "rb") as f:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError(path)
            if not stat.S_ISREG(mode):
                raise _fail(path, "not a regular file (a device, pipe or socket)")
            data = f.read()
    except MemoryError:
        raise _fail(path, "not enough memory to read the file") from None
    except FileNotFoundError:
        raise _fail(path, "the file does not exist") from None
    except IsADirectoryError:
        raise _fail(path, "this is a folder, not a file") from None
    except PermissionError:
        raise _fail(path, "permission denied") from None
    except OSError as e:
        raise _fail(path, e.strerror or str(e)) from e
    if not data:
        raise _fail(path, "the file is empty (0 bytes)")
    return data


def _open_header(data: bytes, path: Path, limits: ImageLimits) -> Image.Image | None:
    """Pillow image with only the header read, size checked against ``limits``.

    None for a TIFF whose header we could size but Pillow cannot decode.
    """
    try:
        im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as e:    # only if a caller set Pillow's limit again
        raise _fail(path, f"the image is too large to decode safely ({e})") from None
    except UnidentifiedImageError:
        size = _tiff_size(data)
        if size is None:
            raise _fail(path, "not a recognised image file (supported: PNG, JPEG, TIFF, "
                              "WebP, BMP, GIF), or its header is damaged") from None
        _check_size(size, path, limits)
        return None  # a TIFF layout Pillow cannot decode; OpenCV will
    except _DECODE_ERRORS as e:
        raise _fail(path, f"the file is damaged or truncated ({e})") from None
    _check_size(im.size, path, limits)
    return im


def _check_size(size: tuple[int, int], path: Path, limits: ImageLimits) -> None:
    w, h = size
    if w <= 0 or h <= 0:
        raise _fail(path, f"the header claims an empty image ({w}x{h})")
    if w > limits.max_side or h > limits.max_side:
        raise _fail(path, f"the image is {w}x{h} pixels; the largest side allowed is "
                          f"{limits.max_side} pixels")
    if w * h > limits.max_pixels:
        raise _fail(path, f"the image is {w}x{h} = {w * h:,} pixels, more than the limit of "
                          f"{limits.max_pixels:,} pixels (a setting: ImageLimits.max_pixels)")


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a TIFF header Pillow cannot open (e.g. float RGB)."""
    if data[:4] not in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return None
    try:
        big = data[2:4] in (b"+\x00", b"\x00+")  # BigTIFF has a 16-byte header
        ifd = TiffImagePlugin.ImageFileDirectory_v2(ifh=data[:16 if big else 8])
        fp = io.BytesIO(data)
        fp.seek(ifd.next)
        ifd.load(fp)
        return int(ifd[256]), int(ifd[257])
    except _DECODE_ERRORS:
        return None


def _orientation(im: Image.Image | None, data: bytes) -> int:
    if im is None:
        return 1
    if im.format == "PNG" and "exif" not in im.info and b"eXIf" not in data:
        return 1  # Pillow's getexif() would decode all pixels to look past IDAT
    try:
        value = int(im.getexif().get(_ORIENTATION_TAG, 1))
    except _DECODE_ERRORS:
        return 1
    return value if 1 <= value <= 8 else 1


#: EXIF orientation 2..8 -> how to show an H x W [x C] array as displayed (1: as stored)
_ORIENTATIONS = {2: lambda a: a[:, ::-1], 3: lambda a: a[::-1, ::-1], 4: lambda a: a[::-1],
                 5: lambda a: a.swapaxes(0, 1), 6: lambda a: np.rot90(a, -1),
                 7: lambda a: a.swapaxes(0, 1)[::-1, ::-1], 8: lambda a: np.rot90(a, 1)}


def apply_orientation(array: np.ndarray, orientation: int) -> np.ndarray:
    """``array`` (H x W [x C]) as displayed for an EXIF orientation 1..8."""
    return np.ascontiguousarray(_ORIENTATIONS.get(orientation, lambda a: a)(array))


def _needs_opencv(im: Image.Image | None) -> bool:
    """True for multi-channel PNG/TIFF deeper than 8 bits (Pillow would drop bits)."""
    if im is None:
        return True
    if im.format not in ("PNG", "TIFF") or im.mode not in ("RGB", "RGBA", "LA", "RGBX"):
        return False
    for tile in im.tile:
        args = tile.args
        rawmode = args[0] if isinstance(args, tuple) and args else args
        if isinstance(rawmode, str) and ("16" in rawmode or "32" in rawmode):
            return True
    return False


def _decode_opencv(data: bytes, path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    buf = np.frombuffer(data, np.uint8)
    try:
        arr = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    except cv2.error as e:
        raise _fail(path, f"the file is damaged or truncated ({e.err})") from None
    if arr is None:
        raise _fail(path, "the file is damaged or truncated")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim == 2:
        return _to_float(arr, path), None
    if arr.shape[2] == 2:
        arr = _to_float(arr, path)
        return arr[..., 0], np.ascontiguousarray(arr[..., 1])
    alpha = _to_float(arr[..., 3], path) if arr.shape[2] >= 4 else None
    # Swap BGR to RGB on the integer samples: cheaper than on floats.
    rgb = cv2.cvtColor(np.ascontiguousarray(arr[..., :3]), cv2.COLOR_BGR2RGB)
    return _to_float(rgb, path), alpha


def _to_float(arr: np.ndarray, path: Path) -> np.ndarray:
    if not arr.dtype.isnative:  # e.g. Pillow's I;16B from big-endian TIFF
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if arr.dtype in (np.uint8, np.uint16):
        f = arr.astype(np.float32)
        f /= np.float32(np.iinfo(arr.dtype).max)  # division: 255/255 is exactly 1
        return f
    if arr.dtype in (np.int32, np.uint32):
        top = 65535 if arr.max(initial=0) <= 65535 else np.iinfo(arr.dtype).max
        return (arr.astype(np.float64) / top).clip(0, 1).astype(np.float32)
    if arr.dtype.kind == "f":
        f = arr.astype(np.float32)
        if not np.isfinite(f).all():
            raise _fail(path, "the image holds NaN or infinite values")
        if f.min(initial=0) < 0 or f.max(initial=0) > 1:
            log.warning("%s: float values outside [0, 1] were clipped", path)
        return np.clip(f, 0, 1)
    if arr.dtype == np.bool_:
        return arr.astype(np.float32)
    raise _fail(path, f"unsupported sample type {arr.dtype}")


def _to_srgb(im: Image.Image, path: Path) -> Image.Image:
    """RGB image, converted to sRGB through an embedded ICC profile if any."""
    icc = im.info.get("icc_profile")
    if icc and im.mode in ("RGB", "CMYK"):
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(im, src, _ICC_SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError) as e:
            log.warning("%s: ignoring unusable ICC profile (%s)", path, e)
    return im.convert("RGB")


def _decode_pillow(im: Image.Image, path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    try:
        im.seek(0)  # first frame of animated GIF/WebP/APNG
        im.load()
        mode = im.mode
        if mode == "P" or mode == "PA":
            has_alpha = mode == "PA" or "transparency" in im.info
            im = im.convert("RGBA" if has_alpha else "RGB")
            mode = im.mode
        if mode in ("1", "L", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
            return _to_float(np.asarray(im.convert("L") if mode == "1" else im), path), None
        if mode in ("LA", "La"):
            la = _to_float(np.asarray(im.convert("LA")), path)
            return la[..., 0], la[..., 1]
        alpha = None
        if mode in ("RGBA", "RGBa"):
            rgba = im.convert("RGBA")
            alpha = _to_float(np.asarray(rgba.getchannel("A")), path)
            im = rgba.convert("RGB")
            im.info = dict(rgba.info)
        rgb = _to_srgb(im, path)
        return _to_float(np.asarray(rgb), path), alpha
    except MatteError:
        raise
    except _DECODE_ERRORS as e:
        raise _fail(path, f"the file is damaged, truncated or of an unsupported kind ({e})"
                    ) from None


@contextmanager
def _decoder_chatter_to_log(path: Path):
    """Keep Pillow's warnings and OpenCV/libtiff's console messages about a
    damaged file off the terminal: the user gets our one-line error (or a good
    image), the details go to the debug log (``matteditor -v``)."""
    cv_log = cv2.utils.logging
    level = cv_log.getLogLevel()
    cv_log.setLogLevel(cv_log.LOG_LEVEL_SILENT)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        cv_log.setLogLevel(level)
        for w in caught[:20]:
            log.debug("%s: decoder: %s", path, w.message)


def _decode(path: PathLike, limits: ImageLimits) -> tuple[np.ndarray, np.ndarray | None]:
    """(pixels float32 H x W or H x W x 3 in [0, 1], alpha float32 H x W or None)."""
    path = Path(path)
    data = _read_bytes(path)
    with _decoder_chatter_to_log(path):
        return _decode_bytes(data, path, limits)


def _decode_bytes(data: bytes, path: Path, limits: ImageLimits
                  ) -> tuple[np.ndarray, np.ndarray | None]:
    im = _open_header(data, path, limits)
    use_opencv = _needs_opencv(im)  # before getexif(), which may decode a PNG
    try:
        orientation = _orientation(im, data)
        if use_opencv:
            pixels, alpha = _decode_opencv(data, path)
        else:
            pixels, alpha = _decode_pillow(im, path)
    except MemoryError:
        w, h = im.size if im is not None else ("?", "?")
        raise _fail(path, f"not enough memory to decode a {w}x{h} image") from None
    pixels = apply_orientation(pixels, orientation)
    if alpha is not None:
        alpha = apply_orientation(alpha, orientation)
    return pixels, alpha


def load_image_rgba(path: PathLike, limits: ImageLimits = ImageLimits()
                    ) -> tuple[np.ndarray, np.ndarray | None]:
    """Load a photo.

    Returns:
        rgb: float32 H x W x 3 sRGB in [0, 1], EXIF-oriented.
        alpha: float32 H x W in [0, 1], or None if the file has no transparency.
    Raises:
        ImageLoadError naming the file and the reason.
    """
    pixels, alpha = _decode(path, limits)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    # Colour conversions (ICC, CMYK) can overshoot by a few ulps.
    pixels = np.clip(pixels, 0.0, 1.0)
    if alpha is not None:
        alpha = np.clip(alpha, 0.0, 1.0)
    return np.ascontiguousarray(pixels, dtype=np.float32), alpha


def load_image(path: PathLike, limits: ImageLimits = ImageLimits()) -> np.ndarray:
    """Load a photo as float32 H x W x 3 sRGB in [0, 1] (alpha, if any, dropped)."""
    return load_image_rgba(path, limits)[0]


def _luminance(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return pixels
    # ITU-R 601 weights, as Pillow's convert("L"); a gray painted RGB trimap
    # (R = G = B) keeps its exact gray value.
    return (pixels[..., 0] * np.float32(0.299) + pixels[..., 1] * np.float32(0.587)
            + pixels[..., 2] * np.float32(0.114))


def _check_shape(kind: str, path: Path, got: tuple[int, int], shape: tuple[int, int],
                 error: type[MatteError]) -> None:
    if tuple(got) != tuple(shape):
        raise error(f"{kind} {path} is {got[1]}x{got[0]} but the image is "
                    f"{shape[1]}x{shape[0]}; they must be the same size")


def load_trimap(path: PathLike, shape: tuple[int, int],
                limits: ImageLimits = ImageLimits()) -> np.ndarray:
    """Load a trimap file (gray or colour, 8 or 16 bit) snapped to {0, 128, 255}.

    Args:
        shape: (H, W) of the photo it belongs to.
    Returns:
        uint8 H x W in {0, 128, 255} (see :func:`trimap.snap_trimap` for the rule).
    Raises:
        ImageLoadError if unreadable; TrimapError naming both sizes on a mismatch,
        or for a trimap painted in colours or with transparent pixels (its labels are
        gray levels only: neither can be read as one without guessing).
    """
    path = Path(path)
    try:
        pixels, alpha = _decode(path, limits)
    except ImageLoadError as e:
        raise TrimapError(f"trimap: {e}") from None
    gray = _luminance(pixels)
    _check_shape("trimap", path, gray.shape, shape, TrimapError)
    check_trimap_labels(path, pixels, alpha)
    # Round to 1/255 steps first so float error cannot move a value across a threshold.
    return snap_trimap(np.rint(gray * 255).astype(np.uint8))


def load_mask(path: PathLike, shape: tuple[int, int] | None = None,
              limits: ImageLimits = ImageLimits()) -> np.ndarray:
    """Load a mask / alpha matte: the alpha channel of RGBA/LA files, else gray.

    Returns:
        float32 H x W in [0, 1].
    Raises:
        ImageLoadError if unreadable or (with ``shape`` = (H, W)) of another size.
    """
    path = Path(path)
    pixels, alpha = _decode(path, limits)
    mask = alpha if alpha is not None else _luminance(pixels)
    if shape is not None:
        _check_shape("mask", path, mask.shape, shape, ImageLoadError)
    return np.ascontiguousarray(np.clip(mask, 0, 1), dtype=np.float32)

