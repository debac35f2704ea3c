"""Trimaps: validation, snapping, painting, filling and bands.

A trimap is uint8 H x W with 0 = background, 128 = unknown, 255 = foreground.
"""

from __future__ import annotations

from typing import Sequence

import cv2
import numpy as np

from .errors import TrimapError
from .geometry import Rect

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
        values: uint8 or uint16 H x W gray, float in [0, 1], or bool; other
            integer types are read as 8-bit if all values fit 0..255, else
            as 16-bit.
    Returns:
        uint8 H x W in {0, 128, 255}.
    """
    v = np.asarray(values)
    if v.dtype == np.uint16:
        v = v.astype(np.float32) / 65535.0
    elif v.dtype == np.uint8:
        v = v.astype(np.float32) / 255.0
    elif v.dtype.kind in "iu":
        # e.g. int64 after numpy arithmetic: 128 must stay unknown, not become 128.0.
        lo, hi = (int(v.min()), int(v.max())) if v.size else (0, 0)
        if lo < 0 or hi > 65535:
            raise TrimapError(f"trimap values must lie in 0..255 (or 0..65535), "
                              f"found {lo}..{hi}")
        v = v.astype(np.float32) / (255.0 if hi <= 255 else 65535.0)
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


# Smallest brush: a disk of this radius covers at least one pixel centre
# wherever it is placed (half the pixel diagonal).
MIN_RADIUS = 0.7072


def paint_stroke(trimap: np.ndarray, points: Sequence[tuple[float, float]],
                 radius: float, value: int) -> tuple[int, int, int, int] | None:
    """Paint a round-capped polyline of ``points`` (x, y) into ``trimap`` in place.

    Coordinates are continuous image coordinates: pixel (row i, column j)
    covers [j, j+1) x [i, i+1), so its centre is (j + 0.5, i + 0.5), the same
    convention as :func:`flood_fill` (which fills from pixel (int(x), int(y)))
    and a canvas mapping pixel j to [j, j+1).  Exactly the pixels whose centre
    lies within ``radius`` of the polyline are set, so the stroke has round
    caps and joins and is 2 * radius wide.  A radius below ``MIN_RADIUS`` is
    raised to it so that every stroke paints at least one pixel.

    Returns the touched rectangle (x0, y0, x1, y1), half-open and tight
    around the painted pixels, or None if nothing lies inside the trimap.
    """
    if value not in LABELS:
        raise TrimapError(f"cannot paint value {value}; use 0, 128 or 255")
    if not points:
        return None
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if not np.isfinite(pts).all():
        raise TrimapError("stroke points must be finite numbers")
    r = max(MIN_RADIUS, float(radius))
    if len(pts) == 1:
        pts = np.concatenate([pts, pts])
    # Drawn by hand: OpenCV's thick lines take an integer thickness and paint
    # up to 1.4 px beyond the radius, which shows with small brushes.  Long
    # segments are cut into pieces so each distance test runs on a small box.
    touched = None
    step = max(8.0, r)
    for a, b in zip(pts[:-1], pts[1:]):
        pieces = max(1, int(np.ceil(np.hypot(*(b - a)) / step)))
        for k in range(pieces):
            box = _paint_segment(trimap, a + (b - a) * (k / pieces),
                                 a + (b - a) * ((k + 1) / pieces), r, value)
            if box is not None:
                touched = box if touched is None else (
                    min(touched[0], box[0]), min(touched[1], box[1]),
                    max(touched[2], box[2]), max(touched[3], box[3]))
    return touched


def _paint_segment(trimap: np.ndarray, a: np.ndarray, b: np.ndarray, r: float,
                   value: int) -> tuple[int, int, int, int] | None:
    """Set the pixels within ``r`` of segment a-b; return their bounding box."""
    h, w = trimap.shape
    # Pixel j is a candidate if its centre j + 0.5 lies within r of the box.
    x0 = max(0, int(np.ceil(min(a[0], b[0]) - r - 0.5)))
    y0 = max(0, int(np.ceil(min(a[1], b[1]) - r - 0.5)))
    x1 = min(w, int(np.floor(max(a[0], b[0]) + r - 0.5)) + 1)
    y1 = min(h, int(np.floor(max(a[1], b[1]) + r - 0.5)) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    ys = np.arange(y0, y1, dtype=np.float64)[:, None] + 0.5
    xs = np.arange(x0, x1, dtype=np.float64)[None, :] + 0.5
    d = b - a
    length2 = float(d @ d)
    if length2 > 0:
        t = np.clip(((xs - a[0]) * d[0] + (ys - a[1]) * d[1]) / length2, 0.0, 1.0)
    else:
        t = np.zeros((1, 1))
    inside = (xs - a[0] - t * d[0]) ** 2 + (ys - a[1] - t * d[1]) ** 2 <= r * r
    box = Rect.of_mask(inside)
    if box.empty:
        return None
    trimap[y0:y1, x0:x1][inside] = value
    return (x0 + box.x0, y0 + box.y0, x0 + box.x1, y0 + box.y1)


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


def cap_band(width: int, shape: tuple[int, int]) -> int:
    """``width`` (pixels, >= 0) capped just past the diagonal of an image of ``shape``:
    a wider band or larger disk changes nothing there, and a huge width typed by a
    user must not allocate a huge kernel."""
    return min(max(0, int(width)), int(np.ceil(np.hypot(*shape))) + 1)


def _disk(radius: int, shape: tuple[int, int]) -> np.ndarray:
    """Disk kernel of ``radius``, capped at the diagonal of an image of ``shape``:
    a larger disk erodes and dilates it the same way, and a huge radius typed
    by a user must not allocate a huge kernel."""
    r = cap_band(radius, shape)
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def trimap_from_mask(mask: np.ndarray, band: int, threshold: float = 0.5) -> np.ndarray:
    """Trimap from a (soft) mask: an unknown band ``band`` pixels wide on each side
    of the mask's edge; soft (partially transparent) mask pixels are unknown too.

    Args:
        mask: float H x W in [0, 1], or uint8 in [0, 255], or bool.
        band: half-width of the unknown band in pixels (>= 0).
    """
    m = np.asarray(mask)
    if m.ndim != 2:
        raise TrimapError(f"mask must be a 2-D H x W array, got shape {m.shape}")
    if band < 0:
        raise TrimapError(f"band must be >= 0 pixels, not {band}")
    if m.dtype == np.bool_:
        m = m.astype(np.float32)
    elif m.dtype == np.uint8:
        m = m.astype(np.float32) / 255.0
    elif m.dtype == np.uint16:
        m = m.astype(np.float32) / 65535.0
    fg = (m >= threshold).astype(np.uint8)
    kernel = _disk(band, m.shape)
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
    kernel = _disk(abs(pixels), trimap.shape)
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


#: a reduced pixel is known when this much of it was painted that label
REDUCE_COVERAGE = 0.25
_COVERAGE_8BIT = round(REDUCE_COVERAGE * 255)


def reduce_trimap(trimap: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Trimap reduced to ``size`` (w, h) without losing thin scribbles.

    A reduced pixel takes a label if at least REDUCE_COVERAGE of it carries that
    label and not the other one; anything mixed stays unknown.
    """
    # One area reduction of a two-channel 0/255 byte image (foreground, background):
    # a quarter of the time of reducing two float masks, which matters on 12 MP.
    labels = cv2.merge([cv2.compare(trimap, FOREGROUND, cv2.CMP_EQ),
                        cv2.compare(trimap, BACKGROUND, cv2.CMP_EQ)])
    cover = cv2.resize(labels, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], 2)
    fg, bg = cover[..., 0] >= _COVERAGE_8BIT, cover[..., 1] >= _COVERAGE_8BIT
    out = np.full((size[1], size[0]), UNKNOWN, np.uint8)
    out[fg & ~bg] = FOREGROUND
    out[bg & ~fg] = BACKGROUND
    return out


def _area_weights(n_src: int, n_dst: int, lo: int, hi: int) -> tuple[np.ndarray, int, int]:
    """INTER_AREA's weights of reduced pixels lo..hi-1 (of n_dst) over the source pixels
    they cover: ((hi - lo) x (a1 - a0) float64, a0, a1).  Reduced pixel i averages the
    source interval [i s, (i + 1) s), s = n_src / n_dst."""
    s = n_src / n_dst
    a0, a1 = int(np.floor(lo * s)), min(n_src, int(np.ceil(hi * s)))
    i = np.arange(lo, hi, dtype=np.float64)[:, None]
    j = np.arange(a0, a1, dtype=np.float64)[None, :]
    overlap = np.minimum((i + 1) * s, j + 1) - np.maximum(i * s, j)
    return np.maximum(overlap, 0.0) / s, a0, a1


def reduce_trimap_into(trimap: np.ndarray, out: np.ndarray, changed: Rect) -> Rect:
    """Bring ``out`` (:func:`reduce_trimap` of an earlier trimap, h x w) up to date with
    ``trimap``, which differs from that one only inside ``changed`` (full-size pixels).

    Only the reduced pixels whose area meets ``changed`` are computed again, with
    the area averages cv2's INTER_AREA takes (equal to its result up to the rounding
    of exact halves); on a 12 MP photo that is a few reduced pixels per stroke instead
    of a pass over the whole trimap.  Returns the reduced region rewritten.
    """
    h, w = out.shape
    big_h, big_w = trimap.shape
    if changed.empty:
        return Rect(0, 0, 0, 0)
    sx, sy = big_w / w, big_h / h
    x0, x1 = int(changed.x0 // sx), min(w, int(np.ceil(changed.x1 / sx)))
    y0, y1 = int(changed.y0 // sy), min(h, int(np.ceil(changed.y1 / sy)))
    wy, a0, a1 = _area_weights(big_h, h, y0, y1)
    wx, b0, b1 = _area_weights(big_w, w, x0, x1)
    crop = trimap[a0:a1, b0:b1]
    cover = [np.rint(255.0 * (wy @ (crop == label).astype(np.float64) @ wx.T)) >= _COVERAGE_8BIT
             for label in (FOREGROUND, BACKGROUND)]
    region = np.full((y1 - y0, x1 - x0), UNKNOWN, np.uint8)
    region[cover[0] & ~cover[1]] = FOREGROUND
    region[cover[1] & ~cover[0]] = BACKGROUND
    out[y0:y1, x0:x1] = region
    return Rect(x0, y0, x1, y1)
