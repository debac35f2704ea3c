"""Is a trimap file made of trimap labels?  Asked when one is read (no Qt).

A trimap's labels are gray levels: background black (0), unknown gray (128),
foreground white (255).  A trimap painted in colours (red foreground, green
background) or on a transparent layer would be read as grays that mean
something else, silently, so :func:`check_trimap_labels` refuses it with one
line saying how to paint it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import TrimapError

#: A pixel whose channels differ by more than this (of 1) is coloured, not gray;
#: JPEG's chroma noise on a gray trimap stays well below it.
TRIMAP_CHROMA = 0.25
TRIMAP_LABELS = "background black (0), unknown gray (128), foreground white (255)"


def check_trimap_labels(path: Path, pixels: np.ndarray, alpha: np.ndarray | None) -> None:
    """Raise TrimapError if a trimap's pixels are not gray levels: painted in colours
    (red and green would become two grays), or transparent (the gray under a
    transparent pixel, often black, would silently become background).

    Args:
        path: the file, for the message.
        pixels: float32 H x W or H x W x 3 in [0, 1], as decoded.
        alpha: float32 H x W in [0, 1], or None when the file has no alpha channel.
    """
    if alpha is not None:
        clear = int(np.count_nonzero(alpha < 0.99))
        if clear:
            raise TrimapError(f"trimap {path} has {clear} transparent pixel(s); a trimap is "
                              f"read from gray levels only, so paint every pixel opaque: "
                              f"{TRIMAP_LABELS}")
    if pixels.ndim == 3:
        spread = pixels.max(axis=2) - pixels.min(axis=2)
        coloured = int(np.count_nonzero(spread > TRIMAP_CHROMA))
        if coloured > spread.size // 1000:
            raise TrimapError(f"trimap {path} is painted in colours ({coloured} coloured "
                              f"pixels), which are not trimap labels; paint it in gray: "
                              f"{TRIMAP_LABELS}")
