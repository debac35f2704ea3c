"""numpy <-> QImage conversions (qimage2ndarray does the memory layout work).

qimage2ndarray picks its Qt binding from the modules already imported, so
PySide6.QtGui is imported first here; everything else in the UI converts
arrays through this module.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage  # noqa: F401  (must precede qimage2ndarray)

import qimage2ndarray


def rgb_image(height: int, width: int, fill: bool = True) -> tuple[QImage, np.ndarray]:
    """A new opaque RGB32 QImage (black, or uninitialised when ``fill`` is False)
    and a writable H x W x 3 uint8 view of its pixels."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    if fill:
        image.fill(0)
    return image, qimage2ndarray.rgb_view(image)


def bgra_view(image: QImage) -> np.ndarray:
    """A writable H x W x 4 uint8 view of a 32-bit QImage's memory, in its byte order
    (B, G, R, A; for RGB32 the fourth byte must stay 255)."""
    return qimage2ndarray.byte_view(image)


def rgb8_to_qimage(rgb: np.ndarray) -> QImage:
    """QImage (RGB32, own copy) of uint8 H x W x 3."""
    return qimage2ndarray.array2qimage(np.ascontiguousarray(rgb))


def rgba8_to_qimage(rgba: np.ndarray) -> QImage:
    """QImage (ARGB32, straight alpha, own copy) of uint8 H x W x 4."""
    return qimage2ndarray.array2qimage(np.ascontiguousarray(rgba))
