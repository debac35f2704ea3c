"""Foreground colour estimation (decontamination) for exported cutouts.

In a hair or fur edge the photo's colour is a mix of foreground and
background; exporting it as the cutout's RGB drags the old background along
("fringe").  We solve for the foreground colours with multi-level foreground
estimation (Germer et al. 2020, "Fast Multi-Level Foreground Estimation"),
pymatting's ``estimate_foreground_ml`` being the authors' implementation.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from .engines.base import CancelToken
from .errors import MatteError

log = logging.getLogger(__name__)


def estimate_foreground(image: np.ndarray, alpha: np.ndarray, *,
                        cancel: CancelToken | None = None) -> np.ndarray:
    """Foreground colours F with ``image ~= alpha * F + (1 - alpha) * B``.

    The solver runs in one call that cannot be interrupted, so ``cancel`` is
    checked before and after it (a cancelled result is never returned).

    Args:
        image: float32 H x W x 3 sRGB in [0, 1].
        alpha: float32 H x W in [0, 1].
        cancel: raises :class:`~matteditor.errors.Cancelled` when set.
    Returns:
        float32 H x W x 3 in [0, 1].  Where alpha is 1 it stays close to the
        image; where alpha is 0 it is extrapolated from nearby foreground.
    """
    img = np.asarray(image)
    a = np.asarray(alpha)
    if img.ndim != 3 or img.shape[2] != 3:
        raise MatteError(f"image must be H x W x 3, got shape {img.shape}")
    if a.shape != img.shape[:2]:
        raise MatteError(f"alpha has shape {a.shape} but the image is {img.shape[:2]}; "
                         "they must be the same size")
    if cancel is not None:
        cancel.raise_if_cancelled()
    if max(img.shape[:2]) < 2:
        # pymatting's level count is log2 of the size: zero levels divide by zero.
        # A single pixel has no neighbours to borrow colour from anyway.
        return np.clip(img, 0.0, 1.0).astype(np.float32)
    # Imported here: importing pymatting compiles numba kernels (seconds).
    from pymatting import estimate_foreground_ml

    start = time.perf_counter()
    fg = estimate_foreground_ml(np.ascontiguousarray(img, dtype=np.float32),
                                np.ascontiguousarray(np.clip(a, 0.0, 1.0), dtype=np.float32))
    log.debug("foreground estimated for %dx%d in %.2f s", img.shape[1], img.shape[0],
              time.perf_counter() - start)
    if cancel is not None:
        cancel.raise_if_cancelled()
    return np.clip(np.asarray(fg, dtype=np.float32), 0.0, 1.0)
