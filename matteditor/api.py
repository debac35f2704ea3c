"""The Python API: matting in three calls, as pymatting's users know it.

>>> import matteditor
>>> alpha = matteditor.estimate_alpha("photo.jpg", "trimap.png")     # the default engine
>>> fg = matteditor.estimate_foreground("photo.jpg", alpha)
>>> rgba = matteditor.cutout("photo.jpg", "trimap.png", "cutout.png")

Each function takes numpy arrays (uint8 in [0, 255], uint16 in [0, 65535] or
float in [0, 1]) or file paths, and returns float32 arrays in [0, 1].  They
are thin: inputs are checked and converted here, and the work is the editor's
and the command line's own pipeline (:func:`matteditor.live.matte_once`, the
engines of :mod:`matteditor.engines`, :mod:`matteditor.foreground`,
:mod:`matteditor.compositing`, :mod:`matteditor.imageio`).  Errors are
:class:`~matteditor.errors.MatteError` subclasses whose message says what to
change.  ``import matteditor`` loads none of this: the package's attributes
import this module on first use, and torch is imported only by an engine that
needs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Union

import numpy as np

from .errors import ImageLoadError, MatteError, TrimapError

if TYPE_CHECKING:   # imported lazily below: the engines' registry loads numba
    from .engines.base import CancelToken, Engine, ProgressFn

__all__ = ["estimate_alpha", "estimate_foreground", "cutout"]

#: what the functions accept for a picture: an array or a file path
ArrayOrPath = Union[np.ndarray, str, os.PathLike]


def _is_path(value: object) -> bool:
    return isinstance(value, (str, os.PathLike))


def _to_unit_float(array: np.ndarray, what: str, error: type[MatteError]) -> np.ndarray:
    """uint8 / uint16 scaled to [0, 1], float checked to be in [0, 1]; float32."""
    if array.dtype == np.uint8:
        return array.astype(np.float32) / np.float32(255)
    if array.dtype == np.uint16:
        return array.astype(np.float32) / np.float32(65535)
    if array.dtype.kind == "f":
        if array.size and not np.isfinite(array).all():
            raise error(f"{what} holds NaN or infinite values")
        if array.size and (array.min() < 0.0 or array.max() > 1.0):
            raise error(f"{what} is float with values in [{array.min():g}, {array.max():g}]; "
                        "float input must lie in [0, 1] (divide 8-bit values by 255, or pass "
                        "the uint8 array itself)")
        return np.ascontiguousarray(array, dtype=np.float32)
    raise error(f"{what} has dtype {array.dtype}; pass uint8, uint16 or float values")


def as_image(image: ArrayOrPath) -> np.ndarray:
    """The photo as float32 H x W x 3 sRGB in [0, 1].

    Args:
        image: a file path, or an H x W x 3 RGB array (uint8, uint16 or float
            in [0, 1]).
    Raises:
        ImageLoadError: unreadable file, wrong shape, dtype or range.
    """
    if _is_path(image):
        from .imageio import load_image

        return load_image(image)
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 4:
        raise ImageLoadError(f"image has 4 channels (shape {array.shape}); pass the colour "
                             "channels alone, e.g. image[..., :3]")
    if array.ndim != 3 or array.shape[2] != 3:
        hint = " (a gray photo: np.dstack([gray] * 3))" if array.ndim == 2 else ""
        raise ImageLoadError(f"image must be H x W x 3 RGB, got shape {array.shape}{hint}")
    if min(array.shape[:2]) == 0:
        raise ImageLoadError(f"image is empty (shape {array.shape})")
    return _to_unit_float(array, "image", ImageLoadError)


def as_trimap(trimap: ArrayOrPath, shape: tuple[int, int]) -> np.ndarray:
    """The trimap as uint8 H x W in {0, 128, 255}.

    Args:
        trimap: a file path (gray levels snapped: below 64 background, above 191
            foreground, else unknown), or an H x W array: uint8 holding only 0, 128
            and 255, or float in [0, 1] with 0 background, 1 foreground and
            anything between unknown (pymatting's convention).
        shape: (H, W) of the photo.
    Raises:
        TrimapError: unreadable file, another size, a boolean mask, other values.
    """
    from .trimap import BACKGROUND, FOREGROUND, LABELS, UNKNOWN, check_trimap

    if _is_path(trimap):
        from .imageio import load_trimap

        return load_trimap(trimap, shape)
    array = np.asarray(trimap)
    if array.dtype == bool:
        raise TrimapError("trimap is a boolean mask, which has no unknown region; make a "
                          "trimap with matteditor.trimap.trimap_from_mask(mask, band=10), or "
                          "pass the mask to cutout() as an alpha")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise TrimapError(f"trimap must be H x W (one channel), got shape {array.shape}")
    if array.dtype == np.uint8:
        bad = ~np.isin(array, LABELS)
        if bad.any():
            values = ", ".join(str(v) for v in np.unique(array[bad])[:5])
            raise TrimapError(f"trimap holds values other than 0, 128 and 255 ({values}); "
                              "snap gray levels with matteditor.trimap.snap_trimap(trimap), "
                              "or pass floats in [0, 1]")
        out = array
    elif array.dtype.kind == "f":
        values = _to_unit_float(array, "trimap", TrimapError)
        out = np.full(values.shape, UNKNOWN, np.uint8)
        out[values == 0.0] = BACKGROUND
        out[values == 1.0] = FOREGROUND
    else:
        raise TrimapError(f"trimap has dtype {array.dtype}; pass uint8 (0, 128, 255) or "
                          "float in [0, 1]")
    check_trimap(np.ascontiguousarray(out), shape)
    return np.ascontiguousarray(out)


def as_alpha(alpha: ArrayOrPath, shape: tuple[int, int]) -> np.ndarray:
    """The matte as float32 H x W in [0, 1] (a path: its alpha channel, else its gray)."""
    if _is_path(alpha):
        from .imageio import load_mask

        return load_mask(alpha, shape)
    array = np.asarray(alpha)
    if array.dtype == bool:
        array = array.astype(np.float32)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim != 2:
        raise MatteError(f"alpha must be H x W (one channel), got shape {array.shape}")
    if array.shape != tuple(shape):
        raise MatteError(f"alpha is {array.shape[1]}x{array.shape[0]} but the image is "
                         f"{shape[1]}x{shape[0]}; they must be the same size")
    return _to_unit_float(array, "alpha", MatteError)


def _engine(engine: str | Engine | None, device: str | None) -> Engine:
    from .engines import Engine, create_engine, default_engine_name

    if engine is None:
        engine = default_engine_name()
    if isinstance(engine, Engine):
        if device is not None and device != engine.device:
            raise MatteError(f"the engine given runs on {engine.device!r}, not {device!r}; "
                             "leave device out or make the engine on that device")
        return engine
    return create_engine(engine, device)


def estimate_alpha(image: ArrayOrPath, trimap: ArrayOrPath,
                   engine: str | Engine | None = None, *, device: str | None = None,
                   progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None) -> np.ndarray:
    """The alpha matte of ``image`` for ``trimap`` (pymatting's ``estimate_alpha_cf``).

    Args:
        image: H x W x 3 RGB (uint8, uint16 or float in [0, 1]) or a file path.
        trimap: H x W, uint8 in {0, 128, 255} or float in [0, 1] (0 background,
            1 foreground, between unknown), or a file path.
        engine: an engine name (``matteditor engines`` lists them: "auto", the
            default (None), picks per trimap; "closed-form" is pymatting's) or an
            engine session to reuse across calls on the same photo.
        device: "cpu" or "cuda"; None: the engine's own default.
        progress: called with (fraction in [0, 1], message) now and then.
        cancel: a :class:`~matteditor.engines.CancelToken`; setting it from
            another thread raises :class:`~matteditor.errors.Cancelled`.
    Returns:
        float32 H x W in [0, 1], exactly 0 / 1 where the trimap is known.
    Raises:
        ImageLoadError, TrimapError, EngineError (an unknown engine names the
        close ones), Cancelled.
    """
    from .engines.base import no_progress
    from .live import matte_once

    picture = as_image(image)
    labels = as_trimap(trimap, picture.shape[:2])
    session = _engine(engine, device)
    alpha, _ = matte_once(session, picture, labels, foreground=False,
                          progress=progress or no_progress, cancel=cancel)
    return alpha


def estimate_foreground(image: ArrayOrPath, alpha: ArrayOrPath, *,
                        cancel: CancelToken | None = None) -> np.ndarray:
    """Foreground colours F with ``image ~= alpha F + (1 - alpha) B`` (decontamination,
    pymatting's ``estimate_foreground_ml``).

    Args:
        image: H x W x 3 RGB (uint8, uint16 or float in [0, 1]) or a file path.
        alpha: H x W (uint8, uint16 or float in [0, 1]) or a file path.
    Returns:
        float32 H x W x 3 in [0, 1].
    """
    from .foreground import estimate_foreground as solve

    picture = as_image(image)
    return solve(picture, as_alpha(alpha, picture.shape[:2]), cancel=cancel)


def is_trimap(values: np.ndarray) -> bool:
    """Whether an H x W array reads as a trimap rather than an alpha: only the three
    labels (uint8 0 / 128 / 255, float 0 / 0.5 or 128/255 / 1), unknown among them."""
    if values.dtype == bool or values.ndim != 2:
        return False
    if values.dtype == np.uint8:
        labels = np.isin(values, (0, 128, 255))
        return bool(labels.all() and (values == 128).any())
    if values.dtype.kind != "f":
        return False
    unknown = np.isclose(values, 0.5, atol=1e-3) | np.isclose(values, 128 / 255, atol=1e-3)
    return bool((unknown | (values == 0.0) | (values == 1.0)).all() and unknown.any())


def cutout(image: ArrayOrPath, trimap_or_alpha: ArrayOrPath,
           output: str | os.PathLike | None = None, *,
           kind: Literal["trimap", "alpha"] | None = None, engine: str | Engine | None = None,
           device: str | None = None, foreground: bool = True, bits: int = 8,
           progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> np.ndarray:
    """The RGBA cutout of ``image`` (pymatting's ``cutout``), written to ``output`` if given.

    Args:
        image: H x W x 3 RGB (uint8, uint16 or float in [0, 1]) or a file path.
        trimap_or_alpha: a trimap (the alpha is estimated with ``engine``) or an
            alpha matte, as an H x W array or a file path.
        output: a .png path to write the cutout to (atomically); None: not written.
        kind: "trimap", "alpha", or None to tell by the values: a trimap when they are
            only the three labels with some unknown (0 / 128 / 255, or 0 / 0.5 / 1),
            else an alpha.
        engine, device, progress, cancel: as for :func:`estimate_alpha`.
        foreground: estimate the foreground colours (decontaminated edges);
            False keeps the photo's colours.
        bits: 8 or 16 bits per channel in ``output``.
    Returns:
        float32 H x W x 4 straight (unassociated) RGBA in [0, 1].
    Raises:
        as :func:`estimate_alpha`, and ExportError when ``output`` cannot be written
        (a previous file there is left intact).
    """
    from .compositing import cutout_rgba
    from .engines.base import no_progress
    from .foreground import estimate_foreground as solve_foreground
    from .live import matte_once

    if kind not in (None, "trimap", "alpha"):
        raise MatteError(f"kind must be 'trimap', 'alpha' or None (tell by the values), "
                         f"not {kind!r}")
    if output is not None and Path(output).suffix.lower() != ".png":
        raise MatteError(f"cannot write a cutout to {output}: it needs transparency; "
                         "use a .png file name")
    picture = as_image(image)
    shape = picture.shape[:2]
    given = trimap_or_alpha
    if _is_path(given) and kind == "trimap":
        given = as_trimap(given, shape)     # gray levels snapped, as the command line does
    elif _is_path(given):
        from .imageio import load_mask

        given = load_mask(given, shape)    # the file's alpha channel, else its gray
        if kind != "alpha" and is_trimap(given):
            given = np.rint(given * 255).astype(np.uint8)
    else:
        given = np.asarray(given)
    as_labels = kind == "trimap" or (kind is None and is_trimap(given))
    if as_labels:
        labels = as_trimap(given, shape)
        session = _engine(engine, device)
        alpha, colours = matte_once(session, picture, labels, foreground=foreground,
                                    progress=progress or no_progress, cancel=cancel)
    else:
        alpha = as_alpha(given, shape)
        colours = solve_foreground(picture, alpha, cancel=cancel) if foreground else None
    rgba = cutout_rgba(colours if colours is not None else picture, alpha)
    if output is not None:
        from .imagewrite import save_image

        save_image(output, rgba, bits=bits)
    return rgba
