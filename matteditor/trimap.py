"""Trimaps: validation, snapping, painting, filling and bands.

A trimap is uint8 H x W with 0 = background, 128 = unknown, 255 = foreground.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from .errors import TrimapError

BACKGROUND = 0
UNKNOWN = 128
FOREGROUND = 255
LABELS = (BACKGROUND, UNKNOWN, FOREGROUND)


def check_trimap(trimap: np.ndarray, shape: tuple[int, int]) -> None:
    """Raise TrimapError unless ``trimap`` is uint8 H x W of the given (H, W) shape
    holding only 0, 128 and 255."""
    if trimap.ndim != 2 or trimap.dtype != np.uint8:
        raise TrimapError(f"trimap must be a uint8 gray image, got {trimap.dtype} {trimap.shape}")
    if trimap.shape != tuple(shape):
        raise TrimapError(
            f"trimap is {trimap.shape[1]}x{trimap.shape[0]} but the image is "
            f"{shape[1]}x{shape[0]}; they must be the same size")
    bad = ~np.isin(trimap, LABELS)
    if bad.any():
        raise TrimapError(f"trimap holds values other than 0/128/255 (e.g. {int(trimap[bad][0])});"
                          " snap it with snap_trimap()")


def snap_trimap(values: np.ndarray) -> np.ndarray:
    """Snap gray levels to trimap labels.

    Rule (documented for users): a gray level below 64 (of 255) is background,
    above 191 is foreground, everything in between is unknown.  The thresholds
    sit halfway between the labels so anti-aliased or JPEG-damaged trimaps
    keep their meaning.

    Args:
        values: uint8 or uint16 H x W gray, or float in [0, 1].
    Returns:
        uint8 H x W in {0, 128, 255}.
    """
    v = np.asarray(values)
    if v.dtype == np.uint16:
        v = v.astype(np.float32) / 65535.0
    elif v.dtype == np.uint8:
        v = v.astype(np.float32) / 255.0
    else:
        v = v.astype(np.float32)
    out = np.full(v.shape, UNKNOWN, np.uint8)
    out[v < 64 / 255] = BACKGROUND
    out[v > 191 / 255] = FOREGROUND
    return out


def trimap_to_float(trimap: np.ndarray) -> np.ndarray:
    """float64 H x W in {0, 0.5, 1}, the form pymatting expects."""
    return trimap.astype(np.float64) / 255.0


def known_mask(trimap: np.ndarray) -> np.ndarray:
    return trimap != UNKNOWN


def clamp_to_trimap(alpha: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """Copy of ``alpha`` with the known trimap regions forced to exactly 0 or 1."""
    out = np.array(alpha, dtype=np.float32, copy=True)
    out[trimap == BACKGROUND] = 0.0
    out[trimap == FOREGROUND] = 1.0
    return out


def paint_stroke(trimap: np.ndarray, points: Sequence[tuple[float, float]],
                 radius: float, value: int) -> tuple[int, int, int, int] | None:
    """Paint a round-capped polyline of ``points`` (x, y) into ``trimap`` in place.

    Returns the touched rectangle (x0, y0, x1, y1), or None if nothing lies inside.
    """
    if value not in LABELS:
        raise TrimapError(f"cannot paint value {value}; use 0, 128 or 255")
    if not points:
        return None
    h, w = trimap.shape
    r = max(0.5, float(radius))
    shift = 4  # sub-pixel precision for smooth strokes
    scale = 1 << shift
    pts = [(int(round(x * scale)), int(round(y * scale))) for x, y in points]
    ir = int(round(r * scale))
    thickness = max(1, int(round(2 * r)))
    if len(pts) == 1:
        cv2.circle(trimap, pts[0], ir, int(value), -1, cv2.LINE_8, shift)
    else:
        # A thick polyline in OpenCV has round caps and joins.
        for a, b in zip(pts[:-1], pts[1:]):
            cv2.line(trimap, a, b, int(value), thickness, cv2.LINE_8, shift)
        cv2.circle(trimap, pts[0], ir, int(value), -1, cv2.LINE_8, shift)
        cv2.circle(trimap, pts[-1], ir, int(value), -1, cv2.LINE_8, shift)
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x0 = max(0, int(np.floor(min(xs) - r - 1)))
    y0 = max(0, int(np.floor(min(ys) - r - 1)))
    x1 = min(w, int(np.ceil(max(xs) + r + 2)))
    y1 = min(h, int(np.ceil(max(ys) + r + 2)))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def flood_fill(trimap: np.ndarray, seed: tuple[int, int], value: int) -> np.ndarray:
    """Trimap with the 4-connected region of equal label around ``seed`` (x, y)
    set to ``value``.  Returns a new array; ``trimap`` is untouched."""
    if value not in LABELS:
        raise TrimapError(f"cannot fill with value {value}; use 0, 128 or 255")
    h, w = trimap.shape
    x, y = seed
    if not (0 <= x < w and 0 <= y < h):
        return trimap.copy()
    out = trimap.copy()
    mask = np.zeros((h + 2, w + 2), np.uint8)
    cv2.floodFill(out, mask, (int(x), int(y)), int(value), 0, 0, 4)
    return out


def _disk(radius: int) -> np.ndarray:
    r = max(0, int(radius))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def trimap_from_mask(mask: np.ndarray, band: int, threshold: float = 0.5) -> np.ndarray:
    """Trimap from a (soft) mask: an unknown band ``band`` pixels wide on each side
    of the mask's edge; soft (partially transparent) mask pixels are unknown too.

    Args:
        mask: float H x W in [0, 1], or uint8 in [0, 255], or bool.
        band: half-width of the unknown band in pixels (>= 0).
    """
    m = np.asarray(mask)
    if m.dtype == np.bool_:
        m = m.astype(np.float32)
    elif m.dtype == np.uint8:
        m = m.astype(np.float32) / 255.0
    elif m.dtype == np.uint16:
        m = m.astype(np.float32) / 65535.0
    fg = (m >= threshold).astype(np.uint8)
    kernel = _disk(band)
    sure_fg = cv2.erode(fg, kernel) if band > 0 else fg
    maybe_fg = cv2.dilate(fg, kernel) if band > 0 else fg
    soft = (m > 0.02) & (m < 0.98)
    out = np.full(m.shape, UNKNOWN, np.uint8)
    out[(maybe_fg == 0) & ~soft] = BACKGROUND
    out[(sure_fg == 1) & ~soft] = FOREGROUND
    return out


def resize_band(trimap: np.ndarray, pixels: int) -> np.ndarray:
    """Grow (pixels > 0) or shrink (pixels < 0) the unknown region by ``pixels``."""
    if pixels == 0:
        return trimap.copy()
    unknown = (trimap == UNKNOWN).astype(np.uint8)
    kernel = _disk(abs(pixels))
    out = trimap.copy()
    if pixels > 0:
        out[cv2.dilate(unknown, kernel) == 1] = UNKNOWN
    else:
        fg = (trimap == FOREGROUND).astype(np.uint8)
        bg = (trimap == BACKGROUND).astype(np.uint8)
        grown_fg = cv2.dilate(fg, kernel) == 1
        grown_bg = cv2.dilate(bg, kernel) == 1
        shrink = (unknown == 1)
        # Unknown pixels reached by exactly one side become that side.
        out[shrink & grown_fg & ~grown_bg] = FOREGROUND
        out[shrink & grown_bg & ~grown_fg] = BACKGROUND
    return out
